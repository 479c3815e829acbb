import { Histogram, Registry, collectDefaultMetrics, register } from 'prom-client';

/** The process's metrics live in prom-client's default registry. */
export const metricsRegistry: Registry = register;

let defaultsCollected = false;
export function collectProcessMetrics(): void {
  if (defaultsCollected) return;
  defaultsCollected = true;
  collectDefaultMetrics({ register: metricsRegistry, prefix: 'danbao_' });
}

export const httpRequestDuration = new Histogram({
  name: 'danbao_http_request_duration_seconds',
  help: 'HTTP request latency by method, route pattern and status',
  labelNames: ['method', 'route', 'status'],
  buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
});

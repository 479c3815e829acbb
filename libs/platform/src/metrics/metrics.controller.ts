import { Public } from '../auth/auth.decorators';
import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Gauge } from 'prom-client';
import { QueueRegistry } from '../queue/queue.registry';
import { metricsRegistry } from './metrics';

const JOB_STATES = ['waiting', 'active', 'delayed', 'failed', 'prioritized'] as const;

/** Prometheus scrape endpoint: HTTP latency, process metrics, and queue depths read on scrape. */
@ApiExcludeController()
@Public()
@Controller('metrics')
export class MetricsController {
  private readonly queueDepth: Gauge<'queue' | 'state'>;

  constructor(@Inject(QueueRegistry) private readonly queues: QueueRegistry) {
    const existing = metricsRegistry.getSingleMetric('danbao_queue_jobs') as
      Gauge<'queue' | 'state'> | undefined;
    this.queueDepth =
      existing ??
      new Gauge({
        name: 'danbao_queue_jobs',
        help: 'Jobs per queue and state (failed = dead letters)',
        labelNames: ['queue', 'state'],
      });
  }

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(): Promise<string> {
    await Promise.all(
      this.queues.all().map(async (queue) => {
        const counts = await queue.getJobCounts(...JOB_STATES).catch(() => undefined);
        if (!counts) return;
        for (const state of JOB_STATES) this.queueDepth.set({ queue: queue.name, state }, counts[state] ?? 0);
      }),
    );
    return metricsRegistry.metrics();
  }
}

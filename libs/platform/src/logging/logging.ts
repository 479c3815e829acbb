import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Params } from 'nestjs-pino';

/** The caller's `X-Request-Id` when it is sane, otherwise a new one. */
export function requestIdFor(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && /^[A-Za-z0-9_-]{8,64}$/.test(given) ? given : `req_${randomUUID()}`;
}

/**
 * Structured JSON logs through pino, one request id on every line of a request (taken from a
 * sane `X-Request-Id` header or made here). Card numbers, CVCs, secrets and tokens never reach a
 * log line: the fields that could carry them are redacted.
 */
export function loggerParams(level: string): Params {
  return {
    pinoHttp: {
      level,
      genReqId: (request: IncomingMessage) => {
        const given = request.headers['x-request-id'];
        return typeof given === 'string' && /^[A-Za-z0-9_-]{8,64}$/.test(given)
          ? given
          : `req_${randomUUID()}`;
      },
      customProps: () => ({ service: process.env.DANBAO_PROCESS ?? 'api' }),
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'req.headers["danbao-signature"]',
          'req.body.card_number',
          'req.body.cvc',
          'req.body.password',
          '*.password',
          '*.secret',
        ],
        censor: '[redacted]',
      },
      serializers: {
        req: (request: { id: string; method: string; url: string }) => ({
          id: request.id,
          method: request.method,
          url: request.url.split('?')[0],
        }),
      },
      autoLogging: {
        ignore: (request) => (request.url ?? '').startsWith('/health') || request.url === '/metrics',
      },
    },
  };
}

import type { IncomingMessage } from 'node:http';
import cookie from '@fastify/cookie';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { Logger } from 'pino';
import { ApiError } from '../errors/api-error';
import { ApiExceptionFilter, toErrorBody } from '../errors/api-exception.filter';
import { createValidationPipe } from '../errors/validation';
import { bindIdempotencyToPostRoutes } from '../idempotency/idempotency.interceptor';
import { PinoLoggerService, registerRequestLogging, requestIdFor } from '../logging/logging';
import { ROOT_LOGGER } from '../logging/logging.module';
import { collectProcessMetrics, httpRequestDuration } from '../metrics/metrics';
import { registerSecurityHeaders } from './security-headers';

/** JSON bodies nested deeper than this are refused (no contract body comes close). */
export const MAX_JSON_DEPTH = 32;

/** Iterative, so that the check itself cannot overflow the stack. */
export function nestingExceeds(value: unknown, maxDepth: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (current === null || typeof current !== 'object') continue;
    if (depth >= maxDepth) return true;
    for (const child of Object.values(current as object)) stack.push([child, depth + 1]);
  }
  return false;
}

/** Request bodies beyond this are refused with 413 before any handler runs. */
export const BODY_LIMIT_BYTES = 100 * 1024;

export function createFastifyAdapter(): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    // `__proto__` and `constructor.prototype` keys in JSON are refused, not merged.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    trustProxy: false,
    genReqId: (raw: IncomingMessage & { id?: string }) => (raw.id = requestIdFor(raw)),
    logger: false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
  } as never);
}

/**
 * Everything an HTTP app of Danbao gets, in one place so tests run the same stack as
 * production: request logging, security headers, the API.md error shape, validation,
 * idempotency on every POST, request metrics, OpenAPI. Call before `app.init()`.
 */
export async function configureHttpApp(app: NestFastifyApplication): Promise<void> {
  app.useLogger(app.get(PinoLoggerService));
  app.useGlobalFilters(new ApiExceptionFilter());
  app.useGlobalPipes(createValidationPipe());
  bindIdempotencyToPostRoutes(app);

  registerRequestLogging(app, app.get<symbol, Logger>(ROOT_LOGGER));
  registerSecurityHeaders(app);
  const fastify = app.getHttpAdapter().getInstance();
  await app.register(cookie as never);
  // JSON and HTML forms only: a text/plain body is refused with 415 rather than read as a string.
  fastify.removeContentTypeParser('text/plain');

  // Deeply nested JSON would overflow the validator's recursion; refuse it before it runs.
  // Hooks that await nothing are written callback-style: no promise per request.
  fastify.addHook('preValidation', (request, reply, done) => {
    if (!nestingExceeds(request.body, MAX_JSON_DEPTH)) return done();
    // Answered here: the request goes no further (done is not called).
    void reply
      .status(400)
      .send(
        toErrorBody(
          ApiError.badRequest(
            'body_too_deep',
            `JSON nested deeper than ${MAX_JSON_DEPTH} levels is refused.`,
          ),
        ).body,
      );
  });

  collectProcessMetrics();
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions?.url ?? 'unmatched';
    httpRequestDuration.observe(
      { method: request.method, route, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    done();
  });

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Danbao API')
      .setDescription('Escrow payments for marketplaces. See API.md for the contract.')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}

export async function createHttpApp(rootModule: unknown): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(rootModule as never, createFastifyAdapter(), {
    bufferLogs: true,
    // Channel notifications are verified over the exact bytes received.
    rawBody: true,
  });
  await configureHttpApp(app);
  return app;
}

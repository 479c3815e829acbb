import { Writable } from 'node:stream';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { Logger } from 'pino';
import {
  configureHttpApp,
  createFastifyAdapter,
  createRedis,
  createRootLogger,
  ROOT_LOGGER,
} from '@danbao/platform';

export interface TestAppOptions {
  /** Replaces the process's root logger, e.g. with one from `captureLogs()`. */
  logger?: Logger;
  /** Providers replaced by a value, e.g. a window shortened for the test. */
  overrides?: [token: unknown, value: unknown][];
}

/** The api's full HTTP stack (request logging, security headers, filters, pipes, OpenAPI) around the given root module. */
export async function createTestApp(
  rootModule: unknown,
  options: TestAppOptions = {},
): Promise<NestFastifyApplication> {
  const builder = Test.createTestingModule({ imports: [rootModule as never] });
  if (options.logger) builder.overrideProvider(ROOT_LOGGER).useValue(options.logger);
  for (const [token, value] of options.overrides ?? [])
    builder.overrideProvider(token as never).useValue(value);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(createFastifyAdapter(), {
    bufferLogs: true,
    rawBody: true,
  });
  await configureHttpApp(app);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

export interface CapturedLogs {
  /** A root logger, configured as the app's own, that writes to memory instead of stdout. */
  logger: Logger;
  /** Every line written so far, parsed. */
  lines(): Record<string, unknown>[];
}

/** Log lines kept in memory, for tests that assert what the app logs. */
export function captureLogs(level = 'info'): CapturedLogs {
  const text: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      text.push(chunk.toString());
      callback();
    },
  });
  return {
    logger: createRootLogger(level, destination),
    lines: () =>
      text
        .join('')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/** Deletes every Redis key under a test's queue prefix. */
export async function deleteQueueKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = createRedis(redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

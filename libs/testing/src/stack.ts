import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppConfig } from '@danbao/platform';
import { allMigrations } from '@danbao/schema';
import { RunningProcess, startProcess } from './processes';
import { createTestApp, deleteQueueKeys, TestAppOptions } from './test-app';
import { testConfig, testProcessEnv } from './test-config';
import { createTestDatabase, REDIS_URL, TestDatabase, testPorts, testQueuePrefix } from './test-database';

export interface StackOptions {
  /** Config overrides (durations in the API's own syntax), given to the app and to the worker alike. */
  overrides?: Record<string, string>;
  /** Listen on a random port, with PUBLIC_URL pointing at it (so the sandbox's notifications reach the app). */
  listen?: boolean;
  /** Start a worker process; an object is extra environment for the worker alone. */
  worker?: boolean | Record<string, string>;
  /** How the in-process app is made (a replaced logger, providers replaced by a value). */
  app?: TestAppOptions;
}

export interface Stack {
  database: TestDatabase;
  config: AppConfig;
  prefix: string;
  app: NestFastifyApplication;
  /** Present when started with `worker`. */
  worker: RunningProcess | undefined;
  /** Present when started with `listen`. */
  port: number | undefined;
  /** Stops the worker (SIGTERM, waits for its exit), closes the app, deletes the queue keys, drops the database. */
  stop(): Promise<void>;
}

/**
 * What most cross-app suites start in beforeAll: a database and queue prefix of the file's own, the
 * api's full HTTP stack in-process around `rootModule(config)` (AppModule.forRoot, passed in since
 * libs never import apps), optionally listening and optionally with a real worker process.
 * Call `stop()` in afterAll; if start-up fails, whatever had started is stopped before the error.
 */
export async function startStack(
  rootModule: (config: AppConfig) => unknown,
  options: StackOptions = {},
): Promise<Stack> {
  const prefix = testQueuePrefix();
  const port = options.listen ? testPorts() : undefined;
  const overrides = {
    ...(port === undefined ? {} : { PUBLIC_URL: `http://127.0.0.1:${port}` }),
    ...options.overrides,
  };
  let database: TestDatabase | undefined;
  let app: NestFastifyApplication | undefined;
  let worker: RunningProcess | undefined;
  const stop = async () => {
    worker?.kill('SIGTERM');
    await worker?.exited;
    if (process.env.DEBUG_WORKER) process.stdout.write(worker?.output() ?? '');
    await app?.close();
    await deleteQueueKeys(REDIS_URL, prefix);
    await database?.drop();
  };
  try {
    database = await createTestDatabase(allMigrations);
    const config = testConfig(database.databaseUrl, prefix, overrides);
    app = await createTestApp(rootModule(config), options.app);
    if (port !== undefined) await app.listen({ port, host: '127.0.0.1' });
    if (options.worker) {
      const extra = options.worker === true ? {} : options.worker;
      worker = startProcess('worker', testProcessEnv(config, { ...overrides, ...extra }));
      await worker.waitForOutput(/Danbao worker running/, 40_000);
    }
    return { database, config, prefix, app, worker, port, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

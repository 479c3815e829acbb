// Proves that SIGTERM to a real worker process lets the job it runs finish (or return to the
// queue) and leaves nothing half-done. Real: a worker process, MariaDB, Redis.
import { Queue } from 'bullmq';
import { createConnection } from 'mysql2/promise';
import { CANARY_JOB, createRedis, QUEUES } from '@danbao/platform';
import { allMigrations } from '@danbao/schema';
import {
  createTestDatabase,
  deleteQueueKeys,
  REDIS_URL,
  startProcess,
  TestDatabase,
  testConfig,
  testProcessEnv,
  testQueuePrefix,
} from '@danbao/testing';

describe('worker shutdown', () => {
  let database: TestDatabase;
  const prefix = testQueuePrefix();
  let queue: Queue;
  // BullMQ leaves a connection it was handed open on close(); this file closes it itself.
  const redis = createRedis(REDIS_URL);
  // Short job locks, so a killed worker's job is found stalled in seconds rather than 30 s. Every
  // worker of the file uses them: the stalled check's own rate limit is shared through Redis.
  const fastStall = { WORKER_LOCK_DURATION: '2s', WORKER_STALLED_INTERVAL: '1s' };

  beforeAll(async () => {
    database = await createTestDatabase(allMigrations);
    queue = new Queue(QUEUES.system, { connection: redis, prefix });
  });

  afterAll(async () => {
    await queue?.close();
    await redis.quit();
    await deleteQueueKeys(REDIS_URL, prefix);
    await database?.drop();
  });

  async function canaryRows(jobId: string): Promise<number> {
    const connection = await createConnection(database.databaseUrl);
    try {
      const [rows] = await connection.query('SELECT COUNT(*) AS n FROM platform_canaries WHERE job_id = ?', [
        jobId,
      ]);
      return Number((rows as { n: number }[])[0].n);
    } finally {
      await connection.end();
    }
  }

  it('finishes the running job before exiting on SIGTERM', async () => {
    const config = testConfig(database.databaseUrl, prefix);
    const worker = startProcess('worker', testProcessEnv(config, fastStall));
    await worker.waitForOutput(/Danbao worker running/);

    const job = await queue.add(CANARY_JOB, { workMs: 2500 }, { jobId: 'canary-sigterm' });
    // Wait until the worker has taken the job, then ask it to stop mid-job.
    for (let i = 0; i < 100 && (await job.getState()) !== 'active'; i += 1)
      await new Promise((r) => setTimeout(r, 50));
    expect(await job.getState()).toBe('active');
    expect(await canaryRows('canary-sigterm')).toBe(0);
    worker.kill('SIGTERM');

    expect(await worker.exited).toBe(0);
    expect(await canaryRows('canary-sigterm')).toBe(1);
    expect(await (await queue.getJob('canary-sigterm'))!.getState()).toBe('completed');
  });

  it('leaves nothing half-done when killed outright: the job returns to the queue and runs once', async () => {
    const config = testConfig(database.databaseUrl, prefix);
    const first = startProcess('worker', testProcessEnv(config, fastStall));
    await first.waitForOutput(/Danbao worker running/);
    const job = await queue.add(CANARY_JOB, { workMs: 3000 }, { jobId: 'canary-sigkill' });
    for (let i = 0; i < 100 && (await job.getState()) !== 'active'; i += 1)
      await new Promise((r) => setTimeout(r, 50));
    first.kill('SIGKILL');
    await first.exited;
    expect(await canaryRows('canary-sigkill')).toBe(0);

    // A new worker finds the stalled job (its lock expires) and runs it to the end, once.
    const second = startProcess('worker', testProcessEnv(config, fastStall));
    await second.waitForOutput(/Danbao worker running/);
    for (let i = 0; i < 300 && (await canaryRows('canary-sigkill')) === 0; i += 1)
      await new Promise((r) => setTimeout(r, 100));
    expect(await canaryRows('canary-sigkill')).toBe(1);
    second.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});

// The database sweep against the real MariaDB and Redis: EscrowSweep with the real services and
// QueueRegistry under this file's own queue prefix. No worker process: the test reads the queue,
// and a short-lived in-test BullMQ worker makes the failed jobs the sweep must look at.
import { Logger } from '@nestjs/common';
import { Worker } from 'bullmq';
import { DataSource } from 'typeorm';
import {
  AppConfig,
  createDataSource,
  createRedis,
  QueueRegistry,
  QUEUES,
  databaseOf,
} from '@danbao/platform';
import {
  allMigrations,
  createTestDatabase,
  deleteQueueKeys,
  escrowServices,
  makePaidOrders,
  PaidOrder,
  REDIS_URL,
  shipOrders,
  TestDatabase,
  testConfig,
  testQueuePrefix,
} from '@danbao/testing';
import { deadlineJobId, ESCROW_JOBS, EscrowJobs, holdExpiryJobId, releaseJobId } from './escrow.jobs';
import { EscrowSweep } from './escrow.sweep';

const migrations = allMigrations;

describe('EscrowSweep', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let config: AppConfig;
  let queues: QueueRegistry;
  let sut: EscrowSweep;
  const prefix = testQueuePrefix();

  beforeAll(async () => {
    Logger.overrideLogger(false);
    database = await createTestDatabase(migrations);
    config = testConfig(database.databaseUrl, prefix, { SWEEP_INTERVAL: '1s', MAX_HOLD: '90d' });
    dataSource = await createDataSource({ databaseUrl: database.databaseUrl }).initialize();
    queues = new QueueRegistry(config);
    const { expiry } = escrowServices(databaseOf(dataSource), config, queues);
    sut = new EscrowSweep(databaseOf(dataSource), config, queues, new EscrowJobs(queues), expiry);
  });

  afterAll(async () => {
    await queues?.onApplicationShutdown();
    await dataSource?.destroy();
    await deleteQueueKeys(REDIS_URL, prefix);
    await database?.drop();
  });

  const payments = () => queues.get(QUEUES.payments);
  const stateOf = async (jobId: string) => (await payments().getJob(jobId))?.getState();

  /** Fails the given jobs through a real worker, with the error message each is given. */
  async function failJobs(reasons: Map<string, string>): Promise<void> {
    const connection = createRedis(REDIS_URL, { blocking: true });
    const worker = new Worker(
      QUEUES.payments,
      async (job) => {
        throw new Error(reasons.get(job.id!) ?? 'unexpected job');
      },
      { connection, prefix, concurrency: 4 },
    );
    try {
      for (let i = 0; i < 100; i += 1) {
        const states = await Promise.all([...reasons.keys()].map(stateOf));
        if (states.every((state) => state === 'failed')) return;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error('the jobs did not fail');
    } finally {
      await worker.close();
      connection.disconnect();
    }
  }

  it('queues every due release under its deterministic id, and counts the late ones without a job as lost', async () => {
    const due = await makePaidOrders(dataSource, [{}, {}]);
    const later = await makePaidOrders(dataSource, [{}]);
    await shipOrders(dataSource, due, { autoConfirmAt: new Date(Date.now() - 60_000) });
    await shipOrders(dataSource, later, { autoConfirmAt: new Date(Date.now() + 60_000) });

    const report = await sut.sweep();
    expect(report).toMatchObject({ releasesDue: 2, releasesLate: 2, releasesLost: 2, releasesRedriven: 0 });
    for (const order of due) {
      expect(await payments().getJob(releaseJobId(order.holdId))).toMatchObject({
        name: ESCROW_JOBS.release,
        data: { holdId: order.holdId, orderId: order.orderId },
      });
    }
    expect(await payments().getJob(releaseJobId(later[0].holdId))).toBeUndefined();
    // A second sweep queues nothing new and finds nothing lost.
    const waiting = await payments().getWaitingCount();
    expect(await sut.sweep()).toMatchObject({ releasesDue: 2, releasesLost: 0 });
    expect(await payments().getWaitingCount()).toBe(waiting);
    await payments().obliterate({ force: true });
  });

  it('sends back a release job that stalled too often at once, and one that failed otherwise after a cool-down', async () => {
    await dataSource.query("UPDATE holds SET status = 'released' WHERE status = 'held'");
    const [stalled, failing]: PaidOrder[] = await makePaidOrders(dataSource, [{}, {}]);
    await shipOrders(dataSource, [stalled, failing], { autoConfirmAt: new Date(Date.now() - 60_000) });
    // Release jobs that fail for good on their first attempt (attempts 8 would retry with backoff).
    for (const order of [stalled, failing]) {
      await payments().add(
        ESCROW_JOBS.release,
        { holdId: order.holdId, orderId: order.orderId },
        { jobId: releaseJobId(order.holdId), attempts: 1, removeOnFail: false },
      );
    }
    await failJobs(
      new Map([
        [releaseJobId(stalled.holdId), 'job stalled more than allowable limit'],
        [releaseJobId(failing.holdId), 'database unreachable'],
      ]),
    );

    const report = await sut.sweep();
    expect(report).toMatchObject({ releasesLost: 0, releasesRedriven: 1 });
    expect(await stateOf(releaseJobId(stalled.holdId))).toBe('waiting');
    expect(await stateOf(releaseJobId(failing.holdId))).toBe('failed');

    // Past the cool-down (ten sweeps, at least a minute), the other one is tried again too.
    const later = await sut.sweep(new Date(Date.now() + 61_000));
    expect(later.releasesRedriven).toBe(1);
    expect(await stateOf(releaseJobId(failing.holdId))).toBe('waiting');
    await payments().obliterate({ force: true });
  });

  it('sends back every failed job of late holds, releases and receipt deadlines alike, past any first page', async () => {
    await dataSource.query("UPDATE holds SET status = 'released' WHERE status = 'held'");
    const orders = await makePaidOrders(
      dataSource,
      Array.from({ length: 250 }, () => ({})),
    );
    const dueAt = new Date(Date.now() - 60_000);
    await shipOrders(dataSource, orders, { autoConfirmAt: dueAt });
    const [withDeadline, ...others] = orders;
    for (const order of others) {
      await payments().add(
        ESCROW_JOBS.release,
        { holdId: order.holdId, orderId: order.orderId },
        { jobId: releaseJobId(order.holdId), attempts: 1, removeOnFail: false },
      );
    }
    await payments().add(
      ESCROW_JOBS.receiptDeadline,
      { holdId: withDeadline.holdId, orderId: withDeadline.orderId },
      { jobId: deadlineJobId(withDeadline.orderId, dueAt), attempts: 1, removeOnFail: false },
    );
    const stalled = 'job stalled more than allowable limit';
    await failJobs(
      new Map([
        ...others.map((order) => [releaseJobId(order.holdId), stalled] as [string, string]),
        [deadlineJobId(withDeadline.orderId, dueAt), stalled],
      ]),
    );

    const report = await sut.sweep();
    expect(report).toMatchObject({
      releasesDue: 250,
      releasesLate: 250,
      releasesLost: 1,
      releasesRedriven: 249,
      deadlinesRedriven: 1,
    });
    const states = await Promise.all(others.map((order) => stateOf(releaseJobId(order.holdId))));
    expect(states.filter((state) => state !== 'waiting')).toEqual([]);
    expect(await stateOf(deadlineJobId(withDeadline.orderId, dueAt))).toBe('waiting');
    await payments().obliterate({ force: true });
  });

  it('notifies holds near MAX_HOLD and queues the expiry of holds past it', async () => {
    const [nearing] = await makePaidOrders(dataSource, [{}], { maxHoldMs: 3 * 86_400_000 });
    const [expired] = await makePaidOrders(dataSource, [{}], { maxHoldMs: 1 });
    const report = await sut.sweep();
    expect(report.expiringNotified).toBeGreaterThanOrEqual(2);
    expect(report.expiriesQueued).toBe(1);
    expect(await payments().getJob(holdExpiryJobId(expired.holdId))).toMatchObject({
      name: ESCROW_JOBS.holdExpiry,
      data: { holdId: expired.holdId, orderId: expired.orderId },
    });
    expect(await payments().getJob(holdExpiryJobId(nearing.holdId))).toBeUndefined();
  });
});

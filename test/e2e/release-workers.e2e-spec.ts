// Proves exactly-once releases with real worker processes (T03, T13): duplicate and racing jobs,
// and workers killed around the commit. The kills use a test-only hook: with NODE_ENV=test the
// release handler reads DANBAO_TEST_CRASH_POINT=before_commit|after_commit and SIGKILLs its own
// process at that point (inside the transaction after its writes, or right after COMMIT before
// BullMQ hears of it). Real: worker processes, MariaDB, Redis; orders from the paid-order factory.
import { Job, Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { ESCROW_JOBS, MONEY_JOB_OPTIONS, releaseJobId } from '@danbao/escrow';
import { Accounts, LedgerService } from '@danbao/ledger';
import { AppConfig, createDataSource, createRedis, QUEUES, databaseOf } from '@danbao/platform';
import { allMigrations } from '@danbao/schema';
import {
  createTestDatabase,
  deleteQueueKeys,
  makePaidOrders,
  PaidOrder,
  REDIS_URL,
  RunningProcess,
  shipOrders,
  startProcess,
  TestDatabase,
  testConfig,
  testProcessEnv,
  testQueuePrefix,
  waitFor,
} from '@danbao/testing';

describe('release workers: exactly once', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let ledger: LedgerService;
  let config: AppConfig;
  let payments: Queue;
  const connection = createRedis(REDIS_URL);
  const prefix = testQueuePrefix();
  const running: RunningProcess[] = [];
  // Short job locks, so that a killed worker's job is found stalled within seconds; a slow sweep,
  // so that what is proven here is the job's own retry, not the sweep.
  const env = { WORKER_LOCK_DURATION: '2s', WORKER_STALLED_INTERVAL: '1s', SWEEP_INTERVAL: '1h' };

  beforeAll(async () => {
    database = await createTestDatabase(allMigrations);
    config = testConfig(database.databaseUrl, prefix, env);
    dataSource = await createDataSource({ databaseUrl: database.databaseUrl }).initialize();
    ledger = new LedgerService(databaseOf(dataSource));
    payments = new Queue(QUEUES.payments, { connection, prefix });
  });

  afterEach(async () => {
    for (const worker of running.splice(0)) {
      worker.kill('SIGTERM');
      await worker.exited;
    }
    expect((await ledger.check()).violations).toEqual([]);
  });

  afterAll(async () => {
    await payments?.close();
    connection.disconnect();
    await dataSource?.destroy();
    await deleteQueueKeys(REDIS_URL, prefix);
    await database?.drop();
  });

  async function startWorker(extra: Record<string, string> = {}): Promise<RunningProcess> {
    const worker = startProcess('worker', testProcessEnv(config, { ...env, ...extra }));
    running.push(worker);
    await worker.waitForOutput(/Danbao worker running/, 40_000);
    return worker;
  }

  /** Orders the buyer confirmed just now: their releases are due. */
  async function confirmedOrders(count: number, sellerId?: string): Promise<PaidOrder[]> {
    const orders = await makePaidOrders(
      dataSource,
      Array.from({ length: count }, () => ({ sellerId, amount: 10_000, feeBps: 200 })),
    );
    const now = new Date();
    await shipOrders(dataSource, orders, {
      autoConfirmAt: new Date(now.getTime() + 3_600_000),
      confirmedAt: now,
    });
    return orders;
  }

  async function releaseCount(orders: PaidOrder[]): Promise<number> {
    const [row] = await dataSource.query(
      `SELECT COUNT(*) AS n FROM ledger_transactions WHERE kind = 'release'
       AND order_id IN (${orders.map(() => '?').join(',')})`,
      orders.map((order) => order.orderId),
    );
    return Number(row.n);
  }

  async function eventCount(type: string, objectIds: string[]): Promise<number> {
    const [row] = await dataSource.query(
      `SELECT COUNT(*) AS n FROM outbox_events WHERE type = ? AND object_id IN (${objectIds.map(() => '?').join(',')})`,
      [type, ...objectIds],
    );
    return Number(row.n);
  }

  const holdStatus = async (order: PaidOrder): Promise<string> =>
    (await dataSource.query('SELECT status FROM holds WHERE id = ?', [order.holdId]))[0].status;

  const addRelease = (order: PaidOrder, jobId = releaseJobId(order.holdId)) =>
    payments.add(
      ESCROW_JOBS.release,
      { holdId: order.holdId, orderId: order.orderId },
      // Kept when done, so the test can read what the retry did.
      { ...MONEY_JOB_OPTIONS, jobId, removeOnComplete: false },
    );

  it('releases once when each release is enqueued 10 times and two workers race on them', async () => {
    await Promise.all([startWorker(), startWorker()]);
    const orders = await confirmedOrders(20, 'seller_race');

    // The same job 10 times (one job: the id collapses them), and 10 more under other ids that
    // the two workers really run against each other.
    const jobs: Job[] = [];
    for (let round = 0; round < 10; round += 1) {
      for (const order of orders) {
        jobs.push(await addRelease(order), await addRelease(order, `race-${order.holdId}-${round}`));
      }
    }
    expect(new Set(jobs.map((job) => job.id)).size).toBe(20 + 200);

    await waitFor(
      () => payments.getJobCounts('waiting', 'active', 'delayed', 'failed'),
      (counts) => counts.waiting + counts.active + counts.delayed === 0,
    );
    expect((await payments.getJobCounts('failed')).failed).toBe(0);
    expect(await releaseCount(orders)).toBe(20);
    expect(
      await eventCount(
        'hold.released',
        orders.map((order) => order.holdId),
      ),
    ).toBe(20);
    expect(
      await eventCount(
        'order.completed',
        orders.map((order) => order.orderId),
      ),
    ).toBe(20);
    expect(await ledger.balance(Accounts.sellerIncoming('seller_race'), 'CNY')).toBe(20n * 9_800n);
    // Of the 220 jobs, exactly one per hold released it; the others found it released.
    const ids = [...new Set(jobs.map((job) => job.id!))];
    const done = await Promise.all(ids.map(async (id) => (await payments.getJob(id))!));
    const results = done.map((job) => job.returnvalue);
    // Both workers took part.
    expect(new Set(done.map((job) => job.processedBy)).size).toBe(2);
    expect(results.filter((result) => result.status === 'released')).toHaveLength(20);
    expect(results.filter((result) => result.status === 'skipped')).toEqual(
      Array(200).fill({ status: 'skipped', reason: 'already_released' }),
    );
  });

  it('does not release twice when a worker is killed after the commit and the job is retried', async () => {
    const crashing = await startWorker({ DANBAO_TEST_CRASH_POINT: 'after_commit' });
    const [order] = await confirmedOrders(1);
    const job = await addRelease(order);

    expect(await crashing.exited).toBe('SIGKILL');
    // Committed, but BullMQ never heard: the job is still marked active, its lock running out.
    expect(await holdStatus(order)).toBe('released');
    expect(await releaseCount([order])).toBe(1);
    expect(await job.getState()).toBe('active');

    await startWorker();
    const state = await waitFor(
      () => job.getState(),
      (value) => value === 'completed',
    );
    expect(state).toBe('completed');
    const retried = (await payments.getJob(job.id!))!;
    expect(retried.returnvalue).toEqual({ status: 'skipped', reason: 'already_released' });
    expect(await releaseCount([order])).toBe(1);
    expect(await eventCount('hold.released', [order.holdId])).toBe(1);
    expect(await ledger.balance(Accounts.sellerIncoming(order.sellerId), 'CNY')).toBe(9_800n);
  });

  it('releases on retry when a worker is killed before the commit', async () => {
    const crashing = await startWorker({ DANBAO_TEST_CRASH_POINT: 'before_commit' });
    const [order] = await confirmedOrders(1);
    const job = await addRelease(order);

    expect(await crashing.exited).toBe('SIGKILL');
    // The transaction died with its connection: nothing of it is left.
    expect(await holdStatus(order)).toBe('held');
    expect(await releaseCount([order])).toBe(0);
    expect(await eventCount('hold.released', [order.holdId])).toBe(0);

    await startWorker();
    expect(
      await waitFor(
        () => job.getState(),
        (value) => value === 'completed',
      ),
    ).toBe('completed');
    expect((await payments.getJob(job.id!))!.returnvalue).toMatchObject({ status: 'released' });
    expect(await holdStatus(order)).toBe('released');
    expect(await releaseCount([order])).toBe(1);
    expect(await ledger.balance(Accounts.sellerIncoming(order.sellerId), 'CNY')).toBe(9_800n);
  });
});

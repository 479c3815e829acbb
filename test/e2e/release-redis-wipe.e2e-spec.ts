// Proves T01: Redis losing the queue state loses no money event. Instead of a real FLUSHALL this
// test deletes only its own queue prefix's keys (deleteQueueKeys), since other test files share
// the Redis server; for this test's queues the effect is the same (every job, delayed deadline and
// job scheduler gone). Real: the api in-process (AppModule), two worker processes, MariaDB, Redis.
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Queue } from 'bullmq';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ESCROW_JOBS } from '@danbao/escrow';
import { Accounts, LedgerService } from '@danbao/ledger';
import { createRedis, QUEUES, TokenService } from '@danbao/platform';
import { allMigrations } from '@danbao/schema';
import {
  createTestApp,
  createTestDatabase,
  deleteQueueKeys,
  makePaidOrders,
  REDIS_URL,
  RunningProcess,
  startProcess,
  TestDatabase,
  testConfig,
  testProcessEnv,
  testQueuePrefix,
  waitFor,
} from '@danbao/testing';
import { AppModule } from '../../apps/api/src/app.module';

const ORDERS = 500;

describe('Redis loses the queue state with 500 receipt deadlines pending', () => {
  let database: TestDatabase;
  let app: NestFastifyApplication;
  let dataSource: DataSource;
  let ledger: LedgerService;
  const workers: RunningProcess[] = [];
  const connection = createRedis(REDIS_URL);
  const prefix = testQueuePrefix();
  // Deadlines in seconds, a sweep every second.
  // The wipe must come before the deadline: 35 s leaves the 500 shipments time to finish on a
  // loaded 2-core machine (at 20 s some deadlines fired before the wipe and the test failed).
  const env = { AUTO_CONFIRM_PICKUP: '35s', SWEEP_INTERVAL: '1s', WORKER_LOCK_DURATION: '5s' };

  beforeAll(async () => {
    database = await createTestDatabase(allMigrations);
    const config = testConfig(database.databaseUrl, prefix, env);
    app = await createTestApp(AppModule.forRoot(config));
    dataSource = app.get(DataSource);
    ledger = app.get(LedgerService);
    workers.push(
      startProcess('worker', testProcessEnv(config, env)),
      startProcess('worker', testProcessEnv(config, env)),
    );
    await Promise.all(workers.map((worker) => worker.waitForOutput(/Danbao worker running/, 40_000)));
  });

  afterAll(async () => {
    for (const worker of workers) worker.kill('SIGTERM');
    await Promise.all(workers.map((worker) => worker.exited));
    connection.disconnect();
    await app?.close();
    await deleteQueueKeys(REDIS_URL, prefix);
    await database?.drop();
  });

  const count = async (sql: string, params: unknown[] = []): Promise<number> =>
    Number((await dataSource.query(sql, params))[0].n);

  it('releases every order exactly once after the deadline, rebuilt from MySQL by the sweep', async () => {
    const orders = await makePaidOrders(
      dataSource,
      Array.from({ length: ORDERS }, (_, index) => ({
        sellerId: `seller_${index % 25}`,
        amount: 1000 + index,
      })),
    );
    const tokens = app.get(TokenService);
    const sellerTokens = new Map<string, string>();
    const tokenOf = (sellerId: string) => {
      if (!sellerTokens.has(sellerId)) sellerTokens.set(sellerId, tokens.mint('seller', sellerId, 600).token);
      return sellerTokens.get(sellerId)!;
    };
    const http = request(app.getHttpServer());
    for (let start = 0; start < ORDERS; start += 50) {
      await Promise.all(
        orders.slice(start, start + 50).map((order) =>
          http
            .post(`/v1/orders/${order.orderId}/shipments`)
            .set('Authorization', `Bearer ${tokenOf(order.sellerId)}`)
            .send({ method: 'pickup' })
            .expect(200),
        ),
      );
    }
    const payments = new Queue(QUEUES.payments, { connection, prefix });
    const system = new Queue(QUEUES.system, { connection, prefix });
    const deadlineJobs = (await payments.getDelayed()).filter(
      (job) => job.name === ESCROW_JOBS.receiptDeadline,
    );
    expect(deadlineJobs).toHaveLength(ORDERS);
    expect(await system.getJobSchedulers()).not.toHaveLength(0);
    expect(await count("SELECT COUNT(*) AS n FROM holds WHERE status = 'held'")).toBe(ORDERS);

    // The fault: every key of this test's queues, gone.
    await deleteQueueKeys(REDIS_URL, prefix);
    expect(await payments.getDelayedCount()).toBe(0);
    expect(await system.getJobSchedulers()).toHaveLength(0);

    // The workers stay up; the schedulers come back, and after the deadline the sweep queues
    // every due release again.
    const released = await waitFor(
      () => count("SELECT COUNT(*) AS n FROM holds WHERE status = 'released'"),
      (n) => n === ORDERS,
      60_000,
    );
    expect(released).toBe(ORDERS);
    expect(workers.every((worker) => worker.child.exitCode === null)).toBe(true);
    expect(await system.getJobSchedulers()).not.toHaveLength(0);

    // Exactly once: one release transaction and one hold.released event per hold, and the books
    // agree to the minor unit.
    expect(await count("SELECT COUNT(*) AS n FROM ledger_transactions WHERE kind = 'release'")).toBe(ORDERS);
    expect(
      await count("SELECT COUNT(DISTINCT object_id) AS n FROM outbox_events WHERE type = 'hold.released'"),
    ).toBe(ORDERS);
    expect(await count("SELECT COUNT(*) AS n FROM outbox_events WHERE type = 'hold.released'")).toBe(ORDERS);
    expect(await count("SELECT COUNT(*) AS n FROM orders WHERE status = 'completed'")).toBe(ORDERS);
    const gross = orders.reduce((sum, order) => sum + order.amount, 0n);
    const sellers = await ledger.balances('seller:');
    const fees = await ledger.balance(Accounts.platformFees(), 'CNY');
    expect(sellers.reduce((sum, balance) => sum + balance.balance, 0n) + fees).toBe(gross);
    const report = await ledger.check();
    expect(report.violations).toEqual([]);
    expect(report.balanced).toBe(true);

    // The events survive too: the ones whose delivery jobs were wiped are queued again.
    const undelivered = await waitFor(
      () => count('SELECT COUNT(*) AS n FROM outbox_events WHERE dispatched_at IS NULL'),
      (n) => n === 0,
      20_000,
    );
    expect(undelivered).toBe(0);
    await payments.close();
    await system.close();
  }, 150_000);
});

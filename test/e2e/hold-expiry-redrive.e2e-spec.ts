// Proves that a money job which used up its attempts is re-driven by the sweep from MySQL's truth
// (issue 11, item 5): a hold-expiry job fails eight times (as in about four minutes of database
// outage), stays in the failed list under its fixed id, and the sweep still gets the hold refunded
// exactly once, through the channel. Real: a worker process, the api (listening, so the sandbox's
// refund.succeeded reaches it and the money leaves escrow), MariaDB, Redis. The fault: the worker's hold-expiry
// handler throws its first eight times (DANBAO_TEST_FAIL_HOLD_EXPIRY, NODE_ENV=test only), so the
// eight failures are all of the one job's attempts. The test promotes the
// job's backoff delays (1 s, 2 s, … 64 s) instead of waiting them out.
import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { holdExpiryJobId } from '@danbao/escrow';
import { Accounts, LedgerService } from '@danbao/ledger';
import { createDataSource, createRedis, databaseOf, QUEUES } from '@danbao/platform';
import { makePaidOrders, REDIS_URL, RunningProcess, Stack, startStack, waitFor } from '@danbao/testing';
import { AppModule } from '../../apps/api/src/app.module';

const ATTEMPTS = 8;

describe('a hold-expiry job that failed all its attempts', () => {
  let stack: Stack;
  let dataSource: DataSource;
  let ledger: LedgerService;
  let worker: RunningProcess;
  let prefix: string;
  const connection = createRedis(REDIS_URL);

  beforeAll(async () => {
    stack = await startStack(AppModule.forRoot, {
      overrides: { SWEEP_INTERVAL: '1s', WORKER_LOCK_DURATION: '5s' },
      listen: true,
      worker: { DANBAO_TEST_FAIL_HOLD_EXPIRY: String(ATTEMPTS) },
    });
    worker = stack.worker!;
    prefix = stack.prefix;
    dataSource = await createDataSource({
      databaseUrl: stack.database.databaseUrl,
      poolSize: 4,
    }).initialize();
    ledger = new LedgerService(databaseOf(dataSource));
  });

  afterEach(async () => {
    const report = await ledger.check();
    expect(report.violations).toEqual([]);
    expect(report.balanced).toBe(true);
  });

  afterAll(async () => {
    connection.disconnect();
    await dataSource?.destroy();
    await stack?.stop();
  });

  const count = async (sql: string, params: unknown[] = []): Promise<number> =>
    Number((await dataSource.query(sql, params))[0].n);

  it('is re-driven by the sweep once the fault is gone: the hold is refunded exactly once', async () => {
    // A paid, never-shipped order whose hold reached MAX_HOLD a moment ago.
    const [order] = await makePaidOrders(dataSource, [{ amount: 4321 }], {
      now: new Date(Date.now() - 2000),
      maxHoldMs: 1000,
      withPayment: true,
    });
    const channelBefore = await ledger.balance(Accounts.channel('sandbox'), 'CNY');
    const payments = new Queue(QUEUES.payments, { connection, prefix });
    const system = new Queue(QUEUES.system, { connection, prefix });
    const jobId = holdExpiryJobId(order.holdId);

    // The sweep queues the expiry; every attempt fails; the test skips the backoff delays.
    const failedForGood = await waitFor(
      async () => {
        const job = await payments.getJob(jobId);
        const state = job ? await job.getState() : 'missing';
        if (state === 'delayed') await job!.promote().catch(() => undefined);
        return state === 'failed' && job!.attemptsMade >= ATTEMPTS;
      },
      (done) => done,
      60_000,
    );
    expect(failedForGood).toBe(true);
    expect(worker.output()).toMatch(/failing on purpose \(8 of 8\)/);
    expect(
      await count('SELECT COUNT(*) AS n FROM holds WHERE id = ? AND status = ?', [order.holdId, 'held']),
    ).toBe(1);

    // The fault is gone (the handler fails only eight times); the sweep must re-drive the job,
    // after the cool-down a job that failed for a reason of its own waits in the failed list
    // (ten sweeps, at least a minute).
    const status = await waitFor(
      async () => (await dataSource.query('SELECT status FROM holds WHERE id = ?', [order.holdId]))[0].status,
      (value) => value === 'refunded',
      90_000,
    );
    expect(status).toBe('refunded');
    // The refund went through the channel; the money leaves escrow when the channel confirms.
    const escrow = await waitFor(
      () => ledger.balance(Accounts.escrow(order.orderId), 'CNY'),
      (balance) => balance === 0n,
      30_000,
    );
    expect(escrow).toBe(0n);
    expect(
      await count(
        "SELECT COUNT(*) AS n FROM sandbox_charges WHERE kind = 'refund' AND payment_reference = ?",
        [order.paymentId],
      ),
    ).toBe(1);
    expect(await ledger.balance(Accounts.channel('sandbox'), 'CNY')).toBe(channelBefore + 4321n);
    expect(
      await count("SELECT COUNT(*) AS n FROM ledger_transactions WHERE order_id = ? AND kind = 'refund'", [
        order.orderId,
      ]),
    ).toBe(1);
    expect(
      await count("SELECT COUNT(*) AS n FROM outbox_events WHERE type = 'hold.refunded' AND object_id = ?", [
        order.holdId,
      ]),
    ).toBe(1);
    expect(
      await count("SELECT COUNT(*) AS n FROM orders WHERE id = ? AND status = 'refunded'", [order.orderId]),
    ).toBe(1);

    // The sweep counted the re-drive in its report.
    const sweeps = await system.getCompleted(0, 200);
    const redriven = sweeps.reduce(
      (sum, job) =>
        sum + Number((job.returnvalue as { expiriesRedriven?: number } | null)?.expiriesRedriven ?? 0),
      0,
    );
    expect(redriven).toBeGreaterThanOrEqual(1);

    // Later sweeps change nothing: still one refund.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(
      await count("SELECT COUNT(*) AS n FROM ledger_transactions WHERE order_id = ? AND kind = 'refund'", [
        order.orderId,
      ]),
    ).toBe(1);
    await payments.close();
    await system.close();
  }, 200_000);
});

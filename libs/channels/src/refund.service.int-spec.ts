// Refunds from suspense against the real MariaDB and Redis: RefundService with the real ledger and
// the sandbox channel (which queues its answers; the test applies them as the intake would).
// Proves the books check stays clean through a refund the channel refused and an admin's retry.
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Accounts, LedgerService } from '@danbao/ledger';
import { AppConfig, createDataSource, databaseOf, QueueRegistry, runInTransaction } from '@danbao/platform';
import {
  allMigrations,
  createTestDatabase,
  deleteQueueKeys,
  escrowServices,
  makePaidOrder,
  REDIS_URL,
  TestDatabase,
  testConfig,
  testQueuePrefix,
} from '@danbao/testing';
import { RefundService } from './refund.service';

describe('RefundService (suspense)', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let config: AppConfig;
  let queues: QueueRegistry;
  let ledger: LedgerService;
  let sut: RefundService;
  const prefix = testQueuePrefix();

  beforeAll(async () => {
    Logger.overrideLogger(false);
    database = await createTestDatabase(allMigrations);
    config = testConfig(database.databaseUrl, prefix);
    dataSource = await createDataSource({ databaseUrl: database.databaseUrl }).initialize();
    queues = new QueueRegistry(config);
    ({ ledger, refunds: sut } = escrowServices(databaseOf(dataSource), config, queues));
  });

  afterAll(async () => {
    await queues?.onApplicationShutdown();
    await dataSource?.destroy();
    await deleteQueueKeys(REDIS_URL, prefix);
    await database?.drop();
  });

  const check = async () => (await ledger.check(undefined, [sut.suspenseReconciler])).violations;

  it('keeps suspense reconciled through a refused refund and its retry', async () => {
    // A captured payment (the factory's, with the sandbox's record of it) that no order can take.
    const paid = await makePaidOrder(dataSource, { amount: 700 }, { withPayment: true });
    const payment = { id: paid.paymentId, channel: 'sandbox', amount: 700n, currency: 'CNY' };
    const refund = await runInTransaction(databaseOf(dataSource), (tx) =>
      sut.holdInSuspense(tx, payment, 'refund_required', new Date()),
    );
    expect(await check()).toEqual([]);
    const answer = (refundId: string, succeeded: boolean) =>
      runInTransaction(databaseOf(dataSource), (tx) =>
        sut.applyResult(tx, refundId, { succeeded, amount: 700n, currency: 'CNY', channelReference: 're_x' }),
      );

    expect((await answer(refund.id, false)).outcome).toBe('applied');
    expect(await ledger.balance(Accounts.suspense(paid.paymentId), 'CNY')).toBe(700n);
    expect(await check()).toEqual([]);

    const retry = await sut.retry(refund.id, { type: 'operator', name: 'cli' });
    expect(retry).toMatchObject({ status: 'requested', retryOf: refund.id, amount: 700n });
    // The failed refund and its retry owe the buyer once, not twice.
    expect(await check()).toEqual([]);
    expect(await sut.retry(refund.id, { type: 'operator', name: 'cli' })).toBe('refund_already_retried');

    expect((await answer((retry as { id: string }).id, true)).outcome).toBe('applied');
    expect(await ledger.balance(Accounts.suspense(paid.paymentId), 'CNY')).toBe(0n);
    expect(await check()).toEqual([]);
  });
});

// The horizon of holds (MAX_HOLD) against the real MariaDB and Redis: HoldExpiryService with the
// real orders, ledger, outbox, the sandbox channel and refunds; holds made by the paid-order factory
// with short horizons. No worker: the sweep's jobs call expire() the same way, and the sandbox's
// refund answer is applied here as the notification intake applies it.
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RefundService } from '@danbao/channels';
import { Accounts, LedgerService } from '@danbao/ledger';
import { AppConfig, createDataSource, databaseOf, QueueRegistry, runInTransaction } from '@danbao/platform';
import {
  allMigrations,
  createTestDatabase,
  deleteQueueKeys,
  escrowServices,
  REDIS_URL,
  makePaidOrder,
  PaidOrder,
  shipOrders,
  TestDatabase,
  testConfig,
  testQueuePrefix,
} from '@danbao/testing';
import { EscrowService } from './escrow.service';
import { HoldExpiryService } from './hold-expiry.service';
import { HoldResolutionService } from './hold-resolution.service';

const DAY_MS = 86_400_000;

describe('HoldExpiryService (MAX_HOLD)', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let config: AppConfig;
  let ledger: LedgerService;
  let refunds: RefundService;
  let resolution: HoldResolutionService;
  let queues: QueueRegistry;
  let sut: HoldExpiryService;
  const prefix = testQueuePrefix();

  beforeAll(async () => {
    Logger.overrideLogger(false);
    database = await createTestDatabase(allMigrations);
    config = testConfig(database.databaseUrl, prefix, {
      MAX_HOLD: '90d',
      HOLD_EXPIRY_NOTICE: '5d',
    });
    dataSource = await createDataSource({ databaseUrl: database.databaseUrl }).initialize();
    queues = new QueueRegistry(config);
    ({ ledger, refunds, resolution, expiry: sut } = escrowServices(databaseOf(dataSource), config, queues));
  });

  afterAll(async () => {
    await queues?.onApplicationShutdown();
    await dataSource?.destroy();
    await deleteQueueKeys(REDIS_URL, prefix);
    await database?.drop();
  });

  afterEach(async () => {
    expect((await ledger.check(undefined, [refunds.suspenseReconciler])).violations).toEqual([]);
  });

  const ref = (order: PaidOrder) => ({ holdId: order.holdId, orderId: order.orderId });
  const row = async (order: PaidOrder) =>
    (
      await dataSource.query(
        'SELECT h.status, h.refunded, h.overdue_at, h.expiry_notified_at, o.status AS order_status FROM holds h JOIN orders o ON o.id = h.order_id WHERE h.id = ?',
        [order.holdId],
      )
    )[0] as {
      status: string;
      refunded: string;
      overdue_at: Date | null;
      expiry_notified_at: Date | null;
      order_status: string;
    };
  const events = async (type: string, objectId: string): Promise<unknown[]> =>
    (
      await dataSource.query('SELECT payload FROM outbox_events WHERE type = ? AND object_id = ?', [
        type,
        objectId,
      ])
    ).map((event: { payload: string }) => JSON.parse(event.payload).data.object);

  it('emits hold.expiring once, HOLD_EXPIRY_NOTICE before MAX_HOLD, and at once when MAX_HOLD is shorter', async () => {
    const early = await makePaidOrder(dataSource, {}, { maxHoldMs: 90 * DAY_MS });
    const within = await makePaidOrder(dataSource, {}, { maxHoldMs: 4 * DAY_MS });
    const short = await makePaidOrder(dataSource, {}, { maxHoldMs: 60_000 });

    expect(await sut.notifyExpiring()).toBe(2);
    expect(await sut.notifyExpiring()).toBe(0);

    expect(await events('hold.expiring', early.holdId)).toEqual([]);
    expect(await events('hold.expiring', within.holdId)).toEqual([
      {
        id: within.holdId,
        order_id: within.orderId,
        amount: 10_000,
        fee: 0,
        net: 0,
        refunded: 0,
        currency: 'CNY',
        status: 'held',
      },
    ]);
    expect(await events('hold.expiring', short.holdId)).toHaveLength(1);
    // 85 days on, the 90-day hold is within its notice.
    expect(await sut.notifyExpiring(new Date(Date.now() + 85 * DAY_MS + 60_000))).toBe(1);
    expect(await events('hold.expiring', early.holdId)).toHaveLength(1);
  });

  it('refunds a never-shipped, undisputed order at MAX_HOLD through the channel: escrow leaves when it confirms', async () => {
    const order = await makePaidOrder(dataSource, { amount: 4321 }, { maxHoldMs: 1, withPayment: true });
    const channelBefore = await ledger.balance(Accounts.channel('sandbox'), 'CNY');

    expect(await sut.findExpired()).toContainEqual(ref(order));
    expect(await sut.expire(ref(order))).toBe('refunded');
    expect(await sut.expire(ref(order))).toBe('none');

    // Decided and asked of the channel: nothing has left escrow yet.
    expect(await row(order)).toMatchObject({ status: 'refunded', refunded: '0', order_status: 'refunded' });
    expect(await ledger.balance(Accounts.escrow(order.orderId), 'CNY')).toBe(4321n);
    const [refund] = await refunds.forOrder(order.orderId);
    expect(refund).toMatchObject({
      status: 'requested',
      amount: 4321n,
      source: 'escrow',
      reason: 'max_hold',
    });
    expect(refund.sentAt).not.toBeNull();
    const [asked] = await dataSource.query(
      "SELECT amount, result FROM sandbox_charges WHERE kind = 'refund' AND reference = ?",
      [refund.id],
    );
    expect(asked).toEqual({ amount: '4321', result: 'succeeded' });

    // The channel's refund.succeeded, applied as the notification intake applies it.
    await runInTransaction(databaseOf(dataSource), async (tx) => {
      const applied = await refunds.applyResult(tx, refund.id, {
        succeeded: true,
        amount: 4321n,
        currency: 'CNY',
        channelReference: 're_test',
      });
      expect(applied.outcome).toBe('applied');
      await resolution.refundConfirmed(tx, applied.refund!);
    });
    expect(await row(order)).toMatchObject({
      status: 'refunded',
      refunded: '4321',
      order_status: 'refunded',
    });
    expect(await ledger.balance(Accounts.escrow(order.orderId), 'CNY')).toBe(0n);
    expect((await ledger.balance(Accounts.channel('sandbox'), 'CNY')) - channelBefore).toBe(4321n);
    expect(await events('hold.refunded', order.holdId)).toEqual([
      expect.objectContaining({ id: order.holdId, refunded: 4321, status: 'refunded' }),
    ]);
    expect(await sut.findExpired()).not.toContainEqual(ref(order));
  });

  it('flags a shipped or disputed hold for admins instead, once, and moves no money', async () => {
    const shipped = await makePaidOrder(dataSource, {}, { maxHoldMs: 1 });
    await shipOrders(dataSource, [shipped], { autoConfirmAt: new Date(Date.now() + DAY_MS) });
    const disputed = await makePaidOrder(dataSource, {}, { maxHoldMs: 1 });
    await dataSource.query("UPDATE holds SET status = 'frozen' WHERE id = ?", [disputed.holdId]);
    const notYet = await makePaidOrder(dataSource, {}, { maxHoldMs: DAY_MS });

    expect(await sut.expire(ref(shipped))).toBe('flagged');
    expect(await sut.expire(ref(disputed))).toBe('flagged');
    expect(await sut.expire(ref(shipped))).toBe('none');
    expect(await sut.expire(ref(notYet))).toBe('none');

    expect(await row(shipped)).toMatchObject({
      status: 'held',
      order_status: 'shipped',
      overdue_at: expect.any(Date),
    });
    expect(await row(disputed)).toMatchObject({ status: 'frozen', overdue_at: expect.any(Date) });
    expect(await row(notYet)).toMatchObject({ status: 'held', overdue_at: null });
    expect(await ledger.balance(Accounts.escrow(shipped.orderId), 'CNY')).toBe(10_000n);
    const overdue = await new EscrowService(databaseOf(dataSource), config, ledger).listOverdue(100);
    expect(overdue.data.map((hold) => hold.id)).toEqual(
      expect.arrayContaining([shipped.holdId, disputed.holdId]),
    );
    expect(overdue.data.map((hold) => hold.id)).not.toContain(notYet.holdId);
    expect(await sut.findExpired()).not.toContainEqual(ref(shipped));
  });
});

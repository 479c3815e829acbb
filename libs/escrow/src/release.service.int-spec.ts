// Batched releases against the real MariaDB: ReleaseService with the real OrdersService,
// LedgerService and OutboxService (no Nest, no queue); orders come from the paid-order factory.
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Accounts, LedgerService, ledgerMigrations } from '@danbao/ledger';
import { notificationsMigrations, OutboxService } from '@danbao/notifications';
import { OrderEvents, OrdersService, ordersMigrations } from '@danbao/orders';
import {
  AppConfig,
  createDataSource,
  platformMigrations,
  databaseOf,
  runInTransaction,
} from '@danbao/platform';
import {
  createTestDatabase,
  makePaidOrders,
  PaidOrder,
  shipOrders,
  TestDatabase,
  testConfig,
  testQueuePrefix,
} from '@danbao/testing';
import { escrowMigrations } from './migrations';
import { ReleaseService } from './release.service';

/** The tables a release touches; a lib's test may not import the app's schema list. */
const escrowTestMigrations = [
  ...platformMigrations,
  ...ledgerMigrations,
  ...ordersMigrations,
  ...notificationsMigrations,
  ...escrowMigrations,
];

describe('ReleaseService (batched releases)', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let config: AppConfig;
  let ledger: LedgerService;
  let sut: ReleaseService;

  beforeAll(async () => {
    // The batch fallback logs a warning by design; the test asserts on outcomes instead.
    Logger.overrideLogger(false);
    database = await createTestDatabase(escrowTestMigrations);
    config = testConfig(database.databaseUrl, testQueuePrefix());
    dataSource = await createDataSource({ databaseUrl: database.databaseUrl }).initialize();
    ledger = new LedgerService(databaseOf(dataSource));
    const outbox = new OutboxService();
    sut = new ReleaseService(
      databaseOf(dataSource),
      new OrdersService(databaseOf(dataSource)),
      new OrderEvents(config, outbox),
      ledger,
      outbox,
    );
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  const past = () => new Date(Date.now() - 1000);
  const refs = (orders: PaidOrder[]) =>
    orders.map((order) => ({ holdId: order.holdId, orderId: order.orderId }));

  async function shippedDue(count: number, input: Parameters<typeof makePaidOrders>[1][number] = {}) {
    const orders = await makePaidOrders(
      dataSource,
      Array.from({ length: count }, () => input),
    );
    await shipOrders(dataSource, orders, { autoConfirmAt: past() });
    return orders;
  }

  async function holdRow(holdId: string) {
    const [row] = await dataSource.query(
      'SELECT status, fee, released, resolved_at FROM holds WHERE id = ?',
      [holdId],
    );
    return row as { status: string; fee: string; released: string; resolved_at: Date | null };
  }

  async function releaseTransactions(orderIds: string[]): Promise<number> {
    const [row] = await dataSource.query(
      `SELECT COUNT(*) AS n FROM ledger_transactions WHERE kind = 'release' AND order_id IN (${orderIds.map(() => '?').join(',')})`,
      orderIds,
    );
    return Number(row.n);
  }

  async function events(objectIds: string[]): Promise<string[]> {
    const rows: { type: string }[] = await dataSource.query(
      `SELECT type FROM outbox_events WHERE object_id IN (${objectIds.map(() => '?').join(',')}) ORDER BY type`,
      objectIds,
    );
    return rows.map((row) => row.type);
  }

  it('releases a batch in one transaction: seller net, platform fee, hold, order and events', async () => {
    const orders = await shippedDue(20, { sellerId: 'seller_batch', amount: 12_345, feeBps: 250 });
    const feesBefore = await ledger.balance(Accounts.platformFees(), 'CNY');

    const outcomes = await sut.releaseBatch(refs(orders));

    // 12,345 × 2.5 % = 308.625 → 309 (half-up); the seller gets the rest.
    expect([...outcomes.values()]).toEqual(
      Array(20).fill({
        status: 'released',
        fee: 309n,
        net: 12_036n,
        sellerId: 'seller_batch',
        currency: 'CNY',
      }),
    );
    expect(await ledger.balance(Accounts.sellerIncoming('seller_batch'), 'CNY')).toBe(20n * 12_036n);
    expect((await ledger.balance(Accounts.platformFees(), 'CNY')) - feesBefore).toBe(20n * 309n);
    for (const order of orders) {
      expect(await ledger.balance(Accounts.escrow(order.orderId), 'CNY')).toBe(0n);
      expect(await holdRow(order.holdId)).toMatchObject({
        status: 'released',
        fee: '309',
        released: '12036',
      });
    }
    const statuses: { status: string }[] = await dataSource.query(
      `SELECT DISTINCT status FROM orders WHERE id IN (${orders.map(() => '?').join(',')})`,
      orders.map((order) => order.orderId),
    );
    expect(statuses).toEqual([{ status: 'completed' }]);
    expect(await releaseTransactions(orders.map((order) => order.orderId))).toBe(20);
    expect(await events([orders[0].holdId, orders[0].orderId])).toEqual(['hold.released', 'order.completed']);
    const [payload] = await dataSource.query('SELECT payload FROM outbox_events WHERE object_id = ?', [
      orders[0].holdId,
    ]);
    expect(JSON.parse(payload.payload).data.object).toEqual({
      id: orders[0].holdId,
      order_id: orders[0].orderId,
      amount: 12_345,
      fee: 309,
      net: 12_036,
      refunded: 0,
      currency: 'CNY',
      status: 'released',
    });
    expect((await ledger.check()).balanced).toBe(true);
  });

  it('guards each member on its own: released, frozen, not yet due and unknown holds are no-ops', async () => {
    const [released, frozen, notDue, fresh, other] = await makePaidOrders(dataSource, [{}, {}, {}, {}, {}]);
    await shipOrders(dataSource, [released, frozen, fresh, other], { autoConfirmAt: past() });
    await shipOrders(dataSource, [notDue], { autoConfirmAt: new Date(Date.now() + 3_600_000) });
    await sut.releaseBatch(refs([released]));
    await dataSource.query("UPDATE holds SET status = 'frozen' WHERE id = ?", [frozen.holdId]);
    const balanceBefore = await ledger.balance(Accounts.sellerIncoming(released.sellerId), 'CNY');

    const outcomes = await sut.releaseBatch([
      ...refs([released, frozen, notDue, fresh]),
      { holdId: 'hold_00000000000000000000000000', orderId: fresh.orderId },
      // A job naming a hold of another order releases nothing.
      { holdId: other.holdId, orderId: fresh.orderId },
    ]);

    expect(Object.fromEntries(outcomes)).toEqual({
      [released.holdId]: { status: 'skipped', reason: 'already_released' },
      [frozen.holdId]: { status: 'skipped', reason: 'frozen' },
      [notDue.holdId]: { status: 'skipped', reason: 'not_due' },
      [fresh.holdId]: {
        status: 'released',
        fee: 200n,
        net: 9800n,
        sellerId: fresh.sellerId,
        currency: 'CNY',
      },
      hold_00000000000000000000000000: { status: 'skipped', reason: 'missing' },
      [other.holdId]: { status: 'skipped', reason: 'missing' },
    });
    expect(await ledger.balance(Accounts.sellerIncoming(released.sellerId), 'CNY')).toBe(balanceBefore);
    expect(await releaseTransactions([released, frozen, notDue, fresh].map((order) => order.orderId))).toBe(
      2,
    );
    expect((await holdRow(frozen.holdId)).status).toBe('frozen');
    expect((await holdRow(notDue.holdId)).status).toBe('held');
    expect((await holdRow(other.holdId)).status).toBe('held');
  });

  it('retries the members one by one when the batch fails, so one bad hold blocks no other', async () => {
    const [good1, bad, good2] = await shippedDue(3);
    // The bad hold's escrow account was emptied behind its back: its release cannot post.
    await runInTransaction(databaseOf(dataSource), (tx) =>
      ledger.post(tx, {
        reference: `test:drain:${bad.orderId}`,
        kind: 'adjustment',
        postings: [
          { account: Accounts.escrow(bad.orderId), currency: 'CNY', amount: -bad.amount },
          { account: Accounts.channel('sandbox'), currency: 'CNY', amount: bad.amount },
        ],
      }),
    );

    const outcomes = await sut.releaseBatch(refs([good1, bad, good2]));

    expect(outcomes.get(good1.holdId)?.status).toBe('released');
    expect(outcomes.get(good2.holdId)?.status).toBe('released');
    expect(outcomes.get(bad.holdId)).toMatchObject({ status: 'failed' });
    expect((await holdRow(bad.holdId)).status).toBe('held');
    expect(await releaseTransactions([bad.orderId])).toBe(0);
    expect((await ledger.check()).balanced).toBe(true);
  });

  it('leaves out the zero legs: no fee at 0 bps, no seller credit at 10,000 bps', async () => {
    const [free] = await shippedDue(1, { feeBps: 0, amount: 999 });
    const [all] = await shippedDue(1, { feeBps: 10_000, amount: 999 });
    const outcomes = await sut.releaseBatch(refs([free, all]));
    expect(outcomes.get(free.holdId)).toMatchObject({ status: 'released', fee: 0n, net: 999n });
    expect(outcomes.get(all.holdId)).toMatchObject({ status: 'released', fee: 999n, net: 0n });
    const legs = async (order: PaidOrder) =>
      (await ledger.findTransaction(`release:${order.holdId}`))!.entries.map((entry) => entry.account).sort();
    expect(await legs(free)).toEqual(
      [Accounts.escrow(free.orderId), Accounts.sellerIncoming(free.sellerId)].sort(),
    );
    expect(await legs(all)).toEqual([Accounts.escrow(all.orderId), Accounts.platformFees()].sort());
  });

  it('releases each hold once when overlapping batches race (all of one seller)', async () => {
    const orders = await shippedDue(40, { sellerId: 'seller_race', amount: 1000 });
    const shuffled = [...orders].sort(() => Math.random() - 0.5);
    const batches = [orders.slice(0, 25), orders.slice(15), shuffled.slice(0, 20), shuffled.slice(20)];

    const results = await Promise.all(batches.map((batch) => sut.releaseBatch(refs(batch))));

    const released = results
      .flatMap((map) => [...map.values()])
      .filter((outcome) => outcome.status === 'released');
    expect(released).toHaveLength(40);
    expect(
      results.flatMap((map) => [...map.values()]).filter((outcome) => outcome.status === 'failed'),
    ).toEqual([]);
    expect(await ledger.balance(Accounts.sellerIncoming('seller_race'), 'CNY')).toBe(40n * 980n);
    expect(await releaseTransactions(orders.map((order) => order.orderId))).toBe(40);
    expect((await ledger.check()).balanced).toBe(true);
  });
});

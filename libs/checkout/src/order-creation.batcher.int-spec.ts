// Order creation in batches against the real MariaDB and Redis: OrderCreationBatcher with the real
// OrdersService and QueueRegistry (BullMQ), no fakes. A batch commits all its orders in one
// transaction; when that transaction fails, each member is created alone, so a bad order fails
// only itself, and no order is created twice.
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { OrdersService, ordersMigrations } from '@danbao/orders';
import {
  AppConfig,
  createDataSource,
  newId,
  newSecretToken,
  platformMigrations,
  QUEUES,
  QueueRegistry,
  databaseOf,
} from '@danbao/platform';
import {
  createTestDatabase,
  deleteQueueKeys,
  REDIS_URL,
  TestDatabase,
  testConfig,
  testQueuePrefix,
} from '@danbao/testing';
import { checkoutMigrations } from './migrations';
import { OrderCreation, OrderCreationBatcher } from './order-creation.batcher';
import { EXPIRE_SESSION_JOB, expiryJobId } from './session-expiry';

const EXPIRES_AFTER_MS = 30 * 60_000;

describe('OrderCreationBatcher', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let config: AppConfig;
  let queues: QueueRegistry;
  let sut: OrderCreationBatcher;
  const prefix = testQueuePrefix();

  beforeAll(async () => {
    Logger.overrideLogger(false);
    database = await createTestDatabase([...platformMigrations, ...ordersMigrations, ...checkoutMigrations]);
    config = testConfig(database.databaseUrl, prefix);
    dataSource = await createDataSource({ databaseUrl: database.databaseUrl }).initialize();
    queues = new QueueRegistry(config);
    sut = new OrderCreationBatcher(databaseOf(dataSource), new OrdersService(databaseOf(dataSource)), queues);
  });

  afterAll(async () => {
    await queues?.onApplicationShutdown();
    await dataSource?.destroy();
    await deleteQueueKeys(REDIS_URL, prefix);
    await database?.drop();
  });

  /** One order with its own session, as CheckoutService.createOrder makes them. */
  function creation(overrides: { id?: string; description?: string; buyerId?: string } = {}): OrderCreation {
    const now = new Date();
    const orderId = overrides.id ?? newId('ord');
    const buyerId = overrides.buyerId ?? `buyer_${newId('b').slice(-8)}`;
    const session = {
      id: newSecretToken('cs'),
      kind: 'order' as const,
      buyerId,
      amount: 1500n,
      currency: 'CNY',
      status: 'open' as const,
      returnUrl: null,
      paymentId: null,
      expiresAt: new Date(now.getTime() + EXPIRES_AFTER_MS),
      paidAt: null,
      createdAt: now,
      orderIds: [orderId],
    };
    return {
      order: {
        id: orderId,
        buyerId,
        sellerId: 'seller_batch',
        amount: 1500n,
        currency: 'CNY',
        description: overrides.description ?? 'A kettle',
        feeBps: 200,
        autoConfirmDays: null,
        returnUrl: null,
        metadata: { n: orderId },
        checkoutSessionId: session.id,
        createdAt: now,
      },
      session,
    };
  }

  const ordersOf = async (creations: OrderCreation[]) =>
    (await dataSource.query(
      `SELECT id, buyer_id, description, checkout_session_id, status FROM orders WHERE id IN (${creations.map(() => '?').join(',')}) ORDER BY id`,
      creations.map((item) => item.order.id),
    )) as {
      id: string;
      buyer_id: string;
      description: string;
      checkout_session_id: string;
      status: string;
    }[];
  const sessionsOf = async (creations: OrderCreation[]) =>
    (await dataSource.query(
      `SELECT s.id, s.status, s.buyer_id, l.order_id FROM checkout_sessions s JOIN checkout_session_orders l ON l.session_id = s.id
       WHERE s.id IN (${creations.map(() => '?').join(',')}) ORDER BY s.id`,
      creations.map((item) => item.session.id),
    )) as { id: string; status: string; buyer_id: string; order_id: string }[];
  /** The batch's one expiry job is named after its first session. */
  const jobOf = (item: OrderCreation) => queues.get(QUEUES.payments).getJob(expiryJobId(item.session.id));

  it('commits a batch: every order, its open session and its link, and one delayed expiry job for all', async () => {
    const batch = Array.from({ length: 5 }, () => creation());
    await expect(sut.run(batch)).resolves.toEqual([true, true, true, true, true]);
    const orders = await ordersOf(batch);
    expect(orders).toHaveLength(5);
    for (const item of batch) {
      expect(orders.find((row) => row.id === item.order.id)).toEqual({
        id: item.order.id,
        buyer_id: item.order.buyerId,
        description: 'A kettle',
        checkout_session_id: item.session.id,
        status: 'awaiting_payment',
      });
    }
    const sessions = await sessionsOf(batch);
    expect(sessions).toHaveLength(5);
    for (const item of batch) {
      expect(sessions.find((row) => row.id === item.session.id)).toEqual({
        id: item.session.id,
        status: 'open',
        buyer_id: item.order.buyerId,
        order_id: item.order.id,
      });
    }
    const job = await jobOf(batch[0]);
    expect(job?.name).toBe(EXPIRE_SESSION_JOB);
    // Due when the last session of the batch is, and carrying only that time: no session id (the
    // pay page's credential) is written to Redis, in the job's data or its id.
    const lastExpiry = Math.max(...batch.map((item) => item.session.expiresAt.getTime()));
    expect(job?.data).toEqual({ dueAt: lastExpiry });
    const inRedis = JSON.stringify(job!.asJSON());
    for (const item of batch) expect(inRedis).not.toContain(item.session.id.slice(3));
    expect(job!.timestamp + job!.opts.delay!).toBeGreaterThanOrEqual(lastExpiry - 5);
    expect(job?.opts.delay).toBeGreaterThan(EXPIRES_AFTER_MS - 60_000);
    expect(await job?.getState()).toBe('delayed');
    for (const item of batch.slice(1)) expect(await jobOf(item)).toBeUndefined();
    // The creation time answered to each request is the one stored.
    const [stored] = await dataSource.query('SELECT created_at FROM orders WHERE id = ?', [
      batch[2].order.id,
    ]);
    expect((stored.created_at as Date).getTime()).toBe(batch[2].order.createdAt.getTime());
  });

  it('creates the others when one member cannot be stored (a description past its column), and fails only that one', async () => {
    const batch = [
      creation(),
      creation(),
      creation({ description: 'x'.repeat(501) }),
      creation(),
      creation(),
    ];
    const results = await sut.run(batch);
    expect(results.map((result) => result === true)).toEqual([true, true, false, true, true]);
    expect((results[2] as Error).message).toMatch(/too long|description/i);
    const good = batch.filter((_, index) => index !== 2);
    expect((await ordersOf(good)).map((row) => row.id)).toEqual(good.map((item) => item.order.id).sort());
    expect(await sessionsOf(good)).toHaveLength(4);
    // The batch's job stays for the four; it will find no session of the bad one to expire.
    expect((await jobOf(batch[0]))?.data).toEqual({
      dueAt: Math.max(...batch.map((item) => item.session.expiresAt.getTime())),
    });
    // The bad one left nothing behind: no order, no session.
    expect(await ordersOf([batch[2]])).toEqual([]);
    expect(await sessionsOf([batch[2]])).toEqual([]);
  });

  it('answers success for creations stored despite an error (a COMMIT whose answer was lost)', async () => {
    // The state a dropped connection leaves after the server committed: the rows exist, and the
    // batch, then each member, meets them as duplicates.
    const batch = [creation(), creation(), creation()];
    await expect(sut.run(batch)).resolves.toEqual([true, true, true]);
    await expect(sut.run(batch)).resolves.toEqual([true, true, true]);
    await expect(sut.run([batch[1]])).resolves.toEqual([true]);
    expect(await ordersOf(batch)).toHaveLength(3);
    expect(await sessionsOf(batch)).toHaveLength(3);
    // An order id taken by another creation is still refused: its session is not linked to it.
    const [taken] = await sut.run([creation({ id: batch[0].order.id })]);
    expect(taken).toBeInstanceOf(Error);
  });

  it('takes the expiry job back when no member of the batch could be stored', async () => {
    const batch = [creation({ description: 'x'.repeat(501) }), creation({ description: 'y'.repeat(501) })];
    const results = await sut.run(batch);
    expect(results.every((result) => result instanceof Error)).toBe(true);
    expect(await ordersOf(batch)).toEqual([]);
    expect(await jobOf(batch[0])).toBeUndefined();
  });

  it('never creates an order twice: of two members with one order id, the second fails and leaves nothing', async () => {
    const first = creation();
    const copy = creation({ id: first.order.id, buyerId: 'buyer_copy' });
    const other = creation();
    const results = await sut.run([first, copy, other]);
    expect(results[0]).toBe(true);
    expect(results[1]).toBeInstanceOf(Error);
    expect(results[2]).toBe(true);
    const rows = await ordersOf([first, other]);
    expect(rows).toHaveLength(2);
    expect(rows.find((row) => row.id === first.order.id)).toMatchObject({
      buyer_id: first.order.buyerId,
      checkout_session_id: first.session.id,
    });
    expect(await sessionsOf([copy])).toEqual([]);
    expect((await jobOf(first))?.data).toEqual({
      dueAt: Math.max(...[first, copy, other].map((item) => item.session.expiresAt.getTime())),
    });
  });

  it('gathers concurrent creations into batches, and each caller hears only of its own order', async () => {
    const run = jest.spyOn(sut, 'run');
    try {
      const items = Array.from({ length: 40 }, (_, index) =>
        creation(index === 17 ? { description: 'y'.repeat(501) } : {}),
      );
      const settled = await Promise.allSettled(items.map((item) => sut.create(item)));
      expect(settled.map((result) => result.status)).toEqual(
        items.map((_, index) => (index === 17 ? 'rejected' : 'fulfilled')),
      );
      // Fewer transactions than orders: the requests that arrived together went together.
      const batches = run.mock.calls.map(([batch]) => batch.length);
      expect(batches.reduce((sum, size) => sum + size, 0)).toBe(40);
      expect(batches.length).toBeLessThan(40);
      const good = items.filter((_, index) => index !== 17);
      expect(await ordersOf(good)).toHaveLength(39);
      expect(await sessionsOf(good)).toHaveLength(39);
      expect(await ordersOf([items[17]])).toEqual([]);
    } finally {
      run.mockRestore();
    }
  });
});

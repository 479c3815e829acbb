// Proves the escrow's HTTP contract end to end: shipments, receipt confirmation (404 for another
// buyer, 403 for a seller, twice answers the same and moves money once), deadline extensions,
// deadlines fired by delayed jobs, the admin list of overdue holds, the queue dashboard's admin
// check and dead letters in /metrics. Real: the api's full stack in-process (AppModule), a worker
// process, MariaDB, Redis. Orders are paid by the factory (as a payment would), not by checkout.
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Queue } from 'bullmq';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ESCROW_JOBS, HoldExpiryService, releaseJobId } from '@danbao/escrow';
import { Accounts, LedgerService } from '@danbao/ledger';
import {
  ApiKeyService,
  AppConfig,
  createRedis,
  QUEUES,
  TokenService,
  databaseOf,
  runInTransaction,
} from '@danbao/platform';
import { makePaidOrder, PaidOrder, REDIS_URL, Stack, startStack, waitFor } from '@danbao/testing';
import { AppModule } from '../../apps/api/src/app.module';

const DAY_MS = 86_400_000;

describe('escrow over HTTP (shipments, receipt, deadlines)', () => {
  let stack: Stack;
  let app: NestFastifyApplication;
  let dataSource: DataSource;
  let ledger: LedgerService;
  let tokens: TokenService;
  let config: AppConfig;
  let apiKey: string;
  let payments: Queue;
  const connection = createRedis(REDIS_URL);
  // Pickups confirm themselves after 2 s; the sweep is slow here, so releases prove the jobs.
  const overrides = { AUTO_CONFIRM_PICKUP: '2s', SWEEP_INTERVAL: '1h', RECEIPT_EXTENSION: '3d' };

  beforeAll(async () => {
    stack = await startStack(AppModule.forRoot, { overrides, worker: true });
    ({ app, config } = stack);
    dataSource = app.get(DataSource);
    ledger = app.get(LedgerService);
    tokens = app.get(TokenService);
    apiKey = (await app.get(ApiKeyService).create('escrow test')).key;
    payments = new Queue(QUEUES.payments, { connection, prefix: stack.prefix });
  });

  afterEach(async () => {
    expect((await ledger.check()).violations).toEqual([]);
  });

  afterAll(async () => {
    await payments?.close();
    connection.disconnect();
    await stack?.stop();
  });

  const http = () => request(app.getHttpServer());
  const bearer = (role: 'buyer' | 'seller' | 'admin', id: string) => ({
    Authorization: `Bearer ${tokens.mint(role, id, 600).token}`,
  });
  const marketplace = () => ({ Authorization: `Bearer ${apiKey}` });
  const buyerOf = (order: PaidOrder) => bearer('buyer', order.buyerId);
  const sellerOf = (order: PaidOrder) => bearer('seller', order.sellerId);
  const express = { method: 'express', carrier: 'SF Express', tracking_number: 'SF1234567890' };

  async function hold(order: PaidOrder) {
    const [row] = await dataSource.query('SELECT * FROM holds WHERE id = ?', [order.holdId]);
    return row as {
      status: string;
      release_due_at: Date | null;
      confirmed_at: Date | null;
      released: string;
    };
  }
  const releases = async (order: PaidOrder) =>
    (await ledger.transactionsForOrder(order.orderId)).filter(
      (transaction) => transaction.kind === 'release',
    );

  describe('shipments', () => {
    it('lets the seller ship: the order is shipped and its receipt deadline set by the method', async () => {
      const order = await makePaidOrder(dataSource);
      const before = Date.now();
      const response = await http()
        .post(`/v1/orders/${order.orderId}/shipments`)
        .set(sellerOf(order))
        .send(express);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        id: order.orderId,
        status: 'shipped',
        shipment: { method: 'express', carrier: 'SF Express', tracking_number: 'SF1234567890' },
        hold: { status: 'held', amount: 10_000 },
      });
      const autoConfirmAt = Date.parse(response.body.auto_confirm_at);
      expect(autoConfirmAt - before).toBeGreaterThanOrEqual(config.autoConfirmAfterMs - 1000);
      expect(autoConfirmAt - before).toBeLessThan(config.autoConfirmAfterMs + 5000);
      expect((await hold(order)).release_due_at!.getTime()).toBe(autoConfirmAt);
      const delayed = await payments.getDelayed();
      expect(
        delayed.some((job) => job.name === ESCROW_JOBS.receiptDeadline && job.data.holdId === order.holdId),
      ).toBe(true);
      const [event] = await dataSource.query(
        "SELECT payload FROM outbox_events WHERE type = 'order.shipped' AND object_id = ?",
        [order.orderId],
      );
      expect(JSON.parse(event.payload).data.object).toMatchObject({ id: order.orderId, status: 'shipped' });
    });

    it("uses the order's own auto_confirm_days, and lets the marketplace ship too", async () => {
      const order = await makePaidOrder(dataSource, { autoConfirmDays: 4 });
      const before = Date.now();
      const response = await http()
        .post(`/v1/orders/${order.orderId}/shipments`)
        .set(marketplace())
        .send({ method: 'virtual' })
        .expect(200);
      expect(Date.parse(response.body.auto_confirm_at) - before).toBeGreaterThanOrEqual(4 * DAY_MS - 1000);
      expect(Date.parse(response.body.auto_confirm_at) - before).toBeLessThan(4 * DAY_MS + 5000);
    });

    it('validates the body: method, and carrier with tracking number for tracked methods', async () => {
      const order = await makePaidOrder(dataSource);
      const ship = (body: object) =>
        http().post(`/v1/orders/${order.orderId}/shipments`).set(sellerOf(order)).send(body);
      const missing = await ship({ method: 'express', tracking_number: 'X1' });
      expect(missing.status).toBe(400);
      expect(missing.body.error).toMatchObject({ code: 'parameter_missing', param: 'carrier' });
      expect((await ship({ method: 'surface_mail', carrier: 'EMS' })).body.error).toMatchObject({
        param: 'tracking_number',
      });
      expect((await ship({ method: 'drone' })).body.error).toMatchObject({
        code: 'parameter_invalid',
        param: 'method',
      });
      expect((await ship({ ...express, status: 'completed' })).body.error).toMatchObject({
        code: 'parameter_unknown',
      });
      expect((await hold(order)).release_due_at).toBeNull();
    });

    it('answers 404 to another seller, 403 to a buyer, and 409 to a second shipment', async () => {
      const order = await makePaidOrder(dataSource);
      const url = `/v1/orders/${order.orderId}/shipments`;
      expect((await http().post(url).set(bearer('seller', 'someone_else')).send(express)).status).toBe(404);
      const asBuyer = await http().post(url).set(buyerOf(order)).send(express);
      expect(asBuyer.status).toBe(403);
      expect(asBuyer.body.error.code).toBe('forbidden');
      await http().post(url).set(sellerOf(order)).send(express).expect(200);
      const again = await http().post(url).set(sellerOf(order)).send(express);
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('order_already_shipped');
    });
  });

  describe('confirming receipt', () => {
    it('refuses before shipment (409 order_not_shipped), a seller (403) and another buyer (404)', async () => {
      const order = await makePaidOrder(dataSource);
      const url = `/v1/orders/${order.orderId}/confirm_receipt`;
      const early = await http().post(url).set(buyerOf(order));
      expect(early.status).toBe(409);
      expect(early.body.error.code).toBe('order_not_shipped');
      await http()
        .post(`/v1/orders/${order.orderId}/shipments`)
        .set(sellerOf(order))
        .send(express)
        .expect(200);
      const seller = await http().post(url).set(sellerOf(order));
      expect(seller.status).toBe(403);
      expect(seller.body.error.code).toBe('forbidden');
      expect((await http().post(url).set(marketplace())).status).toBe(403);
      const stranger = await http().post(url).set(bearer('buyer', 'another_buyer'));
      expect(stranger.status).toBe(404);
      expect(stranger.body.error.code).toBe('resource_missing');
      expect((await hold(order)).confirmed_at).toBeNull();
      expect(await releases(order)).toEqual([]);
    });

    it('answers 202 twice with the same result, releases once in the worker, then 409', async () => {
      const order = await makePaidOrder(dataSource, { amount: 19_999, feeBps: 300 });
      await http()
        .post(`/v1/orders/${order.orderId}/shipments`)
        .set(sellerOf(order))
        .send(express)
        .expect(200);
      const url = `/v1/orders/${order.orderId}/confirm_receipt`;

      const first = await http().post(url).set(buyerOf(order)).set('Idempotency-Key', 'confirm-1');
      const second = await http().post(url).set(buyerOf(order));
      expect(first.status).toBe(202);
      expect(first.body).toEqual({
        object: 'receipt_confirmation',
        order_id: order.orderId,
        hold_id: order.holdId,
        status: 'release_pending',
        confirmed_at: expect.any(String),
      });
      // Confirming twice answers the same result, unless the worker was already done.
      if (second.status === 202) expect(second.body).toEqual(first.body);
      else expect(second.body.error.code).toBe('hold_already_released');

      const released = await waitFor(
        () => hold(order),
        (row) => row.status === 'released',
      );
      expect(released.status).toBe('released');
      // 19,999 at 3 %: fee 599.97 → 600, the seller gets 19,399; once.
      expect(await ledger.balance(Accounts.sellerIncoming(order.sellerId), 'CNY')).toBe(19_399n);
      expect(await releases(order)).toHaveLength(1);

      const after = await http().post(url).set(buyerOf(order));
      expect(after.status).toBe(409);
      expect(after.body.error.code).toBe('hold_already_released');
      const replay = await http().post(url).set(buyerOf(order)).set('Idempotency-Key', 'confirm-1');
      expect(replay.status).toBe(202);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body).toEqual(first.body);
      const [order_] = await dataSource.query('SELECT status FROM orders WHERE id = ?', [order.orderId]);
      expect(order_.status).toBe('completed');
      expect(await ledger.balance(Accounts.sellerIncoming(order.sellerId), 'CNY')).toBe(19_399n);
    });

    it('writes order.shipped and order.completed showing the order as GET does, latest payment included', async () => {
      const order = await makePaidOrder(dataSource, {}, { withPayment: true });
      const event = async (type: string) => {
        const [row] = await dataSource.query(
          'SELECT payload FROM outbox_events WHERE type = ? AND object_id = ?',
          [type, order.orderId],
        );
        return JSON.parse(row.payload).data.object;
      };
      const current = async () => (await http().get(`/v1/orders/${order.orderId}`).set(marketplace())).body;
      await http()
        .post(`/v1/orders/${order.orderId}/shipments`)
        .set(sellerOf(order))
        .send(express)
        .expect(200);
      const shipped = await current();
      expect(shipped.latest_payment).toEqual({
        id: order.paymentId,
        status: 'succeeded',
        card_brand: 'visa',
        card_last4: '4242',
      });
      expect(await event('order.shipped')).toEqual(shipped);

      await http().post(`/v1/orders/${order.orderId}/confirm_receipt`).set(buyerOf(order)).expect(202);
      await waitFor(current, (body) => body.status === 'completed');
      const completed = await current();
      expect(completed.hold).toMatchObject({ status: 'released' });
      expect(await event('order.completed')).toEqual(completed);
    });

    it('moves money once when the buyer sends 20 confirmations at once (T12)', async () => {
      const order = await makePaidOrder(dataSource, { amount: 5000 });
      await http()
        .post(`/v1/orders/${order.orderId}/shipments`)
        .set(sellerOf(order))
        .send(express)
        .expect(200);
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          http()
            .post(`/v1/orders/${order.orderId}/confirm_receipt`)
            .set(buyerOf(order))
            .set('Idempotency-Key', `parallel-${index}`),
        ),
      );
      for (const answer of answers) {
        expect([202, 409]).toContain(answer.status);
        if (answer.status === 409) expect(answer.body.error.code).toBe('hold_already_released');
      }
      await waitFor(
        () => hold(order),
        (row) => row.status === 'released',
      );
      expect(await releases(order)).toHaveLength(1);
      expect(await ledger.balance(Accounts.sellerIncoming(order.sellerId), 'CNY')).toBe(4900n);
    });

    it('answers 409 order_in_dispute while the hold is frozen, and moves nothing', async () => {
      const order = await makePaidOrder(dataSource);
      await http()
        .post(`/v1/orders/${order.orderId}/shipments`)
        .set(sellerOf(order))
        .send(express)
        .expect(200);
      await dataSource.query("UPDATE holds SET status = 'frozen' WHERE id = ?", [order.holdId]);
      const confirm = await http().post(`/v1/orders/${order.orderId}/confirm_receipt`).set(buyerOf(order));
      expect(confirm.status).toBe(409);
      expect(confirm.body.error.code).toBe('order_in_dispute');
      const extend = await http()
        .post(`/v1/orders/${order.orderId}/extend_receipt`)
        .set(buyerOf(order))
        .send({});
      expect(extend.status).toBe(409);
      expect(extend.body.error.code).toBe('order_in_dispute');
      expect(await releases(order)).toEqual([]);
    });
  });

  describe('receipt deadlines', () => {
    it('releases by itself at the deadline, fired by the delayed job', async () => {
      const order = await makePaidOrder(dataSource);
      await http()
        .post(`/v1/orders/${order.orderId}/shipments`)
        .set(sellerOf(order))
        .send({ method: 'pickup' })
        .expect(200);
      expect((await hold(order)).status).toBe('held');
      const released = await waitFor(
        () => hold(order),
        (row) => row.status === 'released',
        15_000,
      );
      expect(released.status).toBe('released');
      expect(await releases(order)).toHaveLength(1);
    });

    it('lets the buyer extend once by RECEIPT_EXTENSION and the seller once by 3, 5, 7 or 10 days', async () => {
      const order = await makePaidOrder(dataSource);
      const shipped = await http()
        .post(`/v1/orders/${order.orderId}/shipments`)
        .set(sellerOf(order))
        .send(express)
        .expect(200);
      const url = `/v1/orders/${order.orderId}/extend_receipt`;
      const start = Date.parse(shipped.body.auto_confirm_at);

      const byBuyer = await http().post(url).set(buyerOf(order)).send({}).expect(200);
      expect(Date.parse(byBuyer.body.auto_confirm_at)).toBe(start + 3 * DAY_MS);
      expect((await http().post(url).set(buyerOf(order)).send({})).body.error.code).toBe(
        'receipt_already_extended',
      );
      const buyerDays = await http().post(url).set(buyerOf(order)).send({ days: 3 });
      expect(buyerDays.status).toBe(400);

      for (const days of [4, 0, 30, '5']) {
        const wrong = await http().post(url).set(sellerOf(order)).send({ days });
        expect(wrong.status).toBe(400);
        expect(wrong.body.error.param).toBe('days');
      }
      expect((await http().post(url).set(sellerOf(order)).send({})).status).toBe(400);
      const bySeller = await http().post(url).set(sellerOf(order)).send({ days: 5 }).expect(200);
      expect(Date.parse(bySeller.body.auto_confirm_at)).toBe(start + 8 * DAY_MS);
      const again = await http().post(url).set(sellerOf(order)).send({ days: 3 });
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('receipt_already_extended');
      expect((await hold(order)).release_due_at!.getTime()).toBe(start + 8 * DAY_MS);
      expect((await http().post(url).set(bearer('seller', 'other_seller')).send({ days: 3 })).status).toBe(
        404,
      );
    });

    it('extends nothing before shipment or after confirmation (409)', async () => {
      const order = await makePaidOrder(dataSource);
      const url = `/v1/orders/${order.orderId}/extend_receipt`;
      const early = await http().post(url).set(buyerOf(order)).send({});
      expect(early.status).toBe(409);
      expect(early.body.error.code).toBe('order_not_shipped');
      // A deadline far away, and a confirmation: the release is due now, extensions are over.
      await http()
        .post(`/v1/orders/${order.orderId}/shipments`)
        .set(sellerOf(order))
        .send(express)
        .expect(200);
      await dataSource.query("UPDATE holds SET status = 'frozen' WHERE id = ?", [order.holdId]);
      await dataSource.query("UPDATE holds SET status = 'held', confirmed_at = ? WHERE id = ?", [
        new Date(),
        order.holdId,
      ]);
      const late = await http().post(url).set(sellerOf(order)).send({ days: 3 });
      expect(late.status).toBe(409);
      expect(late.body.error.code).toBe('receipt_already_confirmed');
    });
  });

  describe('admin and operations', () => {
    it('lists holds past MAX_HOLD for admins only', async () => {
      const order = await makePaidOrder(dataSource, {}, { maxHoldMs: 1 });
      await http()
        .post(`/v1/orders/${order.orderId}/shipments`)
        .set(sellerOf(order))
        .send(express)
        .expect(200);
      expect(await app.get(HoldExpiryService).expire({ holdId: order.holdId, orderId: order.orderId })).toBe(
        'flagged',
      );

      const listed = await http()
        .get('/v1/admin/holds?status=overdue')
        .set(bearer('admin', 'adm_1'))
        .expect(200);
      expect(listed.body.data).toEqual([
        expect.objectContaining({
          id: order.holdId,
          order_id: order.orderId,
          status: 'held',
          overdue_at: expect.any(String),
        }),
      ]);
      expect(listed.body.has_more).toBe(false);
      expect((await http().get('/v1/admin/holds?status=overdue').set(buyerOf(order))).status).toBe(403);
      expect((await http().get('/v1/admin/holds').set(bearer('admin', 'adm_1'))).status).toBe(400);
    });

    it('shows the queue dashboard to admins only', async () => {
      expect((await http().get('/admin/queues')).status).toBe(401);
      const buyer = await http().get('/admin/queues').set(bearer('buyer', 'b1'));
      expect(buyer.status).toBe(403);
      expect(buyer.body.error.code).toBe('forbidden');
      const page = await http().get('/admin/queues').set(bearer('admin', 'adm_1'));
      expect(page.status).toBe(200);
      expect(page.text).toContain('<div id="root">');
      const cookie = `danbao_admin=${tokens.mint('admin', 'adm_1', 600).token}`;
      const api = await http().get('/admin/queues/api/queues').set('cookie', cookie).expect(200);
      expect(api.body.queues.map((queue: { name: string }) => queue.name).sort()).toEqual([
        'notifications',
        'payments',
        'system',
      ]);
    });

    it('keeps a job that keeps failing in the failed list, shown in /metrics', async () => {
      const order = await makePaidOrder(dataSource);
      // A release that can never post: its escrow account was emptied behind its back.
      await runInTransaction(databaseOf(dataSource), (tx) =>
        ledger.post(tx, {
          reference: `test:drain:${order.orderId}`,
          kind: 'adjustment',
          postings: [
            { account: Accounts.escrow(order.orderId), currency: 'CNY', amount: -order.amount },
            { account: Accounts.channel('sandbox'), currency: 'CNY', amount: order.amount },
          ],
        }),
      );
      await dataSource.query("UPDATE orders SET status = 'shipped' WHERE id = ?", [order.orderId]);
      await dataSource.query('UPDATE holds SET release_due_at = ? WHERE id = ?', [new Date(), order.holdId]);
      const job = await payments.add(
        ESCROW_JOBS.release,
        { holdId: order.holdId, orderId: order.orderId },
        { jobId: releaseJobId(order.holdId), attempts: 2, backoff: { type: 'fixed', delay: 100 } },
      );
      await waitFor(
        () => job.getState(),
        (state) => state === 'failed',
      );
      expect(await job.getState()).toBe('failed');

      const metrics = await http().get('/metrics').expect(200);
      expect(metrics.text).toMatch(/danbao_queue_jobs\{queue="payments",state="failed"\} 1\b/);
      expect(metrics.text).toMatch(/danbao_queue_jobs\{queue="notifications",state="failed"\} 0\b/);
      const cookie = `danbao_admin=${tokens.mint('admin', 'adm_1', 600).token}`;
      const failed = await http()
        .get('/admin/queues/api/queues?activeQueue=payments&status=failed')
        .set('cookie', cookie);
      const queue = failed.body.queues.find((candidate: { name: string }) => candidate.name === 'payments');
      expect(queue.counts.failed).toBe(1);
      expect((await hold(order)).status).toBe('held');
    });
  });
});

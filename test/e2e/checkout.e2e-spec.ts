// Proves orders and the hosted checkout through the HTTP contract: auth and ownership, validation,
// idempotency, payment by signed channel notifications (duplicates, reorders, forgeries and
// mismatches move money once or not at all), carts, declines, expiry and cancellation.
// Real: the api's full stack, MariaDB, Redis. The channel's notifications are posted by the test.
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { Accounts, LedgerService } from '@danbao/ledger';
import { signPayload } from '@danbao/channels';
import { CheckoutService, EXPIRE_SESSION_JOB } from '@danbao/checkout';
import { IdempotencyService, QUEUES, QueueRegistry } from '@danbao/platform';
import { Stack, startStack } from '@danbao/testing';
import { AppModule } from '../../apps/api/src/app.module';
import { ApiClient, SANDBOX_SECRET } from '../support/api-client';

describe('orders and checkout', () => {
  let stack: Stack;
  let app: NestFastifyApplication;
  let client: ApiClient;
  let ledger: LedgerService;
  let dataSource: DataSource;

  beforeAll(async () => {
    stack = await startStack(AppModule.forRoot, { overrides: { PUBLIC_URL: 'http://shop.test:3000' } });
    app = stack.app;
    client = await ApiClient.create(app);
    ledger = app.get(LedgerService);
    dataSource = app.get(DataSource);
  });

  afterEach(async () => {
    // Every scenario leaves the books balanced.
    const report = await ledger.check();
    expect(report.violations).toEqual([]);
    expect(report.balanced).toBe(true);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const http = () => client.http();
  const escrowBalance = (orderId: string, currency = 'CNY') =>
    ledger.balance(Accounts.escrow(orderId), currency);

  async function payOrder(order: Record<string, any>, notificationId: string) {
    const submitted = await client.submitCard(order.checkout_url, '4242 4242 4242 4242');
    expect(submitted.status).toBe(303);
    const answer = await client.notify(
      client.paymentNotification(notificationId, submitted.paymentId!, order.amount, order.currency),
    );
    expect(answer.status).toBe(200);
    return submitted.paymentId!;
  }

  describe('creating orders', () => {
    it('creates an order awaiting payment with a checkout_url on PUBLIC_URL, returning metadata as sent', async () => {
      const order = await client.createOrder({
        metadata: { cart: '42', note: 'gift' },
        fee_bps: 150,
        return_url: 'https://shop.example/done',
      });
      expect(order).toMatchObject({
        object: 'order',
        status: 'awaiting_payment',
        buyer_id: 'buyer_a',
        seller_id: 'seller_a',
        amount: 1999,
        currency: 'CNY',
        description: 'A teapot',
        fee_bps: 150,
        metadata: { cart: '42', note: 'gift' },
        latest_payment: null,
        hold: null,
      });
      expect(order.id).toMatch(/^ord_[0-9a-z]{26}$/);
      expect(order.checkout_url).toMatch(/^http:\/\/shop\.test:3000\/checkout\/cs_[A-Za-z0-9_-]{20,}$/);
      const fetched = await http().get(`/v1/orders/${order.id}`).set(client.asMarketplace()).expect(200);
      expect(fetched.body).toEqual(order);
    });

    it('defaults fee_bps to PLATFORM_FEE_BPS', async () => {
      expect((await client.createOrder()).fee_bps).toBe(200);
    });

    it.each([
      ['a fractional amount', { amount: 0.5 }, 'amount'],
      ['a zero amount', { amount: 0 }, 'amount'],
      ['a string amount', { amount: '10.00' }, 'amount'],
      ['an amount above 10^12', { amount: 1_000_000_000_001 }, 'amount'],
      ['an unknown currency', { currency: 'XXX' }, 'currency'],
      ['a badly formatted currency', { currency: 'usd ' }, 'currency'],
      ['the buyer as seller', { seller_id: 'buyer_a' }, 'seller_id'],
      ['an empty description', { description: '' }, 'description'],
      ['a description of 501 characters', { description: 'x'.repeat(501) }, 'description'],
      ['fee_bps above 10,000', { fee_bps: 10_001 }, 'fee_bps'],
      [
        '21 metadata keys',
        { metadata: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])) },
        'metadata',
      ],
      ['a metadata number', { metadata: { a: 1 } }, 'metadata'],
      ['a status field (mass assignment)', { status: 'paid' }, 'status'],
    ])('refuses %s with 400 naming the field and stores nothing', async (_case, overrides, param) => {
      const before = await dataSource.query('SELECT COUNT(*) AS n FROM orders');
      const response = await http()
        .post('/v1/orders')
        .set(client.asMarketplace())
        .send({
          buyer_id: 'buyer_a',
          seller_id: 'seller_a',
          amount: 1999,
          currency: 'CNY',
          description: 'A teapot',
          ...overrides,
        })
        .expect(400);
      expect(response.body.error).toMatchObject({ type: 'invalid_request_error', param });
      expect(await dataSource.query('SELECT COUNT(*) AS n FROM orders')).toEqual(before);
    });

    it('accepts the largest amount and round-trips it exactly', async () => {
      const order = await client.createOrder({ amount: 1_000_000_000_000 });
      expect(order.amount).toBe(1_000_000_000_000);
    });

    it('creates 50 orders from 50 concurrent requests, each answered with its own order, session and expiry job', async () => {
      // Concurrent creations share transactions; every request must still get exactly its own order.
      const requests = Array.from({ length: 50 }, (_, index) => ({
        buyer_id: `buyer_c${index}`,
        seller_id: `seller_c${index % 7}`,
        amount: 100 + index,
        currency: index % 2 ? 'CNY' : 'USD',
        description: `Concurrent order ${index}`,
      }));
      const responses = await Promise.all(
        requests.map((body) => http().post('/v1/orders').set(client.asMarketplace()).send(body)),
      );
      responses.forEach((response, index) => {
        expect(response.status).toBe(201);
        expect(response.body).toMatchObject({ ...requests[index], status: 'awaiting_payment' });
      });
      const orders = responses.map((response) => response.body);
      const sessionIds = orders.map(
        (order) => new URL(order.checkout_url).pathname.split('/').pop() as string,
      );
      expect(new Set(orders.map((order) => order.id)).size).toBe(50);
      expect(new Set(sessionIds).size).toBe(50);

      const ids = orders.map((order) => order.id as string);
      const marks = ids.map(() => '?').join(',');
      const rows: { id: string; buyer_id: string; seller_id: string; amount: string; description: string }[] =
        await dataSource.query(
          `SELECT id, buyer_id, seller_id, amount, description FROM orders WHERE buyer_id IN (${marks})`,
          requests.map((body) => body.buyer_id),
        );
      expect(rows).toHaveLength(50);
      const links: { session_id: string; order_id: string; status: string; kind: string; amount: string }[] =
        await dataSource.query(
          `SELECT l.session_id, l.order_id, s.status, s.kind, s.amount FROM checkout_session_orders l
           JOIN checkout_sessions s ON s.id = l.session_id WHERE l.order_id IN (${marks})`,
          ids,
        );
      expect(links).toHaveLength(50);
      const [{ n: sessionCount }] = await dataSource.query(
        `SELECT COUNT(*) AS n FROM checkout_sessions WHERE id IN (${marks})`,
        sessionIds,
      );
      expect(Number(sessionCount)).toBe(50);
      const payments = app.get(QueueRegistry).get(QUEUES.payments);
      for (const [index, order] of orders.entries()) {
        const row = rows.find((candidate) => candidate.id === order.id);
        expect(row).toEqual({
          id: order.id,
          buyer_id: requests[index].buyer_id,
          seller_id: requests[index].seller_id,
          amount: String(requests[index].amount),
          description: requests[index].description,
        });
        expect(links.find((link) => link.order_id === order.id)).toEqual({
          session_id: sessionIds[index],
          order_id: order.id,
          status: 'open',
          kind: 'order',
          amount: String(requests[index].amount),
        });
      }
      // One delayed expiry job per creation batch, due with its last session and carrying only
      // that time: Redis holds no session id (the pay page's credential), in data or job id.
      const expiryJobs = (await payments.getJobs(['delayed'])).filter(
        (job) => job.name === EXPIRE_SESSION_JOB,
      );
      expect(expiryJobs.length).toBeGreaterThan(0);
      expect(expiryJobs.length).toBeLessThan(50);
      for (const job of expiryJobs) expect(job.data).toEqual({ dueAt: expect.any(Number) });
      const stored = JSON.stringify(expiryJobs.map((job) => job.asJSON()));
      for (const id of sessionIds) expect(stored).not.toContain(id.slice(3));
      const [latest] = await dataSource.query(
        `SELECT MAX(expires_at) AS due FROM checkout_sessions WHERE id IN (${sessionIds.map(() => '?').join(',')})`,
        sessionIds,
      );
      expect(Math.max(...expiryJobs.map((job) => job.data.dueAt as number))).toBe(
        (latest.due as Date).getTime(),
      );
    });
  });

  describe('authorization', () => {
    it('answers 401 without a token, with a forged token and with a revoked-looking key', async () => {
      expect((await http().get('/v1/orders')).status).toBe(401);
      expect(
        (await http().get('/v1/orders').set('Authorization', 'Bearer sk_not_a_real_key_123456')).status,
      ).toBe(401);
      const forged = await http()
        .get('/v1/orders')
        .set('Authorization', 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJidXllcl9hIiwicm9sZSI6ImJ1eWVyIn0.');
      expect(forged.status).toBe(401);
      expect(forged.body.error).toEqual({
        type: 'authentication_error',
        code: 'unauthenticated',
        message: expect.any(String),
      });
    });

    it('answers 403 to a seller or buyer creating orders or minting tokens', async () => {
      const seller = await client.tokenFor('seller', 'seller_a');
      const buyer = await client.tokenFor('buyer', 'buyer_a');
      const body = {
        buyer_id: 'buyer_a',
        seller_id: 'seller_a',
        amount: 1,
        currency: 'CNY',
        description: 'x',
      };
      for (const token of [seller, buyer]) {
        const response = await http().post('/v1/orders').set(token).send(body).expect(403);
        expect(response.body.error.code).toBe('forbidden');
        await http().post('/v1/auth/tokens').set(token).send({ role: 'buyer', subject_id: 'x' }).expect(403);
      }
    });

    it('shows a buyer and a seller only their own orders; others get 404', async () => {
      const mine = await client.createOrder({ buyer_id: 'buyer_a1', seller_id: 'seller_s1' });
      const theirs = await client.createOrder({ buyer_id: 'buyer_b1', seller_id: 'seller_s2' });
      const buyerA = await client.tokenFor('buyer', 'buyer_a1');
      const buyerB = await client.tokenFor('buyer', 'buyer_b1');
      const sellerOne = await client.tokenFor('seller', 'seller_s1');
      await http().get(`/v1/orders/${mine.id}`).set(buyerA).expect(200);
      const hidden = await http().get(`/v1/orders/${mine.id}`).set(buyerB).expect(404);
      expect(hidden.body.error.code).toBe('resource_missing');
      await http().get(`/v1/orders/${theirs.id}`).set(sellerOne).expect(404);
      await http().post(`/v1/orders/${mine.id}/cancel`).set(buyerB).expect(403);

      const listA = await http().get('/v1/orders?limit=100').set(buyerA).expect(200);
      const listB = await http().get('/v1/orders?limit=100&buyer_id=buyer_a1').set(buyerB).expect(200);
      expect(listA.body.data.map((order: { id: string }) => order.id)).toEqual([mine.id]);
      // A buyer's filter can never reach another buyer's orders.
      expect(listB.body.data).toEqual([]);
      const sellerList = await http().get('/v1/orders').set(sellerOne).expect(200);
      expect(
        sellerList.body.data.every((order: { seller_id: string }) => order.seller_id === 'seller_s1'),
      ).toBe(true);
    });

    it('mints tokens with ttl_seconds 1-86,400 and refuses others', async () => {
      const minted = await http()
        .post('/v1/auth/tokens')
        .set(client.asMarketplace())
        .send({ role: 'buyer', subject_id: 'b1', ttl_seconds: 60 })
        .expect(201);
      const expiresIn = new Date(minted.body.expires_at).getTime() - Date.now();
      expect(expiresIn).toBeGreaterThan(55_000);
      expect(expiresIn).toBeLessThanOrEqual(61_000);
      for (const ttl of [0, 86_401, 1.5]) {
        await http()
          .post('/v1/auth/tokens')
          .set(client.asMarketplace())
          .send({ role: 'buyer', subject_id: 'b1', ttl_seconds: ttl })
          .expect(400);
      }
      await http()
        .post('/v1/auth/tokens')
        .set(client.asMarketplace())
        .send({ role: 'admin', subject_id: 'b1' })
        .expect(400);
    });

    it('refuses an expired token', async () => {
      const minted = await http()
        .post('/v1/auth/tokens')
        .set(client.asMarketplace())
        .send({ role: 'buyer', subject_id: 'b1', ttl_seconds: 1 })
        .expect(201);
      // The verifier tolerates 60 s of clock skew; a token well past that is refused.
      const { TokenService } = await import('@danbao/platform');
      const stale = app.get(TokenService);
      jest.useFakeTimers({
        now: Date.now() + 120_000,
        doNotFake: ['nextTick', 'setImmediate', 'setTimeout', 'setInterval'],
      });
      try {
        expect(stale.verify(minted.body.token)).toBeNull();
      } finally {
        jest.useRealTimers();
      }
    });
  });

  describe('idempotency', () => {
    const body = {
      buyer_id: 'buyer_i',
      seller_id: 'seller_i',
      amount: 1000,
      currency: 'CNY',
      description: 'idem',
    };

    it('replays the first answer for the same key and body, and refuses another body with 422', async () => {
      const first = await http()
        .post('/v1/orders')
        .set(client.asMarketplace())
        .set('Idempotency-Key', 'order-1')
        .send(body)
        .expect(201);
      const again = await http()
        .post('/v1/orders')
        .set(client.asMarketplace())
        .set('Idempotency-Key', 'order-1')
        .send(body)
        .expect(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toEqual(first.body);
      const other = await http()
        .post('/v1/orders')
        .set(client.asMarketplace())
        .set('Idempotency-Key', 'order-1')
        .send({ ...body, amount: 1001 })
        .expect(422);
      expect(other.body.error.code).toBe('idempotency_mismatch');
      const [{ n }] = await dataSource.query("SELECT COUNT(*) AS n FROM orders WHERE buyer_id = 'buyer_i'");
      expect(Number(n)).toBe(1);
    });

    it('creates one order from 20 concurrent identical requests with one key', async () => {
      const responses = await Promise.all(
        Array.from({ length: 20 }, () =>
          http()
            .post('/v1/orders')
            .set(client.asMarketplace())
            .set('Idempotency-Key', 'burst-1')
            .send({ ...body, buyer_id: 'buyer_burst' }),
        ),
      );
      const created = responses.filter((response) => response.status === 201);
      const inProgress = responses.filter((response) => response.status === 409);
      expect(created.length + inProgress.length).toBe(20);
      expect(new Set(created.map((response) => response.body.id)).size).toBe(1);
      inProgress.forEach((response) => expect(response.body.error.code).toBe('idempotency_in_progress'));
      const [{ n }] = await dataSource.query(
        "SELECT COUNT(*) AS n FROM orders WHERE buyer_id = 'buyer_burst'",
      );
      expect(Number(n)).toBe(1);
    });

    it('does not store a refused request, so a corrected retry with the same key runs', async () => {
      await http()
        .post('/v1/orders')
        .set(client.asMarketplace())
        .set('Idempotency-Key', 'fix-me')
        .send({ ...body, amount: -1 })
        .expect(400);
      await http()
        .post('/v1/orders')
        .set(client.asMarketplace())
        .set('Idempotency-Key', 'fix-me')
        .send(body)
        .expect(201);
    });

    it('keeps the same key of two principals apart: neither sees the other answer', async () => {
      const other = await ApiClient.create(app);
      const mine = await http()
        .post('/v1/orders')
        .set(client.asMarketplace())
        .set('Idempotency-Key', 'same-key')
        .send({ ...body, buyer_id: 'buyer_k1' })
        .expect(201);
      const theirs = await http()
        .post('/v1/orders')
        .set(other.asMarketplace())
        .set('Idempotency-Key', 'same-key')
        .send({ ...body, buyer_id: 'buyer_k2', amount: 5 })
        .expect(201);
      expect(theirs.headers['idempotent-replayed']).toBeUndefined();
      expect(theirs.body.id).not.toBe(mine.body.id);
      expect(theirs.body).toMatchObject({ buyer_id: 'buyer_k2', amount: 5 });
    });

    it('purges expired keys and keeps live ones', async () => {
      await http()
        .post('/v1/orders')
        .set(client.asMarketplace())
        .set('Idempotency-Key', 'live-key')
        .send(body)
        .expect(201);
      await dataSource.query(
        "INSERT INTO idempotency_keys (principal, idempotency_key, method, path, body_hash, state, created_at, expires_at) VALUES ('marketplace:x', 'old-key', 'POST', '/v1/orders', REPEAT('0', 64), 'done', ?, ?)",
        [new Date(Date.now() - 2 * 86_400_000), new Date(Date.now() - 86_400_000)],
      );
      expect(await app.get(IdempotencyService).purgeExpired()).toBeGreaterThanOrEqual(1);
      const keys = await dataSource.query(
        "SELECT idempotency_key FROM idempotency_keys WHERE idempotency_key IN ('old-key', 'live-key')",
      );
      expect(keys).toEqual([{ idempotency_key: 'live-key' }]);
    });

    it('scopes keys per principal and refuses malformed keys', async () => {
      await http()
        .post('/v1/auth/tokens')
        .set(client.asMarketplace())
        .set('Idempotency-Key', 'shared')
        .send({ role: 'buyer', subject_id: 'x1' })
        .expect(201);
      const order = await http()
        .post('/v1/orders')
        .set(client.asMarketplace())
        .set('Idempotency-Key', 'x'.repeat(256))
        .send(body);
      expect(order.status).toBe(400);
      expect(order.body.error.param).toBe('Idempotency-Key');
      const same = await http()
        .post('/v1/auth/tokens')
        .set(client.asMarketplace())
        .set('Idempotency-Key', 'shared')
        .send({ role: 'buyer', subject_id: 'x1' })
        .expect(201);
      // A minted token is never stored for replay: the retry mints a fresh one (issue 11, item 8;
      // token-mint-replay.e2e-spec.ts). The key is still the marketplace's and still bound.
      expect(same.headers['idempotent-replayed']).toBeUndefined();
      // The same key on another route is a different request: 422.
      await http()
        .post('/v1/orders')
        .set(client.asMarketplace())
        .set('Idempotency-Key', 'shared')
        .send(body)
        .expect(422);
    });
  });

  describe('paying', () => {
    it('pays an order: payment succeeded, order paid, escrow holds the amount, order.paid recorded', async () => {
      const order = await client.createOrder({ amount: 2500 });
      const submitted = await client.submitCard(order.checkout_url, '4242 4242 4242 4242');
      expect(submitted.status).toBe(303);
      const processing = await http().get(`/v1/orders/${order.id}`).set(client.asMarketplace()).expect(200);
      expect(processing.body.status).toBe('awaiting_payment');
      expect(processing.body.latest_payment).toEqual({
        id: submitted.paymentId,
        status: 'processing',
        card_brand: 'visa',
        card_last4: '4242',
      });

      const answer = await client.notify(client.paymentNotification('ntf_pay_1', submitted.paymentId!, 2500));
      expect(answer.body).toEqual({ received: true, id: 'ntf_pay_1', outcome: 'applied' });
      expect(answer.status).toBe(200);
      const paid = await http().get(`/v1/orders/${order.id}`).set(client.asMarketplace()).expect(200);
      expect(paid.body).toMatchObject({
        status: 'paid',
        latest_payment: { status: 'succeeded' },
        hold: { amount: 2500, released: 0, refunded: 0, status: 'held' },
      });
      expect(await escrowBalance(order.id)).toBe(2500n);
      const events = await http().get('/v1/events?type=order.paid').set(client.asMarketplace()).expect(200);
      expect(
        events.body.data.some(
          (event: any) => event.data.object.id === order.id && event.data.object.status === 'paid',
        ),
      ).toBe(true);
      // The card number is nowhere in the database.
      const [{ n }] = await dataSource.query(
        "SELECT COUNT(*) AS n FROM payments WHERE card_last4 = '4242' AND id = ?",
        [submitted.paymentId],
      );
      expect(Number(n)).toBe(1);
      const leaks = await dataSource.query(
        "SELECT COUNT(*) AS n FROM channel_notifications WHERE body LIKE '%4242424242424242%'",
      );
      expect(Number(leaks[0].n)).toBe(0);
    });

    it('moves money once for duplicate and reordered notifications', async () => {
      const order = await client.createOrder({ amount: 777 });
      const submitted = await client.submitCard(order.checkout_url, '4000 0000 0000 0077');
      const notification = client.paymentNotification('ntf_dup_1', submitted.paymentId!, 777);
      const answers = await Promise.all(Array.from({ length: 5 }, () => client.notify(notification)));
      answers.forEach((answer) => expect(answer.status).toBe(200));
      // A second, different id for the same success is a duplicate result, not a second payment.
      await client.notify(client.paymentNotification('ntf_dup_2', submitted.paymentId!, 777)).expect(200);
      expect(await escrowBalance(order.id)).toBe(777n);
      const [{ n }] = await dataSource.query(
        'SELECT COUNT(*) AS n FROM ledger_transactions WHERE reference = ?',
        [`payment:${submitted.paymentId}`],
      );
      expect(Number(n)).toBe(1);
      // A failure after the success is recorded and flagged, and moves nothing.
      const late = await client
        .notify(
          client.paymentNotification('ntf_dup_3', submitted.paymentId!, 777, 'CNY', 'payment.failed', {
            failure_code: 'card_declined',
          }),
        )
        .expect(200);
      expect(late.body).toMatchObject({ outcome: 'flagged', review_reason: 'late_contradiction' });
      const after = await http().get(`/v1/orders/${order.id}`).set(client.asMarketplace()).expect(200);
      expect(after.body.status).toBe('paid');
      expect(after.body.latest_payment.status).toBe('succeeded');
    });

    it('changes nothing on a bad signature, an old or future timestamp, or a malformed body', async () => {
      const order = await client.createOrder({ amount: 500 });
      const submitted = await client.submitCard(order.checkout_url, '4242424242424242');
      const notification = client.paymentNotification('ntf_bad_1', submitted.paymentId!, 500);
      await client.notify(notification, { secret: 'wrong_secret_0123456789' }).expect(400);
      await client.notify(notification, { timestamp: Math.floor(Date.now() / 1000) - 301 }).expect(400);
      await client.notify(notification, { timestamp: Math.floor(Date.now() / 1000) + 301 }).expect(400);
      await client.notify({ id: 'ntf_bad_2', type: 'payment.succeeded', data: {} }).expect(400);
      await http()
        .post('/v1/channels/sandbox/notifications')
        .set('content-type', 'application/json')
        .send(JSON.stringify(notification))
        .expect(400);
      const [{ n }] = await dataSource.query(
        "SELECT COUNT(*) AS n FROM channel_notifications WHERE notification_id LIKE 'ntf_bad_%'",
      );
      expect(Number(n)).toBe(0);
      expect(await escrowBalance(order.id)).toBe(0n);
      // The genuine one still applies afterwards.
      await client.notify(notification).expect(200);
      expect(await escrowBalance(order.id)).toBe(500n);
    });

    it('answers 404 resource_missing for a channel that does not exist, and stores nothing', async () => {
      const order = await client.createOrder({ amount: 700 });
      const submitted = await client.submitCard(order.checkout_url, '4242424242424242');
      const raw = JSON.stringify(client.paymentNotification('ntf_nochannel_1', submitted.paymentId!, 700));
      for (const signature of [signPayload(SANDBOX_SECRET, raw), undefined]) {
        const post = http()
          .post('/v1/channels/nochannel/notifications')
          .set('content-type', 'application/json');
        if (signature) post.set('danbao-signature', signature);
        const answer = await post.send(raw).expect(404);
        expect(answer.body).toEqual({
          error: {
            type: 'not_found_error',
            code: 'resource_missing',
            message: 'No such payment channel: nochannel.',
            param: 'channel',
          },
        });
      }
      const [{ n }] = await dataSource.query(
        "SELECT COUNT(*) AS n FROM channel_notifications WHERE notification_id = 'ntf_nochannel_1'",
      );
      expect(Number(n)).toBe(0);
      expect(await escrowBalance(order.id)).toBe(0n);
    });

    it('records and flags a wrong amount or currency, an unknown reference; no money moves', async () => {
      const order = await client.createOrder({ amount: 900 });
      const submitted = await client.submitCard(order.checkout_url, '4242424242424242');
      const wrongAmount = await client
        .notify(client.paymentNotification('ntf_mis_1', submitted.paymentId!, 901))
        .expect(200);
      expect(wrongAmount.body).toMatchObject({ outcome: 'flagged', review_reason: 'amount_mismatch' });
      const wrongCurrency = await client
        .notify(client.paymentNotification('ntf_mis_2', submitted.paymentId!, 900, 'USD'))
        .expect(200);
      expect(wrongCurrency.body.review_reason).toBe('amount_mismatch');
      const unknown = await client
        .notify(client.paymentNotification('ntf_mis_3', 'pay_nosuchpayment000000000000', 900))
        .expect(200);
      expect(unknown.body.review_reason).toBe('unknown_reference');
      expect(await escrowBalance(order.id)).toBe(0n);
      const current = await http().get(`/v1/orders/${order.id}`).set(client.asMarketplace()).expect(200);
      expect(current.body.status).toBe('awaiting_payment');
    });

    it('leaves a declined order payable, shows the reason, then pays with another card', async () => {
      const order = await client.createOrder({ amount: 1200 });
      const declined = await client.submitCard(order.checkout_url, '4000 0000 0000 0002');
      await client
        .notify(
          client.paymentNotification('ntf_decl_1', declined.paymentId!, 1200, 'CNY', 'payment.failed', {
            failure_code: 'card_declined',
          }),
        )
        .expect(200);
      const afterDecline = await http().get(`/v1/orders/${order.id}`).set(client.asMarketplace()).expect(200);
      expect(afterDecline.body).toMatchObject({
        status: 'awaiting_payment',
        latest_payment: { status: 'failed', failure_code: 'card_declined' },
      });
      const page = await http().get(new URL(order.checkout_url).pathname).expect(200);
      expect(page.text).toContain('card_declined');
      await payOrder(order, 'ntf_decl_2');
      expect(await escrowBalance(order.id)).toBe(1200n);
    });

    it('pays once when the form is submitted twice', async () => {
      const order = await client.createOrder({ amount: 640 });
      // One form, loaded once, posted twice at the same moment (a double click).
      const path = new URL(order.checkout_url).pathname;
      const page = await http().get(path).expect(200);
      const token = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
      const post = () =>
        http()
          .post(path)
          .set('cookie', page.headers['set-cookie'])
          .type('form')
          .send({ _csrf: token, card_number: '4242424242424242', expiry: '12/34', cvc: '123' });
      const [first, second] = await Promise.all([post(), post()]);
      expect([first.status, second.status]).toEqual([303, 303]);
      expect(first.headers.location).toBe(second.headers.location);
      const [{ n }] = await dataSource.query('SELECT COUNT(*) AS n FROM payments WHERE session_id = ?', [
        path.split('/').pop(),
      ]);
      expect(Number(n)).toBe(1);
      const [{ charges }] = await dataSource.query(
        'SELECT COUNT(*) AS charges FROM sandbox_charges WHERE reference = ?',
        [/payments\/(pay_[0-9a-z]+)/.exec(first.headers.location)![1]],
      );
      expect(Number(charges)).toBe(1);
    });

    it('escapes merchant text on the page and refuses a form without its CSRF token', async () => {
      const order = await client.createOrder({ description: '<script>alert(1)</script> teapot' });
      const path = new URL(order.checkout_url).pathname;
      const page = await http().get(path).expect(200);
      expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt; teapot');
      expect(page.text).not.toContain('<script>alert(1)');
      expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(page.text).toContain('¥19.99');
      const forged = await http()
        .post(path)
        .set('cookie', page.headers['set-cookie'])
        .type('form')
        .send({ card_number: '4242424242424242', expiry: '12/34', cvc: '123' });
      expect(forged.status).toBe(403);
      const [{ n }] = await dataSource.query('SELECT COUNT(*) AS n FROM payments WHERE session_id = ?', [
        path.split('/').pop(),
      ]);
      expect(Number(n)).toBe(0);
    });
  });

  describe('carts', () => {
    it('pays three orders of three sellers with one payment: three holds summing to the payment', async () => {
      const orders = await Promise.all(
        ['seller_c1', 'seller_c2', 'seller_c3'].map((sellerId, i) =>
          client.createOrder({ buyer_id: 'buyer_cart', seller_id: sellerId, amount: 1000 * (i + 1) }),
        ),
      );
      const cart = await http()
        .post('/v1/checkout_sessions')
        .set(client.asMarketplace())
        .send({ order_ids: orders.map((order) => order.id) })
        .expect(201);
      expect(cart.body).toMatchObject({
        amount: 6000,
        currency: 'CNY',
        order_ids: orders.map((order) => order.id),
      });
      const submitted = await client.submitCard(cart.body.checkout_url, '4242424242424242');
      await client.notify(client.paymentNotification('ntf_cart_1', submitted.paymentId!, 6000)).expect(200);
      const balances = await Promise.all(orders.map((order) => escrowBalance(order.id)));
      expect(balances).toEqual([1000n, 2000n, 3000n]);
      for (const order of orders) {
        const current = await http().get(`/v1/orders/${order.id}`).set(client.asMarketplace()).expect(200);
        expect(current.body).toMatchObject({
          status: 'paid',
          latest_payment: { id: submitted.paymentId, status: 'succeeded' },
          hold: { status: 'held' },
        });
      }
      // Each order's own session can no longer be paid.
      const own = await client.submitCard(orders[0].checkout_url, '4242424242424242').catch(() => undefined);
      expect(own).toBeUndefined(); // the page itself answers "already paid" (no form), see below
      const page = await http().get(new URL(orders[0].checkout_url).pathname).expect(200);
      expect(page.text).toContain('Already paid');
    });

    it('refuses mixed buyers, mixed currencies, unknown and unpayable orders', async () => {
      const a = await client.createOrder({ buyer_id: 'buyer_m1' });
      const b = await client.createOrder({ buyer_id: 'buyer_m2' });
      const c = await client.createOrder({ buyer_id: 'buyer_m1', currency: 'USD' });
      const d = await client.createOrder({ buyer_id: 'buyer_m1' });
      const cart = (ids: string[]) =>
        http().post('/v1/checkout_sessions').set(client.asMarketplace()).send({ order_ids: ids });
      expect((await cart([a.id, b.id]).expect(400)).body.error.code).toBe('cart_mixed_buyers');
      expect((await cart([a.id, c.id]).expect(400)).body.error.code).toBe('cart_mixed_currencies');
      await cart([a.id, 'ord_00000000000000000000000000']).expect(404);
      // An id that is not ours is unknown, whatever its shape.
      for (const id of ['ord_nope', 'not-an-order', 'ORD_00000000000000000000000000', 'x'.repeat(300)]) {
        const answer = await cart([a.id, id]).expect(404);
        expect(answer.body).toEqual({
          error: {
            type: 'not_found_error',
            code: 'resource_missing',
            message: `No such order: ${id}.`,
            param: 'order_ids',
          },
        });
      }
      await cart([a.id]).expect(400);
      await http().post(`/v1/orders/${d.id}/cancel`).set(client.asMarketplace()).expect(200);
      expect((await cart([a.id, d.id]).expect(409)).body.error.code).toBe('order_not_payable');
    });
  });

  describe('expiry and cancellation', () => {
    it("expires the open sessions due by an expiry job's time, and those of jobs older releases queued", async () => {
      const [due, later, legacy, legacyOne] = [
        await client.createOrder(),
        await client.createOrder(),
        await client.createOrder(),
        await client.createOrder(),
      ];
      const idOf = (order: Record<string, any>) => new URL(order.checkout_url).pathname.split('/').pop()!;
      const overdue = (...orders: Record<string, any>[]) =>
        dataSource.query(
          `UPDATE checkout_sessions SET expires_at = ? WHERE id IN (${orders.map(() => '?').join(',')})`,
          [new Date(Date.now() - 60_000), ...orders.map(idOf)],
        );
      const status = async (order: Record<string, any>) =>
        (await http().get(`/v1/orders/${order.id}`).set(client.asMarketplace()).expect(200)).body.status;
      const checkout = app.get(CheckoutService);
      // A job of this release carries its due time only: the sessions due by then expire, later ones not.
      await overdue(due);
      expect(await checkout.expireSessionsOfJob({ dueAt: Date.now() - 1_000 })).toBeGreaterThanOrEqual(1);
      expect(await status(due)).toBe('expired');
      expect(await status(later)).toBe('awaiting_payment');
      // Jobs queued by older releases name their sessions (several, or one).
      await overdue(legacy, legacyOne);
      expect(await checkout.expireSessionsOfJob({ sessionIds: [idOf(legacy)] })).toBe(1);
      expect(await checkout.expireSessionsOfJob({ sessionId: idOf(legacyOne) })).toBe(1);
      expect(await status(legacy)).toBe('expired');
      expect(await status(legacyOne)).toBe('expired');
      expect(await status(later)).toBe('awaiting_payment');
    });

    it('expires an unpaid session through the sweep; the page says so and cannot be paid', async () => {
      const order = await client.createOrder();
      const sessionId = new URL(order.checkout_url).pathname.split('/').pop();
      await dataSource.query('UPDATE checkout_sessions SET expires_at = ? WHERE id = ?', [
        new Date(Date.now() - 1000),
        sessionId,
      ]);
      expect(await app.get(CheckoutService).expireOverdueSessions()).toBeGreaterThanOrEqual(1);
      const expired = await http().get(`/v1/orders/${order.id}`).set(client.asMarketplace()).expect(200);
      expect(expired.body.status).toBe('expired');
      const page = await http().get(`/checkout/${sessionId}`).expect(200);
      expect(page.text).toContain('expired');
      expect(page.text).not.toContain('name="card_number"');
    });

    it('cancels before payment only', async () => {
      const unpaid = await client.createOrder();
      const cancelled = await http()
        .post(`/v1/orders/${unpaid.id}/cancel`)
        .set(client.asMarketplace())
        .expect(200);
      expect(cancelled.body.status).toBe('cancelled');
      const paid = await client.createOrder({ amount: 300 });
      await payOrder(paid, 'ntf_cancel_1');
      const refused = await http()
        .post(`/v1/orders/${paid.id}/cancel`)
        .set(client.asMarketplace())
        .expect(409);
      expect(refused.body.error.code).toBe('order_not_cancellable');
      expect(await escrowBalance(paid.id)).toBe(300n);
    });

    it('writes order.cancelled and order.expired showing the order as GET does, its declined payment included', async () => {
      const declinedOrder = async (notificationId: string) => {
        const order = await client.createOrder({ amount: 800 });
        const declined = await client.submitCard(order.checkout_url, '4000 0000 0000 0002');
        await client
          .notify(
            client.paymentNotification(notificationId, declined.paymentId!, 800, 'CNY', 'payment.failed', {
              failure_code: 'card_declined',
            }),
          )
          .expect(200);
        return { order, paymentId: declined.paymentId! };
      };
      const event = async (type: string, orderId: string) => {
        const [row] = await dataSource.query(
          'SELECT payload FROM outbox_events WHERE type = ? AND object_id = ?',
          [type, orderId],
        );
        return JSON.parse(row.payload).data.object;
      };
      const current = async (orderId: string) =>
        (await http().get(`/v1/orders/${orderId}`).set(client.asMarketplace()).expect(200)).body;

      const toCancel = await declinedOrder('ntf_evt_cancel');
      await http().post(`/v1/orders/${toCancel.order.id}/cancel`).set(client.asMarketplace()).expect(200);
      const cancelled = await current(toCancel.order.id);
      expect(cancelled).toMatchObject({
        status: 'cancelled',
        latest_payment: { id: toCancel.paymentId, status: 'failed', failure_code: 'card_declined' },
      });
      expect(await event('order.cancelled', toCancel.order.id)).toEqual(cancelled);

      const toExpire = await declinedOrder('ntf_evt_expire');
      const sessionId = new URL(toExpire.order.checkout_url).pathname.split('/').pop()!;
      await dataSource.query('UPDATE checkout_sessions SET expires_at = ? WHERE id = ?', [
        new Date(Date.now() - 1000),
        sessionId,
      ]);
      expect(await app.get(CheckoutService).expireSession(sessionId)).toBe(true);
      const expired = await current(toExpire.order.id);
      expect(expired).toMatchObject({
        status: 'expired',
        latest_payment: { id: toExpire.paymentId, status: 'failed', failure_code: 'card_declined' },
      });
      expect(await event('order.expired', toExpire.order.id)).toEqual(expired);
    });

    it('does not expire an order under a payment in flight; its late success pays it', async () => {
      // Issue 11: this test used to assert that expiry won and the success was only flagged
      // (refund_required), with the buyer charged and no ledger entry. Expiry now waits.
      const order = await client.createOrder({ amount: 450 });
      const submitted = await client.submitCard(order.checkout_url, '4000000000000341');
      const sessionId = new URL(order.checkout_url).pathname.split('/').pop();
      await dataSource.query('UPDATE checkout_sessions SET expires_at = ? WHERE id = ?', [
        new Date(Date.now() - 1000),
        sessionId,
      ]);
      expect(await app.get(CheckoutService).expireSession(sessionId!)).toBe(false);
      expect(await app.get(CheckoutService).expireOverdueSessions()).toBe(0);
      const waiting = await http().get(`/v1/orders/${order.id}`).set(client.asMarketplace()).expect(200);
      expect(waiting.body).toMatchObject({
        status: 'awaiting_payment',
        latest_payment: { status: 'processing' },
      });
      const late = await client
        .notify(client.paymentNotification('ntf_late_1', submitted.paymentId!, 450))
        .expect(200);
      expect(late.body).toMatchObject({ outcome: 'applied' });
      expect(await escrowBalance(order.id)).toBe(450n);
      const [payment] = await dataSource.query('SELECT status, review_reason FROM payments WHERE id = ?', [
        submitted.paymentId,
      ]);
      expect(payment).toEqual({ status: 'succeeded', review_reason: null });
    });
  });
});

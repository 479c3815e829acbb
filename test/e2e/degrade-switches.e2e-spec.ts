// Proves the degrade switches (API.md, /v1/admin/switches): admins list and flip them (audited,
// validated, for admins only); a switched-off feature answers 503 `degraded` with Retry-After on
// exactly its routes (listings, statements and the seller console, reports and their console page,
// payout requests) while payments and single objects go on; a refused payout request is not stored
// against its Idempotency-Key; a scheduled payout run waits and runs once payouts are on again; and
// with webhooks off the worker process stops within 5 s, deliveries wait, and each event arrives
// once when they are on again. Real: the api in-process and listening, a worker process, MariaDB,
// Redis, an HTTP receiver on 127.0.0.1 (WEBHOOK_ALLOW_LOOPBACK=true).
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { RefundService } from '@danbao/channels';
import { ReleaseService } from '@danbao/escrow';
import { Accounts, LedgerService } from '@danbao/ledger';
import { OutboxRelay, OutboxService, type RecordedEvent } from '@danbao/notifications';
import {
  ApiKeyService,
  DEGRADABLE_METADATA,
  databaseOf,
  QueueRegistry,
  runInTransaction,
  SWITCH_NAMES,
  TokenService,
} from '@danbao/platform';
import { SETTLEMENT_QUEUE, settlementReconcilers, SettlementService } from '@danbao/settlement';
import { makePaidOrder, shipOrders, Stack, startStack, waitFor } from '@danbao/testing';
import { AppModule } from '../../apps/api/src/app.module';
import { PAYOUT_RUN_JOB } from '../../apps/worker/src/handlers/settlement.handlers';
import { controllerRoutes } from '../support/routes';
import { Receiver } from '../support/webhook-receiver';

const ADMIN_EMAIL = 'switches@ops.test';

describe('degrade switches', () => {
  let stack: Stack;
  let app: NestFastifyApplication;
  let dataSource: DataSource;
  let tokens: TokenService;
  let ledger: LedgerService;
  let apiKey: string;
  let receiver: Receiver;

  beforeAll(async () => {
    stack = await startStack(AppModule.forRoot, {
      listen: true,
      // At info, the worker logs each switch it sees flip: the tests wait for those lines.
      worker: { LOG_LEVEL: 'info' },
      overrides: {
        WEBHOOK_ALLOW_LOOPBACK: 'true',
        PAYOUT_DELAY: '0s',
        PAYOUT_MINIMUM: '100',
        SWEEP_INTERVAL: '1h',
      },
    });
    ({ app } = stack);
    dataSource = app.get(DataSource);
    tokens = app.get(TokenService);
    ledger = app.get(LedgerService);
    apiKey = (await app.get(ApiKeyService).create('switches test')).key;
    receiver = await new Receiver().start();
  });

  afterEach(async () => {
    // Every test leaves every switch on again, and the books clean.
    for (const name of SWITCH_NAMES) await flip(name, true);
    const report = await ledger.check(undefined, [
      app.get(RefundService).suspenseReconciler,
      ...settlementReconcilers(ledger),
    ]);
    expect(report.violations).toEqual([]);
  });

  afterAll(async () => {
    await receiver?.stop();
    await stack?.stop();
  });

  const http = () => request(app.getHttpServer());
  const marketplace = () => ({ Authorization: `Bearer ${apiKey}` });
  const bearer = (role: 'buyer' | 'seller' | 'admin', id: string) => ({
    Authorization: `Bearer ${tokens.mint(role, id, 600, role === 'admin' ? ADMIN_EMAIL : undefined).token}`,
  });
  const admin = () => bearer('admin', 'adm_switches');
  async function flip(name: string, enabled: boolean) {
    const response = await http().put(`/v1/admin/switches/${name}`).set(admin()).send({ enabled });
    expect(response.status).toBe(200);
    return response.body as { name: string; enabled: boolean; updated_at: string; updated_by: string };
  }
  /** Flips a switch and waits until the worker process logs that it saw it; answers how long that took. */
  async function flipAndWaitForWorker(name: string, enabled: boolean): Promise<number> {
    const line = new RegExp(`switch ${name} is ${enabled ? 'on' : 'off'}`, 'g');
    const seen = async () => (stack.worker!.output().match(line) ?? []).length;
    const before = await seen();
    const flippedAt = Date.now();
    await flip(name, enabled);
    expect(await waitFor(seen, (count) => count > before, 10_000)).toBe(before + 1);
    return Date.now() - flippedAt;
  }
  const expectDegraded = (response: request.Response, name: string) => {
    expect({ status: response.status, retryAfter: response.headers['retry-after'] }).toEqual({
      status: 503,
      retryAfter: '30',
    });
    expect(response.body.error).toMatchObject({ type: 'unavailable_error', code: 'degraded' });
    expect(response.body.error.message).toContain(name);
  };

  it('lists the five switches, on and never flipped, to admins only', async () => {
    const listed = await http().get('/v1/admin/switches').set(admin()).expect(200);
    expect(listed.body.data).toEqual(
      ['statements', 'listings', 'webhooks', 'payouts', 'reports'].map((name) => ({
        name,
        enabled: true,
        updated_at: null,
        updated_by: null,
      })),
    );
    expect(listed.body.has_more).toBe(false);

    await http().get('/v1/admin/switches').expect(401);
    await http().get('/v1/admin/switches').set(marketplace()).expect(403);
    await http().get('/v1/admin/switches').set(bearer('seller', 'sel_switches')).expect(403);
    const refused = await http()
      .put('/v1/admin/switches/listings')
      .set(bearer('buyer', 'buy_switches'))
      .send({ enabled: false });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('forbidden');
  });

  it('refuses a flip with a bad body or an unknown switch, and changes nothing', async () => {
    const cases: Array<[string, unknown, number, string, string | undefined]> = [
      ['listings', { enabled: 'no' }, 400, 'parameter_invalid', 'enabled'],
      ['listings', { enabled: 0 }, 400, 'parameter_invalid', 'enabled'],
      ['listings', {}, 400, 'parameter_missing', 'enabled'],
      ['listings', { enabled: false, until: 'later' }, 400, 'parameter_unknown', 'until'],
      ['checkout', { enabled: false }, 404, 'resource_missing', 'name'],
    ];
    const before = (await http().get('/v1/admin/switches').set(admin()).expect(200)).body.data;
    for (const [name, body, status, code, param] of cases) {
      const response = await http()
        .put(`/v1/admin/switches/${name}`)
        .set(admin())
        .send(body as object);
      expect({
        name,
        body,
        status: response.status,
        code: response.body.error?.code,
        param: response.body.error?.param,
      }).toEqual({
        name,
        body,
        status,
        code,
        param,
      });
    }
    const after = (await http().get('/v1/admin/switches').set(admin()).expect(200)).body.data;
    expect(after).toEqual(before);
  });

  it('marks exactly the routes of each feature, and no payment route', () => {
    const marked: Record<string, string[]> = {};
    for (const route of controllerRoutes(app)) {
      const names =
        Reflect.getMetadata(DEGRADABLE_METADATA, route.handler) ??
        Reflect.getMetadata(DEGRADABLE_METADATA, route.controller);
      if (names) marked[`${route.method} ${route.path}`] = names;
    }
    expect(marked).toEqual({
      'GET /v1/orders': ['listings'],
      'GET /v1/disputes': ['listings'],
      'GET /v1/admin/disputes': ['listings'],
      'GET /v1/admin/holds': ['listings'],
      'GET /v1/admin/payments': ['listings'],
      'GET /v1/admin/refunds': ['listings'],
      'GET /v1/events': ['listings'],
      'GET /v1/payouts': ['listings'],
      'GET /v1/webhook_endpoints': ['listings'],
      'GET /v1/webhook_endpoints/:id/deliveries': ['listings'],
      'GET /v1/admin/audit': ['reports', 'listings'],
      'GET /v1/admin/reconciliation': ['reports'],
      'GET /admin/reconciliation': ['reports'],
      'GET /v1/statements': ['statements'],
      'GET /seller': ['statements'],
      'GET /seller/statement.csv': ['statements'],
      'POST /v1/payouts': ['payouts'],
      'POST /v1/admin/payout_runs': ['payouts'],
    });
    // Every GET of a /v1 collection is a listing, a report or a statement: a new list route
    // without its switch fails here. Single objects (and the switches themselves) are not.
    const singles = ['/v1/balance', '/v1/admin/ledger/check', '/v1/admin/switches'];
    const collections = controllerRoutes(app)
      .filter((route) => route.method === 'GET' && route.path.startsWith('/v1/'))
      .filter((route) => !/\/:[a-z_]+$/.test(route.path) && !singles.includes(route.path))
      .map((route) => `GET ${route.path}`);
    expect(collections.filter((route) => !marked[route])).toEqual([]);
  });

  it('listings off: list routes answer 503 degraded; payments, single objects and the switches go on', async () => {
    const order = (
      await http()
        .post('/v1/orders')
        .set(marketplace())
        .send({
          buyer_id: 'buy_sw',
          seller_id: 'sel_sw',
          amount: 1999,
          currency: 'CNY',
          description: 'A teapot',
        })
        .expect(201)
    ).body as { id: string };

    const before = Date.now();
    const flipped = await flip('listings', false);
    expect(flipped).toEqual({
      name: 'listings',
      enabled: false,
      updated_at: expect.any(String),
      updated_by: ADMIN_EMAIL,
    });
    expect(Date.parse(flipped.updated_at)).toBeGreaterThanOrEqual(before - 1000);

    expectDegraded(await http().get('/v1/orders').set(marketplace()), 'listings');
    expectDegraded(await http().get('/v1/events').set(marketplace()), 'listings');
    expectDegraded(await http().get('/v1/payouts').set(bearer('seller', 'sel_sw')), 'listings');
    expectDegraded(await http().get('/v1/admin/disputes').set(admin()), 'listings');
    expectDegraded(await http().get('/v1/admin/audit').set(admin()), 'listings');
    // Who may not call it at all is told so first.
    await http().get('/v1/orders').expect(401);
    await http().get('/v1/admin/holds').set(bearer('buyer', 'buy_sw')).expect(403);

    // Payments and single objects are untouched.
    const during = await http()
      .post('/v1/orders')
      .set(marketplace())
      .send({
        buyer_id: 'buy_sw',
        seller_id: 'sel_sw',
        amount: 2500,
        currency: 'CNY',
        description: 'A kettle',
      })
      .expect(201);
    expect(during.body).toMatchObject({ object: 'order', status: 'awaiting_payment' });
    const one = await http().get(`/v1/orders/${order.id}`).set(marketplace()).expect(200);
    expect(one.body.id).toBe(order.id);
    await http().get('/v1/balance').set(bearer('seller', 'sel_sw')).expect(200);
    const listed = await http().get('/v1/admin/switches').set(admin()).expect(200);
    expect(listed.body.data.find((item: { name: string }) => item.name === 'listings')).toEqual(flipped);

    await flip('listings', true);
    const orders = await http().get('/v1/orders').set(marketplace()).expect(200);
    expect(orders.body.data.map((item: { id: string }) => item.id)).toEqual(
      expect.arrayContaining([order.id, during.body.id]),
    );
    // Both flips are in the audit log, with who, before and after.
    const audit = await http().get('/v1/admin/audit?action=switch.update').set(admin()).expect(200);
    expect(
      audit.body.data.slice(0, 2).map((entry: Record<string, any>) => ({
        subject: entry.subject_id,
        actor: entry.actor.email,
        before: entry.before,
        after: entry.after,
      })),
    ).toEqual([
      { subject: 'listings', actor: ADMIN_EMAIL, before: { enabled: false }, after: { enabled: true } },
      { subject: 'listings', actor: ADMIN_EMAIL, before: { enabled: true }, after: { enabled: false } },
    ]);
  });

  it('statements and reports off: their routes and console pages answer 503, the books check goes on', async () => {
    await flip('statements', false);
    expectDegraded(
      await http().get('/v1/statements?currency=CNY').set(bearer('seller', 'sel_sw')),
      'statements',
    );
    const sellerToken = tokens.mint('seller', 'sel_sw', 600).token;
    const page = await http().get('/seller').set('Cookie', `danbao_seller=${sellerToken}`);
    expect({
      status: page.status,
      retryAfter: page.headers['retry-after'],
      type: page.headers['content-type'],
    }).toEqual({
      status: 503,
      retryAfter: '30',
      type: 'text/html; charset=utf-8',
    });
    expect(page.text).toContain('switched off');
    // Reports are still on.
    await http().get('/v1/admin/reconciliation').set(admin()).expect(200);

    await flip('reports', false);
    expectDegraded(await http().get('/v1/admin/reconciliation').set(admin()), 'reports');
    expectDegraded(await http().get('/v1/admin/audit').set(admin()), 'reports');
    const adminToken = tokens.mint('admin', 'adm_switches', 600, ADMIN_EMAIL).token;
    const console = await http().get('/admin/reconciliation').set('Cookie', `danbao_admin=${adminToken}`);
    expect(console.status).toBe(503);
    expect(console.text).toContain('switched off');
    const books = await http().get('/v1/admin/ledger/check').set(admin()).expect(200);
    expect(books.body.balanced).toBe(true);

    await flip('statements', true);
    await flip('reports', true);
    await http().get('/v1/statements?currency=CNY').set(bearer('seller', 'sel_sw')).expect(200);
    await http().get('/v1/admin/reconciliation').set(admin()).expect(200);
  });

  it('payouts off: payout requests answer 503 without using their key, and the scheduled run waits', async () => {
    const seller = `sel_sw_payouts_${Date.now().toString(36)}`;
    const order = await makePaidOrder(dataSource, { sellerId: seller, amount: 10_000n, feeBps: 200 });
    await shipOrders(dataSource, [order], { autoConfirmAt: new Date(), confirmedAt: new Date() });
    expect((await app.get(ReleaseService).releaseBatch([order])).get(order.holdId)).toMatchObject({
      status: 'released',
    });
    await app.get(SettlementService).matureDue();
    const available = () => ledger.balance(Accounts.sellerAvailable(seller), 'CNY');
    expect(await available()).toBe(9_800n);

    expect(await flipAndWaitForWorker('payouts', false)).toBeLessThan(5_000);
    const key = `payout-${seller}`;
    const refused = await http()
      .post('/v1/payouts')
      .set(bearer('seller', seller))
      .set('Idempotency-Key', key)
      .send({ amount: 1000, currency: 'CNY' });
    expectDegraded(refused, 'payouts');
    expectDegraded(await http().post('/v1/admin/payout_runs').set(admin()).send({}), 'payouts');

    // The daily run, as its scheduler would start it: it waits, and pays nobody.
    const queue = app.get(QueueRegistry).get(SETTLEMENT_QUEUE);
    const run = await queue.add(PAYOUT_RUN_JOB, {}, { jobId: `run-while-off-${seller}` });
    const state = () => queue.getJob(run.id!).then((job) => job?.getState());
    expect(await waitFor(state, (value) => value === 'delayed', 15_000)).toBe('delayed');
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    expect(await state()).toBe('delayed');
    const [{ n: none }] = await dataSource.query('SELECT COUNT(*) AS n FROM payouts WHERE seller_id = ?', [
      seller,
    ]);
    expect(Number(none)).toBe(0);
    expect(await available()).toBe(9_800n);

    await flip('payouts', true);
    // The same key now runs the request (the refusal was not stored as its answer).
    const manual = await http()
      .post('/v1/payouts')
      .set(bearer('seller', seller))
      .set('Idempotency-Key', key)
      .send({ amount: 1000, currency: 'CNY' });
    expect(manual.status).toBe(201);
    expect(manual.headers['idempotent-replayed']).toBeUndefined();
    // The waiting run goes once the switch is on, and pays what is left.
    expect(await waitFor(state, (value) => value === 'completed', 20_000)).toBe('completed');
    const rows = await dataSource.query('SELECT amount FROM payouts WHERE seller_id = ? ORDER BY id', [
      seller,
    ]);
    expect(rows.map((row: { amount: string }) => BigInt(row.amount))).toEqual([1_000n, 8_800n]);
    expect(await available()).toBe(0n);
  }, 60_000);

  it('webhooks off: the worker stops within 5 s, deliveries wait, and each event arrives once when on again', async () => {
    const endpoint = await http()
      .post('/v1/webhook_endpoints')
      .set(marketplace())
      .send({ url: receiver.url, events: ['*'] })
      .expect(201);
    const tookMs = await flipAndWaitForWorker('webhooks', false);
    expect(tookMs).toBeLessThan(5_000);
    // Logged right after the switch line, but it may reach this process in a later chunk.
    const held = async () => /notifications wait/.test(stack.worker!.output());
    expect(await waitFor(held, (seen) => seen, 2_000)).toBe(true);

    const events: RecordedEvent[] = [];
    for (let index = 0; index < 3; index += 1) {
      events.push(
        await runInTransaction(databaseOf(dataSource), (tx) =>
          app.get(OutboxService).record(tx, 'order.paid', `ord_switch_${index}`, { object: 'order' }),
        ),
      );
    }
    await app.get(OutboxRelay).kick();
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    expect(receiver.received.length).toBe(0);
    // No notification work ran at all: not even the relay, which would have published them.
    const published = await dataSource.query(
      'SELECT COUNT(*) AS n FROM outbox_events WHERE id IN (?) AND published_at IS NOT NULL',
      [events.map((event) => event.id)],
    );
    expect(Number(published[0].n)).toBe(0);
    // The events themselves can be read while their deliveries wait.
    const one = await http().get(`/v1/events/${events[0].id}`).set(marketplace()).expect(200);
    expect(one.body).toMatchObject({ id: events[0].id, type: 'order.paid' });

    await flip('webhooks', true);
    const arrived = async () => events.filter((event) => receiver.of(event.id).length > 0).length;
    expect(await waitFor(arrived, (count) => count === events.length, 15_000)).toBe(events.length);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(events.map((event) => receiver.of(event.id).length)).toEqual([1, 1, 1]);
    const deliveries = await http()
      .get(`/v1/webhook_endpoints/${endpoint.body.id}/deliveries`)
      .set(marketplace())
      .expect(200);
    // (Events of the earlier tests, a payout paid by the sandbox bank say, may be delivered too.)
    const ours = new Set(events.map((event) => event.id));
    expect(
      deliveries.body.data
        .filter((delivery: { event_id: string }) => ours.has(delivery.event_id))
        .map((delivery: { status: string }) => delivery.status),
    ).toEqual(['succeeded', 'succeeded', 'succeeded']);
    console.log(`webhooks switch reached the worker in ${tookMs} ms`);
  }, 60_000);
});

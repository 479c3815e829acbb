// Proves that an Idempotency-Key belongs to its first request until that request finishes, however
// long it runs (issue 11, item 4), and that the key of a request that died becomes usable again
// once its lease lapses. Real: the api's full stack, MariaDB, Redis. The lease window is
// shortened to 600 ms (instead of 60 s) and order creation is held at a gate by the test.
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { CheckoutService } from '@danbao/checkout';
import { LedgerService } from '@danbao/ledger';
import { ApiKeyService, IDEMPOTENCY_LEASE, IdempotencyService, principalKey } from '@danbao/platform';
import { Stack, startStack } from '@danbao/testing';
import { AppModule } from './app.module';

const LEASE_MS = 600;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('an Idempotency-Key whose first request outlives the lease window', () => {
  let stack: Stack;
  let app: NestFastifyApplication;
  let dataSource: DataSource;
  let apiKey: string;
  let apiKeyId: string;
  // Opens a gate a failed test left closed, so that the app can close.
  let openGate = () => {};

  beforeAll(async () => {
    stack = await startStack(AppModule.forRoot, { app: { overrides: [[IDEMPOTENCY_LEASE, LEASE_MS]] } });
    app = stack.app;
    dataSource = app.get(DataSource);
    const created = await app.get(ApiKeyService).create('lease test');
    apiKey = created.key;
    apiKeyId = created.id;
  });

  afterEach(async () => {
    openGate();
    jest.restoreAllMocks();
    const report = await app.get(LedgerService).check();
    expect(report.violations).toEqual([]);
    expect(report.balanced).toBe(true);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const orderBody = (buyer: string) => ({
    buyer_id: buyer,
    seller_id: 'seller_lease',
    amount: 1999,
    currency: 'CNY',
    description: 'A slow teapot',
  });
  const postOrder = (key: string, buyer: string) =>
    request(app.getHttpServer())
      .post('/v1/orders')
      .set('Authorization', `Bearer ${apiKey}`)
      .set('Idempotency-Key', key)
      .send(orderBody(buyer));
  const ordersOf = async (buyer: string) =>
    Number((await dataSource.query('SELECT COUNT(*) AS n FROM orders WHERE buyer_id = ?', [buyer]))[0].n);

  it('answers a retry 409 idempotency_in_progress while the first runs past the window, then replays it', async () => {
    // The first creation waits at a gate the test opens; later ones run at once.
    const checkout = app.get(CheckoutService);
    const createOrder = checkout.createOrder.bind(checkout);
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    jest.spyOn(checkout, 'createOrder').mockImplementationOnce(async (input) => {
      entered();
      await gate;
      return createOrder(input);
    });

    const first = postOrder('slow-1', 'buyer_slow').then((response) => response);
    await inside;
    await sleep(LEASE_MS * 3);

    const retry = await postOrder('slow-1', 'buyer_slow');
    expect(retry.status).toBe(409);
    expect(retry.body).toEqual({
      error: {
        type: 'conflict_error',
        code: 'idempotency_in_progress',
        message: expect.any(String),
      },
    });
    expect(await ordersOf('buyer_slow')).toBe(0);

    openGate();
    const answer = await first;
    expect(answer.status).toBe(201);
    const replay = await postOrder('slow-1', 'buyer_slow');
    expect(replay.status).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(answer.body);
    expect(await ordersOf('buyer_slow')).toBe(1);
  });

  it('lets a retry run once the lease of a request that died has lapsed, and the dead one cannot overwrite it', async () => {
    const store = app.get(IdempotencyService);
    const scope = {
      principal: principalKey({ role: 'marketplace', id: apiKeyId }),
      key: 'dead-1',
      method: 'POST',
      path: '/v1/orders',
      body: orderBody('buyer_dead'),
    };
    // A request reserved the key, then its process died: nothing renews its lease.
    const dead = await store.reserve(scope);
    expect(dead.kind).toBe('reserved');
    const busy = await postOrder('dead-1', 'buyer_dead');
    expect(busy.status).toBe(409);
    expect(busy.body.error.code).toBe('idempotency_in_progress');

    await sleep(LEASE_MS * 2);
    const retry = await postOrder('dead-1', 'buyer_dead');
    expect(retry.status).toBe(201);

    // The dead request's late completion or release changes nothing of the retry's key.
    const owner = (dead as { owner?: string }).owner;
    await store.complete(scope, owner as never, 500, { error: 'stale' });
    await store.release(scope, owner as never);
    const replay = await postOrder('dead-1', 'buyer_dead');
    expect(replay.status).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(retry.body);
    expect(await ordersOf('buyer_dead')).toBe(1);
  });
});

// Proves that minted bearer tokens are never stored for replay (issue 11, item 8): POST
// /v1/auth/tokens keeps its Idempotency-Key's guards (422 for another body, 409 while running),
// but a retry with the same key and body mints a fresh token, and idempotency_keys holds no token.
// Other POST routes still replay their stored answer. Real: the api's full stack, MariaDB, Redis.
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { Stack, startStack } from '@danbao/testing';
import { AppModule } from '../../apps/api/src/app.module';
import { ApiClient } from '../support/api-client';

describe('token minting and idempotency keys', () => {
  let stack: Stack;
  let app: NestFastifyApplication;
  let client: ApiClient;
  let dataSource: DataSource;

  beforeAll(async () => {
    stack = await startStack(AppModule.forRoot);
    app = stack.app;
    client = await ApiClient.create(app);
    dataSource = app.get(DataSource);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const mint = (key: string, body: Record<string, unknown>) =>
    client.http().post('/v1/auth/tokens').set(client.asMarketplace()).set('Idempotency-Key', key).send(body);
  const storedBodies = async () =>
    (
      (await dataSource.query('SELECT response_body FROM idempotency_keys')) as {
        response_body: string | null;
      }[]
    )
      .map((row) => row.response_body ?? '')
      .join('\n');

  it('mints a fresh token on a retry with the same key, and stores none', async () => {
    const body = { role: 'buyer', subject_id: 'buyer_replay', ttl_seconds: 600 };
    const first = await mint('mint-key-1', body).expect(201);
    const retry = await mint('mint-key-1', body).expect(201);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(retry.body).toMatchObject({ object: 'token', role: 'buyer', subject_id: 'buyer_replay' });
    expect(retry.body.token).not.toBe(first.body.token);
    // Both work.
    for (const token of [first.body.token, retry.body.token])
      await client.http().get('/v1/orders').set('Authorization', `Bearer ${token}`).expect(200);
    // The key is recorded (its guards hold) but no answer of the route is kept.
    const [row] = await dataSource.query(
      "SELECT state, response_body FROM idempotency_keys WHERE idempotency_key = 'mint-key-1'",
    );
    expect(row).toBeDefined();
    expect(row.response_body).toBeNull();
    const stored = await storedBodies();
    for (const token of [first.body.token, retry.body.token]) {
      expect(stored).not.toContain(token);
      expect(stored).not.toContain(token.split('.')[2]);
    }
  });

  it('still answers 422 to the same key with another body', async () => {
    await mint('mint-key-2', { role: 'seller', subject_id: 'seller_1' }).expect(201);
    const other = await mint('mint-key-2', { role: 'seller', subject_id: 'seller_2' }).expect(422);
    expect(other.body.error.code).toBe('idempotency_mismatch');
  });

  it('still replays the stored answer of other routes', async () => {
    const create = () =>
      client
        .http()
        .post('/v1/orders')
        .set(client.asMarketplace())
        .set('Idempotency-Key', 'order-key-1')
        .send({
          buyer_id: 'buyer_a',
          seller_id: 'seller_a',
          amount: 1999,
          currency: 'CNY',
          description: 'A pot',
        });
    const first = await create().expect(201);
    const replay = await create().expect(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(first.body);
  });
});

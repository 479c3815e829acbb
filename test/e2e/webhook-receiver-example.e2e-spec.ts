// Proves the documented webhook verification: test/examples/webhook-receiver.js (the receiver the
// docs show) runs as its own process, is registered as an endpoint and accepts a real signed
// delivery; the same body with one byte changed, or with the timestamp changed, is refused.
// Real: the api in-process and listening, a worker process, MariaDB, Redis, the example receiver.
import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { OutboxRelay, OutboxService } from '@danbao/notifications';
import { ApiKeyService, databaseOf, runInTransaction, signPayload } from '@danbao/platform';
import { Stack, startStack, waitFor } from '@danbao/testing';
import { AppModule } from '../../apps/api/src/app.module';

const RECEIVER = resolve(__dirname, '../examples/webhook-receiver.js');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

describe('the example webhook receiver (docs)', () => {
  let stack: Stack;
  let app: NestFastifyApplication;
  let receiver: ChildProcess | undefined;
  let output = '';
  let port: number;
  let secret: string;

  beforeAll(async () => {
    stack = await startStack(AppModule.forRoot, {
      listen: true,
      worker: true,
      overrides: { WEBHOOK_ALLOW_LOOPBACK: 'true' },
    });
    app = stack.app;
    const apiKey = (await app.get(ApiKeyService).create('receiver example')).key;
    port = await freePort();
    const endpoint = await request(app.getHttpServer())
      .post('/v1/webhook_endpoints')
      .set('Authorization', `Bearer ${apiKey}`)
      .send({ url: `http://127.0.0.1:${port}/hooks`, events: ['order.paid'] })
      .expect(201);
    secret = endpoint.body.secret;
    receiver = spawn(process.execPath, [RECEIVER], {
      env: { ...process.env, DANBAO_WEBHOOK_SECRET: secret, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    receiver.stdout!.on('data', (chunk) => (output += chunk));
    await waitFor(
      () =>
        fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: '{}' }).then(
          () => true,
          () => false,
        ),
      (up) => up,
      10_000,
    );
  });

  afterAll(async () => {
    receiver?.kill();
    await stack?.stop();
  });

  const post = (body: string, signature: string) =>
    fetch(`http://127.0.0.1:${port}/hooks`, {
      method: 'POST',
      body,
      headers: { 'danbao-signature': signature },
    });

  it('accepts a real delivery from the platform', async () => {
    const event = await runInTransaction(databaseOf(app.get(DataSource)), (tx) =>
      app.get(OutboxService).record(tx, 'order.paid', 'ord_example', { id: 'ord_example', status: 'paid' }),
    );
    await app.get(OutboxRelay).kick();
    await waitFor(
      async () => output,
      (text) => text.includes(event.id),
      20_000,
    );
    expect(output).toContain(JSON.stringify({ received: event.id, type: 'order.paid' }));
  });

  it('refuses the body with one byte changed, a changed timestamp, an old one, and another secret', async () => {
    const body = JSON.stringify({
      id: 'evt_00000000000000000000000001',
      type: 'order.paid',
      data: { object: {} },
    });
    const now = Math.floor(Date.now() / 1000);
    const signature = signPayload(secret, body, now);
    expect((await post(body, signature)).status).toBe(200);
    expect((await post(body.replace('order.paid', 'order.paie'), signature)).status).toBe(400);
    expect((await post(body, signature.replace(`t=${now}`, `t=${now + 1}`))).status).toBe(400);
    expect((await post(body, signPayload(secret, body, now - 301))).status).toBe(400);
    expect((await post(body, signPayload('whsec_another', body, now))).status).toBe(400);
  });
});

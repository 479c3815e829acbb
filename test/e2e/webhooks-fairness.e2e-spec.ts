// Proves that a slow receiver's backlog does not hold back other endpoints' events: the relay and
// fan-out jobs run before webhook attempts, and an endpoint known to be slow (or failing) has its
// attempts queued behind those of healthy endpoints. Real: the api in-process, a worker process with
// two notification slots, MariaDB, Redis, two receivers on 127.0.0.1 (one answering after 1.5 s).
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { OutboxRelay, OutboxService } from '@danbao/notifications';
import { ApiKeyService, databaseOf, runInTransaction } from '@danbao/platform';
import { Stack, startStack, waitFor } from '@danbao/testing';
import { AppModule } from '../../apps/api/src/app.module';

async function receiver(delayMs: number): Promise<{ server: Server; url: string; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      hits.push(JSON.parse(body).id);
      setTimeout(() => res.end('ok'), delayMs);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, hits };
}

describe('webhooks: a slow receiver holds back no one else', () => {
  let stack: Stack;
  let app: NestFastifyApplication;
  let apiKey: string;
  const servers: Server[] = [];

  beforeAll(async () => {
    stack = await startStack(AppModule.forRoot, {
      listen: true,
      worker: true,
      overrides: { WEBHOOK_ALLOW_LOOPBACK: 'true', NOTIFICATIONS_CONCURRENCY: '2', WEBHOOK_TIMEOUT: '5s' },
    });
    app = stack.app;
    apiKey = (await app.get(ApiKeyService).create('fairness')).key;
  });

  afterAll(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      server.close();
    }
    await stack?.stop();
  });

  const register = async (url: string, events: string[]) =>
    (
      await request(app.getHttpServer())
        .post('/v1/webhook_endpoints')
        .set('Authorization', `Bearer ${apiKey}`)
        .send({ url, events })
        .expect(201)
    ).body as { id: string };
  const record = async (type: 'order.shipped' | 'order.paid', n = 1) => {
    const events = [];
    for (let i = 0; i < n; i += 1) {
      events.push(
        await runInTransaction(databaseOf(app.get(DataSource)), (tx) =>
          app.get(OutboxService).record(tx, type, `ord_${type}_${i}`, { id: `ord_${i}` }),
        ),
      );
    }
    await app.get(OutboxRelay).kick();
    return events;
  };

  it('delivers a healthy endpoint’s event while 30 attempts to a slow one wait', async () => {
    const slow = await receiver(1500);
    const fast = await receiver(0);
    servers.push(slow.server, fast.server);
    await register(slow.url, ['order.shipped']);
    await register(fast.url, ['order.paid']);
    // The slow endpoint shows itself slow once, then a backlog of 30 builds up behind two slots.
    await record('order.shipped');
    await waitFor(
      async () => slow.hits.length,
      (hits) => hits >= 1,
      10_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 1700));
    await record('order.shipped', 30);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const started = Date.now();
    const [paid] = await record('order.paid');
    await waitFor(
      async () => fast.hits.includes(paid.id),
      (arrived) => arrived,
      30_000,
    );
    const waited = Date.now() - started;
    // 30 attempts at 1.5 s over two slots would hold it back about 22 s; it must not wait for them.
    expect(waited).toBeLessThan(10_000);
    expect(slow.hits.length).toBeLessThan(25);
  });
});

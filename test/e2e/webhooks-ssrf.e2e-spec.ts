// Proves the SSRF guard of webhooks with loopback NOT allowed (as in production): registration
// refuses loopback, private, link-local and metadata addresses and a name that resolves inward,
// and a delivery re-checks the address after resolving it, so an endpoint whose name later
// resolves inward is never called. Real: the api in-process (no worker: attempts are made by the
// delivery service here), MariaDB, Redis, a receiver on 127.0.0.1 that must see no request.
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { OutboxService, WebhookDeliveryService } from '@danbao/notifications';
import { ApiKeyService, databaseOf, newId, runInTransaction, sealSecret } from '@danbao/platform';
import { Stack, startStack } from '@danbao/testing';
import { AppModule } from '../../apps/api/src/app.module';

describe('webhooks: server-side request forgery', () => {
  let stack: Stack;
  let app: NestFastifyApplication;
  let dataSource: DataSource;
  let apiKey: string;
  let server: Server;
  let hits = 0;
  let port: number;

  beforeAll(async () => {
    stack = await startStack(AppModule.forRoot);
    ({ app } = stack);
    expect(stack.config.webhookAllowLoopback).toBe(false);
    dataSource = app.get(DataSource);
    apiKey = (await app.get(ApiKeyService).create('ssrf test')).key;
    server = createServer((_req, res) => {
      hits += 1;
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await stack?.stop();
  });

  const register = (url: string) =>
    request(app.getHttpServer())
      .post('/v1/webhook_endpoints')
      .set('Authorization', `Bearer ${apiKey}`)
      .send({ url, events: ['*'] });

  it('refuses loopback, private, link-local and metadata addresses, and a name resolving inward, at registration', async () => {
    for (const url of [
      `http://127.0.0.1:${port}/hooks`,
      `http://[::1]:${port}/hooks`,
      'http://10.0.0.7/hooks',
      'http://172.16.3.4/hooks',
      'http://192.168.1.1/hooks',
      'http://169.254.169.254/latest/meta-data/',
      'http://[::ffff:10.0.0.1]/hooks',
      'http://2130706433/hooks', // 127.0.0.1 spelt as a number
      // A DNS name that resolves to a loopback address stands for any name resolving inward.
      `http://localhost:${port}/hooks`,
      'ftp://example.com/hooks',
      'http://user:secret@example.com/hooks',
    ]) {
      const response = await register(url);
      expect({ url, status: response.status, code: response.body.error?.code }).toEqual({
        url,
        status: 400,
        code: 'url_not_allowed',
      });
    }
    expect(hits).toBe(0);
  });

  it('re-checks the address at delivery: an endpoint whose name now resolves inward is never called', async () => {
    // As if `localhost` had resolved to a public address at registration: the row is written directly.
    const now = new Date();
    const endpointId = newId('we');
    await dataSource.query(
      `INSERT INTO webhook_endpoints (id, owner, url, events, enabled, secret_sealed, created_at, updated_at)
       VALUES (?, 'key_x', ?, '["*"]', 1, ?, ?, ?)`,
      [
        endpointId,
        `http://localhost:${port}/hooks`,
        sealSecret(stack.config.secretKey, `webhook_endpoint:${endpointId}`, 'whsec_ssrf_test'),
        new Date(now.getTime() - 1000),
        now,
      ],
    );
    const event = await runInTransaction(databaseOf(dataSource), (tx) =>
      app.get(OutboxService).record(tx, 'order.paid', 'ord_ssrf', { id: 'ord_ssrf' }),
    );
    const webhooks = app.get(WebhookDeliveryService);
    expect(await webhooks.fanOut([event.id])).toBe(1);
    const [delivery] = await dataSource.query('SELECT id FROM webhook_deliveries WHERE event_id = ?', [
      event.id,
    ]);
    expect(await webhooks.attempt({ deliveryId: delivery.id, attempt: 1 })).toBe('retry');
    const [attempt] = await dataSource.query(
      'SELECT status, error FROM webhook_attempts WHERE delivery_id = ?',
      [delivery.id],
    );
    expect(hits).toBe(0);
    if (attempt)
      expect(attempt).toMatchObject({ status: null, error: expect.stringMatching(/^forbidden_destination/) });
  });
});

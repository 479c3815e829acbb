// Proves outbound webhooks against real local HTTP receivers: endpoints (create, list, update,
// delete, roll the secret; another key's are 404; buyers and sellers 403), signed deliveries of
// every event type once, retries after 500s and after a hanging receiver with the same event id,
// attempts recorded and replayed, and events surviving a Redis wipe while the receiver is down.
// Real: the api in-process and listening, a worker process, MariaDB, Redis, HTTP receivers on
// 127.0.0.1 (WEBHOOK_ALLOW_LOOPBACK=true, as development allows; the SSRF suite runs without it).
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { EVENT_TYPES, OutboxRelay, OutboxService, type RecordedEvent } from '@danbao/notifications';
import { ApiKeyService, databaseOf, runInTransaction, TokenService, verifySignature } from '@danbao/platform';
import { deleteQueueKeys, REDIS_URL, Stack, startStack, waitFor } from '@danbao/testing';
import { AppModule } from '../../apps/api/src/app.module';
import { Receiver } from '../support/webhook-receiver';

describe('outbound webhooks', () => {
  let stack: Stack;
  let app: NestFastifyApplication;
  let dataSource: DataSource;
  let tokens: TokenService;
  let apiKey: string;
  let otherKey: string;
  const receivers: Receiver[] = [];

  beforeAll(async () => {
    stack = await startStack(AppModule.forRoot, {
      listen: true,
      worker: true,
      overrides: {
        WEBHOOK_ALLOW_LOOPBACK: 'true',
        WEBHOOK_RETRY_BASE: '200ms',
        WEBHOOK_TIMEOUT: '1s',
        SWEEP_INTERVAL: '1s',
      },
    });
    ({ app } = stack);
    dataSource = app.get(DataSource);
    tokens = app.get(TokenService);
    apiKey = (await app.get(ApiKeyService).create('webhooks test')).key;
    otherKey = (await app.get(ApiKeyService).create('another marketplace')).key;
  });

  afterAll(async () => {
    for (const receiver of receivers) await receiver.stop().catch(() => undefined);
    await stack?.stop();
  });

  const http = () => request(app.getHttpServer());
  const as = (key = apiKey) => ({ Authorization: `Bearer ${key}` });
  const receiver = async () => {
    const made = await new Receiver().start();
    receivers.push(made);
    return made;
  };
  const register = async (url: string, events: string[] = ['*'], key = apiKey) => {
    const response = await http().post('/v1/webhook_endpoints').set(as(key)).send({ url, events });
    expect(response.status).toBe(201);
    return response.body as { id: string; secret: string; url: string; events: string[]; enabled: boolean };
  };
  /** Records an event as a change would (the outbox), and asks the relay to publish it. */
  const recordEvent = async (type: (typeof EVENT_TYPES)[number], object: Record<string, unknown> = {}) => {
    const event = await runInTransaction(databaseOf(dataSource), (tx) =>
      app.get(OutboxService).record(tx, type, `obj_${type}`, { object: type.split('.')[0], ...object }),
    );
    await app.get(OutboxRelay).kick();
    return event;
  };
  const deliveriesOf = async (endpointId: string) =>
    (await http().get(`/v1/webhook_endpoints/${endpointId}/deliveries`).set(as()).expect(200)).body.data as {
      id: string;
      event_id: string;
      status: string;
      attempts: number;
    }[];

  it('manages endpoints: created with a secret shown once, listed, updated, rolled and deleted', async () => {
    const target = await receiver();
    const created = await register(target.url, ['order.paid', 'payout.paid']);
    expect(created).toMatchObject({ object: 'webhook_endpoint', url: target.url, enabled: true });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9_-]{40,}$/);

    const listed = await http().get('/v1/webhook_endpoints').set(as()).expect(200);
    expect(listed.body.data.map((endpoint: { id: string }) => endpoint.id)).toContain(created.id);
    expect(listed.body.data.every((endpoint: object) => !('secret' in endpoint))).toBe(true);
    const one = await http().get(`/v1/webhook_endpoints/${created.id}`).set(as()).expect(200);
    expect(one.body).not.toHaveProperty('secret');

    const updated = await http()
      .post(`/v1/webhook_endpoints/${created.id}`)
      .set(as())
      .send({ events: ['*'], enabled: false })
      .expect(200);
    expect(updated.body).toMatchObject({
      events: ['*'],
      enabled: false,
      disabled_reason: 'disabled_by_marketplace',
    });

    const rolled = await http().post(`/v1/webhook_endpoints/${created.id}/roll_secret`).set(as()).expect(200);
    expect(rolled.body.secret).toMatch(/^whsec_/);
    expect(rolled.body.secret).not.toBe(created.secret);

    // Another marketplace key sees none of it; buyers and sellers may not use the routes.
    expect((await http().get(`/v1/webhook_endpoints/${created.id}`).set(as(otherKey))).status).toBe(404);
    expect((await http().delete(`/v1/webhook_endpoints/${created.id}`).set(as(otherKey))).status).toBe(404);
    expect(
      (await http().get('/v1/webhook_endpoints').set(as(otherKey)).expect(200)).body.data.map(
        (endpoint: { id: string }) => endpoint.id,
      ),
    ).not.toContain(created.id);
    for (const role of ['buyer', 'seller'] as const) {
      const token = { Authorization: `Bearer ${tokens.mint(role, `${role}_1`, 600).token}` };
      expect((await http().get('/v1/webhook_endpoints').set(token)).status).toBe(403);
      expect(
        (
          await http()
            .post('/v1/webhook_endpoints')
            .set(token)
            .send({ url: target.url, events: ['*'] })
        ).status,
      ).toBe(403);
      expect((await http().get('/v1/events').set(token)).status).toBe(403);
    }

    const deleted = await http().delete(`/v1/webhook_endpoints/${created.id}`).set(as()).expect(200);
    expect(deleted.body).toEqual({ id: created.id, object: 'webhook_endpoint', deleted: true });
    expect((await http().get(`/v1/webhook_endpoints/${created.id}`).set(as())).status).toBe(404);

    for (const body of [
      { url: target.url, events: ['order.teleported'] },
      { url: target.url, events: [] },
      { events: ['*'] },
    ]) {
      expect((await http().post('/v1/webhook_endpoints').set(as()).send(body)).status).toBe(400);
    }
    const privateUrl = await http()
      .post('/v1/webhook_endpoints')
      .set(as())
      .send({ url: 'http://10.0.0.1/x', events: ['*'] });
    expect(privateUrl.status).toBe(400);
    expect(privateUrl.body.error).toMatchObject({ code: 'url_not_allowed', param: 'url' });
  });

  it('delivers every event type once, signed with the endpoint’s secret, readable at GET /v1/events/:id', async () => {
    const target = await receiver();
    const endpoint = await register(target.url);
    const events: RecordedEvent[] = [];
    for (const type of EVENT_TYPES) events.push(await recordEvent(type));
    await waitFor(
      async () => events.every((event) => target.of(event.id).length > 0),
      (done) => done,
      20_000,
    );
    // Give a duplicate the time to show up, then count.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    for (const event of events) {
      const hits = target.of(event.id);
      expect({ type: event.type, hits: hits.length }).toEqual({ type: event.type, hits: 1 });
      expect(verifySignature(endpoint.secret, hits[0].body, hits[0].signature)).toEqual({ valid: true });
      expect(JSON.parse(hits[0].body)).toMatchObject({
        id: event.id,
        type: event.type,
        created_at: event.created_at,
      });
    }
    const one = await http().get(`/v1/events/${events[0].id}`).set(as()).expect(200);
    expect(one.body).toMatchObject({ id: events[0].id, type: events[0].type });
    expect((await http().get('/v1/events/evt_00000000000000000000000000').set(as())).status).toBe(404);
    const deliveries = await deliveriesOf(endpoint.id);
    expect(deliveries.filter((delivery) => delivery.status === 'succeeded').length).toBeGreaterThanOrEqual(
      Math.min(events.length, 20),
    );
  });

  it('delivers a real change: the marketplace cancels an order and hears order.cancelled', async () => {
    const target = await receiver();
    const endpoint = await register(target.url, ['order.cancelled']);
    const order = await http()
      .post('/v1/orders')
      .set(as())
      .send({ buyer_id: 'buy_wh', seller_id: 'sel_wh', amount: 1999, currency: 'CNY', description: 'tea' })
      .expect(201);
    await http().post(`/v1/orders/${order.body.id}/cancel`).set(as()).expect(200);
    const hit = await waitFor(
      async () =>
        target.received.find((received) => JSON.parse(received.body).data.object.id === order.body.id),
      (found) => found !== undefined,
      15_000,
    );
    expect(JSON.parse(hit!.body)).toMatchObject({
      type: 'order.cancelled',
      data: { object: { status: 'cancelled' } },
    });
    expect(verifySignature(endpoint.secret, hit!.body, hit!.signature)).toEqual({ valid: true });
  });

  it('retries a receiver that answers 500 twice: the third try brings the same event, every attempt recorded', async () => {
    const target = await receiver();
    target.script = [500, 500];
    const endpoint = await register(target.url, ['hold.expiring']);
    const event = await recordEvent('hold.expiring');
    await waitFor(
      async () => target.of(event.id).length,
      (hits) => hits >= 3,
      20_000,
    );
    const hits = target.of(event.id);
    expect(hits).toHaveLength(3);
    expect(new Set(hits.map((hit) => JSON.parse(hit.body).id))).toEqual(new Set([event.id]));
    const [delivery] = await waitFor(
      () => deliveriesOf(endpoint.id),
      (list) => list[0]?.status === 'succeeded',
      10_000,
    );
    const detail = await http()
      .get(`/v1/webhook_endpoints/${endpoint.id}/deliveries/${delivery.id}`)
      .set(as())
      .expect(200);
    expect(detail.body).toMatchObject({ status: 'succeeded', attempts: 3, event_id: event.id });
    expect(detail.body.attempt_log.map((attempt: { status: number }) => attempt.status)).toEqual([
      500, 500, 200,
    ]);
    expect(detail.body.attempt_log[0].response_snippet).toBe('boom');

    // A replay sends it again, now.
    const replay = await http()
      .post(`/v1/webhook_endpoints/${endpoint.id}/deliveries/${delivery.id}/retry`)
      .set(as())
      .expect(202);
    expect(replay.body).toMatchObject({ id: delivery.id, status: 'pending' });
    await waitFor(
      async () => target.of(event.id).length,
      (count) => count >= 4,
      10_000,
    );
    expect(
      (
        await http()
          .post(`/v1/webhook_endpoints/${endpoint.id}/deliveries/${delivery.id}/retry`)
          .set(as(otherKey))
      ).status,
    ).toBe(404);
  });

  /**
   * One event to a receiver answering `first` to its first attempt and 200 after: waits until the
   * delivery succeeded, and answers its detail, the receiver and the event.
   */
  async function deliveredAfter(first: 'hang' | 'redirect', type: (typeof EVENT_TYPES)[number]) {
    const target = await receiver();
    target.script = [first];
    const endpoint = await register(target.url, [type]);
    const event = await recordEvent(type);
    const [delivery] = await waitFor(
      () => deliveriesOf(endpoint.id),
      (list) => list[0]?.status === 'succeeded',
      20_000,
    );
    const detail = await http()
      .get(`/v1/webhook_endpoints/${endpoint.id}/deliveries/${delivery.id}`)
      .set(as())
      .expect(200);
    return { detail, target, event };
  }

  it('times out a receiver that hangs and tries again', async () => {
    const { detail, target, event } = await deliveredAfter('hang', 'dispute.opened');
    expect(detail.body.attempt_log[0]).toMatchObject({ status: null, error: 'timeout' });
    expect(detail.body.attempt_log[0].latency_ms).toBeGreaterThanOrEqual(900);
    expect(detail.body.attempt_log.at(-1)).toMatchObject({ status: 200, error: null });
    expect(target.of(event.id).length).toBeGreaterThanOrEqual(2);
  });

  it('does not follow a redirect (a 302 to the metadata address is a failed attempt)', async () => {
    const { detail, target, event } = await deliveredAfter('redirect', 'dispute.rejected');
    expect(detail.body.attempt_log[0]).toMatchObject({ status: 302, error: 'redirect_not_followed' });
    expect(target.of(event.id)).toHaveLength(2);
  });

  it('signs with both secrets for a day after a roll, so a receiver can switch without losing an event', async () => {
    const target = await receiver();
    const endpoint = await register(target.url, ['hold.released']);
    const rolled = await http()
      .post(`/v1/webhook_endpoints/${endpoint.id}/roll_secret`)
      .set(as())
      .expect(200);
    const event = await recordEvent('hold.released');
    const [hit] = await waitFor(
      async () => target.of(event.id),
      (hits) => hits.length > 0,
      15_000,
    );
    expect(hit.signature!.match(/v1=/g)).toHaveLength(2);
    expect(verifySignature(rolled.body.secret, hit.body, hit.signature)).toEqual({ valid: true });
    expect(verifySignature(endpoint.secret, hit.body, hit.signature)).toEqual({ valid: true });
    expect(verifySignature('whsec_someone_else', hit.body, hit.signature)).toMatchObject({ valid: false });
  });

  it('disables an endpoint that has failed for 3 days, fails its deliveries and records webhook_endpoint.disabled', async () => {
    const target = await receiver();
    const endpoint = await register(target.url, ['order.shipped']);
    await target.stop();
    // Its deliveries have failed since three days ago (the streak is the endpoint's).
    await dataSource.query('UPDATE webhook_endpoints SET failing_since = ? WHERE id = ?', [
      new Date(Date.now() - 3 * 86_400_000 - 60_000),
      endpoint.id,
    ]);
    await recordEvent('order.shipped');
    const disabled = await waitFor(
      async () => (await http().get(`/v1/webhook_endpoints/${endpoint.id}`).set(as()).expect(200)).body,
      (body) => body.enabled === false,
      15_000,
    );
    expect(disabled).toMatchObject({ enabled: false, disabled_reason: 'failing_for_3_days' });
    const [event] = await dataSource.query(
      "SELECT payload FROM outbox_events WHERE type = 'webhook_endpoint.disabled' AND object_id = ?",
      [endpoint.id],
    );
    expect(JSON.parse(event.payload).data.object).toMatchObject({ id: endpoint.id, enabled: false });
    expect((await deliveriesOf(endpoint.id)).every((delivery) => delivery.status === 'failed')).toBe(true);
  });

  it('gets every event to a receiver that was down while Redis was wiped (the outbox is the source)', async () => {
    const target = await receiver();
    const port = target.port;
    const endpoint = await register(target.url, ['order.expired']);
    await target.stop();
    // Two events whose first attempts fail against the closed port, their retries queued...
    const tried = [await recordEvent('order.expired'), await recordEvent('order.expired')];
    await waitFor(
      () => deliveriesOf(endpoint.id),
      (list) => list.length === 2 && list.every((delivery) => delivery.attempts >= 1),
      15_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    // ...and two more only in the outbox (not yet published) when Redis loses every job.
    const unpublished = await Promise.all(
      [1, 2].map(() =>
        runInTransaction(databaseOf(dataSource), (tx) =>
          app.get(OutboxService).record(tx, 'order.expired', 'obj_unpublished', { object: 'order' }),
        ),
      ),
    );
    await deleteQueueKeys(REDIS_URL, stack.prefix);
    const back = await new Receiver().start(port);
    receivers.push(back);
    const events = [...tried, ...unpublished];
    await waitFor(
      async () => events.every((event) => back.of(event.id).length > 0),
      (done) => done,
      30_000,
    );
    for (const event of events) expect(back.of(event.id).length).toBeGreaterThanOrEqual(1);
  });
});

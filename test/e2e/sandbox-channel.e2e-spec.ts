// Proves the sandbox channel end to end through a real worker process: its notifications are
// delivered asynchronously, signed, to the api's intake; card …0077's duplicated, reordered
// notification moves money once; an unpaid session expires by its delayed job.
// Real: the api (listening on a port), a worker process, MariaDB, Redis.
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { Accounts, LedgerService } from '@danbao/ledger';
import { QUEUES, QueueRegistry } from '@danbao/platform';
import { Stack, startStack, waitFor } from '@danbao/testing';
import { AppModule } from '../../apps/api/src/app.module';
import { ApiClient } from '../support/api-client';

describe('sandbox channel through the worker', () => {
  let stack: Stack;
  let app: NestFastifyApplication;
  let client: ApiClient;

  beforeAll(async () => {
    stack = await startStack(AppModule.forRoot, {
      overrides: {
        CHECKOUT_EXPIRES_AFTER: '4s',
        // The sweep runs rarely here, so an expiry within seconds proves the delayed job fired.
        SWEEP_INTERVAL: '10m',
      },
      listen: true,
      worker: true,
    });
    app = stack.app;
    client = await ApiClient.create(app);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const order = (id: string) => client.http().get(`/v1/orders/${id}`).set(client.asMarketplace());

  it('pays once when card 0077 notifies twice, out of order', async () => {
    const created = await client.createOrder({ amount: 1234 });
    const submitted = await client.submitCard(created.checkout_url, '4000 0000 0000 0077');
    expect(submitted.status).toBe(303);
    const paid = await waitFor(
      () => order(created.id),
      (response) => response.body.status === 'paid',
    );
    expect(paid.body).toMatchObject({
      status: 'paid',
      latest_payment: { status: 'succeeded', card_last4: '0077' },
      hold: { amount: 1234 },
    });
    // Give the second copy time to arrive, then count: one notification row, one ledger transaction.
    const dataSource = app.get(DataSource);
    const copies = await waitFor(
      async () =>
        Number(
          (
            await dataSource.query('SELECT COUNT(*) AS n FROM channel_notifications WHERE reference = ?', [
              submitted.paymentId,
            ])
          )[0].n,
        ),
      (n) => n >= 1,
    );
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(copies).toBe(1);
    const [{ n }] = await dataSource.query(
      'SELECT COUNT(*) AS n FROM ledger_transactions WHERE reference = ?',
      [`payment:${submitted.paymentId}`],
    );
    expect(Number(n)).toBe(1);
    expect(await app.get(LedgerService).balance(Accounts.escrow(created.id), 'CNY')).toBe(1234n);
    expect((await app.get(LedgerService).check()).balanced).toBe(true);
  });

  it('shows a decline from the channel and leaves the order payable', async () => {
    const created = await client.createOrder({ amount: 500 });
    const submitted = await client.submitCard(created.checkout_url, '4000 0000 0000 9995');
    const failed = await waitFor(
      () => order(created.id),
      (response) => response.body.latest_payment?.status === 'failed',
    );
    expect(failed.body).toMatchObject({
      status: 'awaiting_payment',
      latest_payment: { id: submitted.paymentId, failure_code: 'insufficient_funds' },
    });
  });

  it('expires an unpaid order when its session expires (delayed job)', async () => {
    const created = await client.createOrder();
    const expired = await waitFor(
      () => order(created.id),
      (response) => response.body.status === 'expired',
      12_000,
    );
    const jobs = await app.get(QueueRegistry).get(QUEUES.payments).getJobCounts('completed');
    expect(jobs.completed).toBeGreaterThanOrEqual(1);
    expect(expired.body.status).toBe('expired');
    const page = await client.http().get(new URL(created.checkout_url).pathname).expect(200);
    expect(page.text).toContain('expired');
  });

  it("expires every order of a creation batch by the batch's one delayed job", async () => {
    const created = await Promise.all(Array.from({ length: 6 }, () => client.createOrder()));
    for (const { id } of created) {
      const expired = await waitFor(
        () => order(id),
        (response) => response.body.status === 'expired',
        12_000,
      );
      expect(expired.body).toMatchObject({ id, status: 'expired' });
    }
    const [{ open }] = await app.get(DataSource).query(
      `SELECT COUNT(*) AS open FROM checkout_sessions s JOIN checkout_session_orders l ON l.session_id = s.id
         WHERE s.status = 'open' AND l.order_id IN (${created.map(() => '?').join(',')})`,
      created.map(({ id }) => id),
    );
    expect(Number(open)).toBe(0);
  });
});

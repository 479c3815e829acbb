// Proves that a payment in flight is never lost (issue 11, items 2 and 3): a checkout session does
// not expire under a payment the channel has not answered; a success no order can take any more
// is booked into suspense and refunded through the channel, booked out when the channel confirms;
// a payment stuck in `processing` (its answer lost, or the channel never reached) is resolved by
// asking the channel, so the buyer can pay again.
// Real: the api (listening on a port), a worker process (sweeps, sandbox deliveries), MariaDB,
// Redis. The sandbox's silent card (…0341) holds a payment in flight until the test notifies.
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { RefundService, SandboxChannel } from '@danbao/channels';
import { Accounts, LedgerService } from '@danbao/ledger';
import { TokenService } from '@danbao/platform';
import { Stack, startStack, waitFor } from '@danbao/testing';
import { AppModule } from '../../apps/api/src/app.module';
import { ApiClient } from '../support/api-client';

const SILENT_CARD = '4000 0000 0000 0341';

describe('payments in flight', () => {
  let stack: Stack;
  let app: NestFastifyApplication;
  let client: ApiClient;
  let ledger: LedgerService;
  let dataSource: DataSource;
  let admin: { Authorization: string };

  beforeAll(async () => {
    stack = await startStack(AppModule.forRoot, {
      overrides: { CHECKOUT_EXPIRES_AFTER: '3s', SWEEP_INTERVAL: '1s', PAYMENT_RESULT_TIMEOUT: '9s' },
      listen: true,
      worker: true,
    });
    app = stack.app;
    client = await ApiClient.create(app);
    ledger = app.get(LedgerService);
    dataSource = app.get(DataSource);
    // No route mints admin tokens yet (admin sign-in arrives with disputes): the platform's own
    // token service signs one, as the sign-in route will.
    const minted = app.get(TokenService).mint('admin', 'adm_1', 600);
    admin = { Authorization: `Bearer ${minted.token}` };
  });

  afterEach(async () => {
    // Every scenario leaves the books balanced, suspense included: it holds exactly what its
    // refunds still owe.
    const report = await ledger.check(undefined, [app.get(RefundService).suspenseReconciler]);
    expect(report.violations).toEqual([]);
    expect(report.balanced).toBe(true);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const order = (id: string) => client.http().get(`/v1/orders/${id}`).set(client.asMarketplace());
  const sessionOf = (created: Record<string, any>) =>
    new URL(created.checkout_url).pathname.split('/').pop()!;
  const sessionStatus = async (sessionId: string) =>
    (await dataSource.query('SELECT status FROM checkout_sessions WHERE id = ?', [sessionId]))[0].status;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('does not expire an order whose payment is in flight; the late success pays it', async () => {
    const created = await client.createOrder({ amount: 450 });
    const submitted = await client.submitCard(created.checkout_url, SILENT_CARD);
    expect(submitted.status).toBe(303);
    // Past the session's expiry, with sweeps every second.
    await sleep(4_500);
    const waiting = await order(created.id).expect(200);
    expect(waiting.body).toMatchObject({
      status: 'awaiting_payment',
      latest_payment: { id: submitted.paymentId, status: 'processing' },
    });
    expect(await sessionStatus(sessionOf(created))).toBe('open');

    const answer = await client
      .notify(client.paymentNotification('ntf_inflight_1', submitted.paymentId!, 450))
      .expect(200);
    expect(answer.body).toMatchObject({ outcome: 'applied' });
    const paid = await order(created.id).expect(200);
    expect(paid.body).toMatchObject({ status: 'paid', hold: { amount: 450, status: 'held' } });
    expect(await ledger.balance(Accounts.escrow(created.id), 'CNY')).toBe(450n);
  });

  it('does not expire a cart’s orders while the cart’s payment is in flight', async () => {
    const first = await client.createOrder({ amount: 300, seller_id: 'seller_b' });
    const second = await client.createOrder({ amount: 700, seller_id: 'seller_c' });
    const cart = await client
      .http()
      .post('/v1/checkout_sessions')
      .set(client.asMarketplace())
      .send({ order_ids: [first.id, second.id] })
      .expect(201);
    const submitted = await client.submitCard(cart.body.checkout_url, SILENT_CARD);
    expect(submitted.status).toBe(303);
    // Each order's own session expires meanwhile.
    await sleep(4_500);
    for (const id of [first.id, second.id]) {
      expect((await order(id).expect(200)).body.status).toBe('awaiting_payment');
    }
    await client
      .notify(client.paymentNotification('ntf_inflight_cart', submitted.paymentId!, 1000))
      .expect(200);
    for (const [id, amount] of [
      [first.id, 300n],
      [second.id, 700n],
    ] as const) {
      expect((await order(id).expect(200)).body).toMatchObject({ status: 'paid' });
      expect(await ledger.balance(Accounts.escrow(id), 'CNY')).toBe(amount);
    }
  });

  it('books a success no order can take into suspense and refunds it through the channel', async () => {
    const created = await client.createOrder({ amount: 820 });
    const submitted = await client.submitCard(created.checkout_url, SILENT_CARD);
    const paymentId = submitted.paymentId!;
    // No route can leave an order unpayable under a payment in flight any more; the state an
    // older release (or a hand edit) could leave is made here directly.
    await dataSource.query(
      "UPDATE orders SET status = 'expired', expired_at = NOW(6), pending_payment_id = NULL WHERE id = ?",
      [created.id],
    );
    const channelBefore = await ledger.balance(Accounts.channel('sandbox'), 'CNY');

    const late = await client.notify(client.paymentNotification('ntf_late_2', paymentId, 820)).expect(200);
    expect(late.body).toMatchObject({ outcome: 'flagged', review_reason: 'refund_required' });
    expect(await ledger.balance(Accounts.escrow(created.id), 'CNY')).toBe(0n);

    // The worker delivers the sandbox's refund.succeeded; only then is the money booked out.
    const listed = await waitFor(
      () => client.http().get('/v1/admin/payments?status=refund_required').set(admin),
      (response) =>
        response.body.data?.some(
          (payment: any) => payment.id === paymentId && payment.refunds[0]?.status === 'succeeded',
        ),
    );
    const payment = listed.body.data.find((item: any) => item.id === paymentId);
    expect(payment).toMatchObject({
      status: 'succeeded',
      amount: 820,
      review_reasons: ['refund_required'],
      refunds: [{ status: 'succeeded', amount: 820, currency: 'CNY', reason: 'refund_required' }],
    });
    const transactions: { reference: string; account_code: string; amount: string }[] =
      await dataSource.query(
        `SELECT t.reference, e.account_code, e.amount FROM ledger_transactions t
       JOIN ledger_entries e ON e.transaction_id = t.id
       WHERE t.reference IN (?, ?) ORDER BY t.reference, e.account_code`,
        [`suspense:${paymentId}`, `refund:${payment.refunds[0].id}`],
      );
    expect(
      transactions.map((row) => [row.reference.split(':')[0], row.account_code, Number(row.amount)]),
    ).toEqual([
      ['refund', 'channel:sandbox', 820],
      ['refund', `suspense:${paymentId}`, -820],
      ['suspense', 'channel:sandbox', -820],
      ['suspense', `suspense:${paymentId}`, 820],
    ]);
    expect(await ledger.balance(Accounts.suspense(paymentId), 'CNY')).toBe(0n);
    expect(await ledger.balance(Accounts.channel('sandbox'), 'CNY')).toBe(channelBefore);
    const [sandboxRefund] = await dataSource.query(
      "SELECT amount, result FROM sandbox_charges WHERE kind = 'refund' AND reference = ?",
      [payment.refunds[0].id],
    );
    expect(sandboxRefund).toEqual({ amount: '820', result: 'succeeded' });

    // A second, contradicting result keeps the first reason and adds its own.
    await client
      .notify(client.paymentNotification('ntf_late_3', paymentId, 820, 'CNY', 'payment.failed'))
      .expect(200);
    const [row] = await dataSource.query('SELECT review_reason FROM payments WHERE id = ?', [paymentId]);
    expect(row.review_reason).toBe('refund_required,late_contradiction');
  });

  it('lists payments for admins only, and refuses an unknown filter', async () => {
    const buyer = await client.tokenFor('buyer', 'buyer_a');
    expect((await client.http().get('/v1/admin/payments?status=review').set(buyer)).status).toBe(403);
    expect((await client.http().get('/v1/admin/payments?status=review')).status).toBe(401);
    const bad = await client.http().get('/v1/admin/payments?status=everything').set(admin).expect(400);
    expect(bad.body.error).toMatchObject({ type: 'invalid_request_error', param: 'status' });
  });

  it('fails a payment the channel never received once it is stuck, so the buyer can pay again', async () => {
    const created = await client.createOrder({ amount: 990 });
    // This file's sessions expire in 3 s (for the tests above); this one stays open while the
    // payment is resolved, so the buyer can still use it.
    await dataSource.query('UPDATE checkout_sessions SET expires_at = ? WHERE id = ?', [
      new Date(Date.now() + 600_000),
      sessionOf(created),
    ]);
    // The process dies between the payment's commit and the channel call: the charge never happens.
    const sandbox = app.get(SandboxChannel);
    const charge = sandbox.charge;
    sandbox.charge = async () => {
      throw new Error('process died before the channel was called');
    };
    try {
      const broken = await client.submitCard(created.checkout_url, '4242 4242 4242 4242');
      expect(broken.status).toBe(500);
    } finally {
      sandbox.charge = charge;
    }
    const stuck = await order(created.id).expect(200);
    expect(stuck.body.latest_payment).toMatchObject({ status: 'processing' });

    // PAYMENT_RESULT_TIMEOUT (9 s) later the sweep asks the channel, which never saw it.
    const failed = await waitFor(
      () => order(created.id),
      (response) => response.body.latest_payment?.status === 'failed',
      20_000,
    );
    expect(failed.body).toMatchObject({
      status: 'awaiting_payment',
      latest_payment: { status: 'failed', failure_code: 'not_received_by_channel' },
    });
    const again = await client.submitCard(created.checkout_url, '4242 4242 4242 4242');
    expect(again.status).toBe(303);
    const paid = await waitFor(
      () => order(created.id),
      (response) => response.body.status === 'paid',
    );
    expect(paid.body.latest_payment).toMatchObject({ id: again.paymentId, status: 'succeeded' });
    expect(await ledger.balance(Accounts.escrow(created.id), 'CNY')).toBe(990n);
  });

  it('applies the result the channel has for a payment whose notification never came', async () => {
    const created = await client.createOrder({ amount: 1230, description: 'stuck but charged' });
    // The silent card: the sandbox charged it and answers when asked, but never notifies.
    await client.submitCard(created.checkout_url, SILENT_CARD);
    const paid = await waitFor(
      () => order(created.id),
      (response) => response.body.status === 'paid',
      20_000,
    );
    expect(paid.body).toMatchObject({ latest_payment: { status: 'succeeded' }, hold: { amount: 1230 } });
    expect(await ledger.balance(Accounts.escrow(created.id), 'CNY')).toBe(1230n);
  });
});

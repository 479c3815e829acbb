// Proves that channel notifications gathered into one transaction move money exactly as if each had
// come alone: clean successes are applied in bulk, and repeats, contradictions, mismatches and
// unknown payments inside the same batch are still decided one by one, in arrival order. A batch
// whose bulk transaction fails falls back to deciding every member alone.
// Real: the api's full stack, MariaDB, Redis. Notifications go straight to the intake service, all
// in one tick, so that they certainly share a batch; the HTTP test shows the same through the route.
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { Accounts, LedgerService } from '@danbao/ledger';
import { signPayload } from '@danbao/channels';
import { IntakeResult, NotificationIntakeService } from '@danbao/checkout';
import { Stack, startStack } from '@danbao/testing';
import { AppModule } from '../../apps/api/src/app.module';
import { ApiClient, SANDBOX_SECRET } from '../support/api-client';

describe('batched notification intake', () => {
  let stack: Stack;
  let app: NestFastifyApplication;
  let client: ApiClient;
  let ledger: LedgerService;
  let dataSource: DataSource;
  let intake: NotificationIntakeService;

  beforeAll(async () => {
    stack = await startStack(AppModule.forRoot);
    app = stack.app;
    client = await ApiClient.create(app);
    ledger = app.get(LedgerService);
    dataSource = app.get(DataSource);
    intake = app.get(NotificationIntakeService);
  });

  afterEach(async () => {
    const report = await ledger.check();
    expect(report.violations).toEqual([]);
    expect(report.balanced).toBe(true);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  /** Orders with a submitted card each: a processing payment waiting for its notification. */
  async function submittedOrders(count: number, amount: number) {
    const orders = [];
    for (let index = 0; index < count; index += 1) {
      const order = await client.createOrder({ amount: amount + index, seller_id: `seller_${index % 3}` });
      const submitted = await client.submitCard(order.checkout_url, '4242 4242 4242 4242');
      expect(submitted.status).toBe(303);
      orders.push({ id: order.id as string, amount: amount + index, paymentId: submitted.paymentId! });
    }
    return orders;
  }

  function receive(body: Record<string, unknown>): Promise<IntakeResult> {
    const raw = JSON.stringify(body);
    return intake.receive('sandbox', raw, signPayload(SANDBOX_SECRET, raw));
  }

  const escrow = (orderId: string) => ledger.balance(Accounts.escrow(orderId), 'CNY');

  async function paymentTransactions(paymentId: string): Promise<number> {
    const [{ n }] = await dataSource.query(
      'SELECT COUNT(*) AS n FROM ledger_transactions WHERE reference = ?',
      [`payment:${paymentId}`],
    );
    return Number(n);
  }

  async function orderRow(orderId: string) {
    const [row] = await dataSource.query(
      'SELECT status, pending_payment_id, paid_at FROM orders WHERE id = ?',
      [orderId],
    );
    return row as { status: string; pending_payment_id: string | null; paid_at: Date | null };
  }

  it('pays 30 orders from 30 notifications that arrive together, in fewer transactions than orders', async () => {
    const orders = await submittedOrders(30, 1000);
    const batchesBefore = await batchCount();
    const results = await Promise.all(
      orders.map((order, index) =>
        receive(client.paymentNotification(`ntf_bulk_${index}`, order.paymentId, order.amount)),
      ),
    );
    expect(results).toEqual(orders.map((_, index) => ({ id: `ntf_bulk_${index}`, outcome: 'applied' })));
    // One tick's arrivals share one batch.
    expect((await batchCount()) - batchesBefore).toBe(1);
    for (const order of orders) {
      expect(await orderRow(order.id)).toMatchObject({ status: 'paid', pending_payment_id: null });
      expect(await escrow(order.id)).toBe(BigInt(order.amount));
      expect(await paymentTransactions(order.paymentId)).toBe(1);
    }
    const holds = await dataSource.query(
      `SELECT order_id, amount, status, payment_id FROM holds WHERE order_id IN (${orders.map(() => '?').join(',')})`,
      orders.map((order) => order.id),
    );
    expect(holds).toHaveLength(30);
    for (const hold of holds) {
      const order = orders.find((candidate) => candidate.id === hold.order_id)!;
      expect(hold).toMatchObject({
        amount: String(order.amount),
        status: 'held',
        payment_id: order.paymentId,
      });
    }
    const stored = await dataSource.query(
      "SELECT notification_id, outcome, reference FROM channel_notifications WHERE notification_id LIKE 'ntf_bulk_%'",
    );
    expect(stored).toHaveLength(30);
    expect(stored.every((row: { outcome: string }) => row.outcome === 'applied')).toBe(true);
    const events = await dataSource.query(
      `SELECT object_id, payload FROM outbox_events WHERE type = 'order.paid' AND object_id IN (${orders.map(() => '?').join(',')})`,
      orders.map((order) => order.id),
    );
    expect(events).toHaveLength(30);
    for (const event of events) {
      const payload = typeof event.payload === 'string' ? JSON.parse(event.payload) : event.payload;
      const order = orders.find((candidate) => candidate.id === event.object_id)!;
      expect(payload.data.object).toMatchObject({
        id: order.id,
        status: 'paid',
        amount: order.amount,
        latest_payment: { id: order.paymentId, status: 'succeeded' },
        hold: { amount: order.amount, released: 0, refunded: 0, status: 'held' },
      });
    }
  });

  it('decides repeats, contradictions, mismatches and unknown payments in one batch as if alone', async () => {
    const [repeated, contradicted, mismatched, clean1, clean2] = await submittedOrders(5, 2000);
    const notes = {
      first: client.paymentNotification('ntf_mix_a', repeated.paymentId, repeated.amount),
      // The same notification again, and the same success under another id.
      replay: client.paymentNotification('ntf_mix_a', repeated.paymentId, repeated.amount),
      sameSuccess: client.paymentNotification('ntf_mix_b', repeated.paymentId, repeated.amount),
      failed: client.paymentNotification(
        'ntf_mix_c',
        contradicted.paymentId,
        contradicted.amount,
        'CNY',
        'payment.failed',
        {
          failure_code: 'card_declined',
        },
      ),
      lateSuccess: client.paymentNotification('ntf_mix_d', contradicted.paymentId, contradicted.amount),
      wrongAmount: client.paymentNotification('ntf_mix_e', mismatched.paymentId, mismatched.amount + 1),
      unknown: client.paymentNotification('ntf_mix_f', 'pay_nosuchpayment000000000000', 100),
      clean1: client.paymentNotification('ntf_mix_g', clean1.paymentId, clean1.amount),
      clean2: client.paymentNotification('ntf_mix_h', clean2.paymentId, clean2.amount),
    };
    const batchesBefore = await batchCount();
    const entries = Object.entries(notes);
    const answers = Object.fromEntries(
      (await Promise.all(entries.map(([, body]) => receive(body)))).map((answer, index) => [
        entries[index][0],
        answer,
      ]),
    );
    expect((await batchCount()) - batchesBefore).toBe(1);

    // In arrival order: the first success applies, its replay and the second id are duplicates.
    expect(answers.first).toEqual({ id: 'ntf_mix_a', outcome: 'applied' });
    expect(answers.replay).toEqual({ id: 'ntf_mix_a', outcome: 'duplicate' });
    expect(answers.sameSuccess).toEqual({ id: 'ntf_mix_b', outcome: 'duplicate' });
    expect(await escrow(repeated.id)).toBe(BigInt(repeated.amount));
    expect(await paymentTransactions(repeated.paymentId)).toBe(1);

    // The failure came first: it stands, and the success after it is a late contradiction.
    expect(answers.failed).toEqual({ id: 'ntf_mix_c', outcome: 'applied' });
    expect(answers.lateSuccess).toEqual({
      id: 'ntf_mix_d',
      outcome: 'flagged',
      review_reason: 'late_contradiction',
    });
    expect(await orderRow(contradicted.id)).toMatchObject({
      status: 'awaiting_payment',
      pending_payment_id: null,
    });
    expect(await escrow(contradicted.id)).toBe(0n);
    expect(await paymentTransactions(contradicted.paymentId)).toBe(0);

    expect(answers.wrongAmount).toEqual({
      id: 'ntf_mix_e',
      outcome: 'flagged',
      review_reason: 'amount_mismatch',
    });
    expect(await orderRow(mismatched.id)).toMatchObject({ status: 'awaiting_payment', paid_at: null });
    expect(await escrow(mismatched.id)).toBe(0n);
    expect(answers.unknown).toEqual({
      id: 'ntf_mix_f',
      outcome: 'flagged',
      review_reason: 'unknown_reference',
    });

    for (const [key, order] of [
      ['clean1', clean1],
      ['clean2', clean2],
    ] as const) {
      expect(answers[key]).toMatchObject({ outcome: 'applied' });
      expect(await orderRow(order.id)).toMatchObject({ status: 'paid' });
      expect(await escrow(order.id)).toBe(BigInt(order.amount));
    }
    // Every notification id is stored once, with the outcome it was answered with.
    const stored = await dataSource.query(
      "SELECT notification_id, outcome FROM channel_notifications WHERE notification_id LIKE 'ntf_mix_%' ORDER BY notification_id",
    );
    expect(
      stored.map((row: { notification_id: string; outcome: string }) => [row.notification_id, row.outcome]),
    ).toEqual([
      ['ntf_mix_a', 'applied'],
      ['ntf_mix_b', 'duplicate'],
      ['ntf_mix_c', 'applied'],
      ['ntf_mix_d', 'flagged'],
      ['ntf_mix_e', 'flagged'],
      ['ntf_mix_f', 'flagged'],
      ['ntf_mix_g', 'applied'],
      ['ntf_mix_h', 'applied'],
    ]);
  });

  it('falls back to one by one when the bulk transaction fails, moving money once', async () => {
    const [reused, ...others] = await submittedOrders(4, 3000);
    // An id stored before (flagged for its amount) comes back with the right amount in a batch of
    // clean successes: the batch's INSERT fails on that id, and every member is decided alone.
    await expect(
      receive(client.paymentNotification('ntf_fb_reused', reused.paymentId, reused.amount + 5)),
    ).resolves.toMatchObject({ outcome: 'flagged', review_reason: 'amount_mismatch' });
    const answers = await Promise.all([
      receive(client.paymentNotification('ntf_fb_reused', reused.paymentId, reused.amount)),
      ...others.map((order, index) =>
        receive(client.paymentNotification(`ntf_fb_${index}`, order.paymentId, order.amount)),
      ),
    ]);
    expect(answers[0]).toEqual({ id: 'ntf_fb_reused', outcome: 'duplicate' });
    expect(answers.slice(1)).toEqual(
      others.map((_, index) => ({ id: `ntf_fb_${index}`, outcome: 'applied' })),
    );
    // A repeated id is a repeat whatever its body: its payment stays processing, no money moves.
    expect(await orderRow(reused.id)).toMatchObject({
      status: 'awaiting_payment',
      pending_payment_id: reused.paymentId,
    });
    expect(await escrow(reused.id)).toBe(0n);
    for (const order of others) {
      expect(await escrow(order.id)).toBe(BigInt(order.amount));
      expect(await paymentTransactions(order.paymentId)).toBe(1);
    }
  });

  it('batches notifications posted concurrently over HTTP, and answers each with its own outcome', async () => {
    const orders = await submittedOrders(12, 4000);
    const answers = await Promise.all(
      orders.map((order, index) =>
        client.notify(client.paymentNotification(`ntf_http_${index}`, order.paymentId, order.amount)),
      ),
    );
    answers.forEach((answer, index) => {
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ received: true, id: `ntf_http_${index}`, outcome: 'applied' });
    });
    for (const order of orders) expect(await escrow(order.id)).toBe(BigInt(order.amount));
  });

  /** How many batches the intake has decided so far (from /metrics, as an operator would see it). */
  async function batchCount(): Promise<number> {
    const metrics = await client.http().get('/metrics').expect(200);
    const match = /^danbao_notification_intake_batch_size_count (\d+)/m.exec(metrics.text);
    return match ? Number(match[1]) : 0;
  }
});

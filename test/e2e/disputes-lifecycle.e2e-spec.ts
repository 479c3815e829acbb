// Proves the dispute lifecycle over HTTP and its money on both sides: our ledger (escrow, the
// seller's available balance, fees, the channel) and the sandbox channel's own refund records.
// Accept in full and in part (the rest released, the fee on the released part only), a return
// confirmed by the seller, rejection → escalation → each admin outcome, a ruling above
// ADMIN_APPROVAL_THRESHOLD approved by a second admin (its own admin refused, no money before),
// withdrawal and a second dispute, a third refused, a refund the channel fails and an admin retries,
// messages and the timeline. Real: the api listening on a port, a worker process (the sandbox's
// refund notifications), MariaDB, Redis. Orders are paid by the factory, as a sandbox payment would.
import { DisputeHarness } from '../support/disputes-harness';

describe('disputes: lifecycle and money', () => {
  const h = new DisputeHarness();

  beforeAll(async () => {
    // Every window long: the deadlines have their own suite; here only people act.
    await h.start({
      SELLER_RESPONSE_WINDOW: '1h',
      ESCALATION_WINDOW: '1h',
      RETURN_SHIP_WINDOW: '1h',
      RETURN_CONFIRM_WINDOW: '1h',
      ADMIN_APPROVAL_THRESHOLD: '5000',
      SWEEP_INTERVAL: '2s',
    });
  });

  afterEach(async () => {
    await h.expectCleanBooks();
  });

  afterAll(async () => {
    await h.stop();
  });

  it('accept in full: the whole hold goes back through the channel and leaves escrow on its confirmation', async () => {
    const order = await h.paidOrder({ amount: 10_000 });
    await h.ship(order);
    const opened = await h.opened(order, { refund_amount: 10_000, message: 'It arrived broken' });
    expect(opened).toMatchObject({
      object: 'dispute',
      order_id: order.orderId,
      status: 'awaiting_seller',
      reason: 'damaged',
      refund_amount: 10_000,
      currency: 'CNY',
      return_goods: false,
      deadline_kind: 'seller_response',
      resolution: null,
    });
    expect(await h.hold(order)).toMatchObject({ status: 'frozen', release_due_at: null });
    expect((await h.http().get(`/v1/orders/${order.orderId}`).set(h.buyerOf(order))).body.hold.status).toBe(
      'frozen',
    );

    const accepted = await h.act(opened.id, 'accept', h.sellerOf(order));
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({
      status: 'refunded',
      deadline_kind: null,
      resolution: { outcome: 'refund', refund_amount: 10_000, resolved_by: `seller:${order.sellerId}` },
    });
    const hold = await h.waitForRefunded(order, 10_000n);
    expect(hold).toMatchObject({ status: 'refunded', refunded: '10000', released: '0', fee: '0' });
    expect(await h.escrowBalance(order)).toBe(0n);
    expect(await h.sellerIncoming(order)).toBe(0n);
    expect(await h.feeOf(order)).toBe(0n);
    expect(await h.channelNet(order)).toBe(0n);
    expect(await h.sandboxRefunds(order)).toEqual([
      { reference: expect.stringMatching(/^rfd_/), amount: '10000', result: 'succeeded' },
    ]);
    expect((await h.orderRow(order)).status).toBe('refunded');
    // Events of one transaction share their millisecond: compared by type.
    const events = await h.events(opened.id);
    expect(events.sort((a, b) => a.type.localeCompare(b.type))).toEqual([
      { type: 'dispute.accepted', status: 'refunded' },
      { type: 'dispute.opened', status: 'awaiting_seller' },
      { type: 'dispute.resolved', status: 'refunded' },
    ]);
  });

  it('accept in part: the refund goes back, the rest is released with the fee on the released part only', async () => {
    const order = await h.paidOrder({ amount: 10_000, feeBps: 200 });
    await h.ship(order);
    const opened = await h.opened(order, { refund_amount: 4_000, reason: 'not_as_described' });
    const accepted = await h.act(opened.id, 'accept', h.sellerOf(order)).expect(202);
    expect(accepted.body).toMatchObject({
      status: 'partially_refunded',
      resolution: { outcome: 'partial_refund', refund_amount: 4_000 },
    });
    await h.waitForRefunded(order, 4_000n);
    // 6,000 released at 2 %: fee 120 (not 200, the fee of the whole), the seller gets 5,880.
    expect(await h.hold(order)).toMatchObject({ status: 'partially_refunded', fee: '120', released: '5880' });
    expect(await h.feeOf(order)).toBe(120n);
    expect(await h.sellerIncoming(order)).toBe(5_880n);
    expect(await h.escrowBalance(order)).toBe(0n);
    expect(await h.channelNet(order)).toBe(-6_000n);
    expect(await h.sandboxRefunds(order)).toEqual([
      expect.objectContaining({ amount: '4000', result: 'succeeded' }),
    ]);
    expect((await h.orderRow(order)).status).toBe('completed');
  });

  it('a return: accepted, shipped back, confirmed by the seller, then refunded', async () => {
    const order = await h.paidOrder({ amount: 8_000 });
    await h.ship(order);
    const opened = await h.opened(order, { refund_amount: 8_000, return_goods: true, reason: 'wrong_item' });
    const accepted = await h.act(opened.id, 'accept', h.sellerOf(order)).expect(202);
    expect(accepted.body).toMatchObject({
      status: 'awaiting_return',
      deadline_kind: 'return_ship',
      resolution: null,
    });
    expect(await h.sandboxRefunds(order)).toEqual([]);
    expect(await h.hold(order)).toMatchObject({ status: 'frozen' });

    // The seller cannot confirm a parcel not yet sent; the buyer ships it.
    expect((await h.act(opened.id, 'confirm_return', h.sellerOf(order))).body.error.code).toBe(
      'dispute_not_awaiting_return_confirmation',
    );
    const shipped = await h
      .act(opened.id, 'return_shipment', h.buyerOf(order), {
        carrier: 'EMS',
        tracking_number: 'EE123456789CN',
      })
      .expect(200);
    expect(shipped.body).toMatchObject({
      status: 'awaiting_return_confirmation',
      deadline_kind: 'return_confirm',
      return_shipment: { carrier: 'EMS', tracking_number: 'EE123456789CN' },
    });
    const confirmed = await h.act(opened.id, 'confirm_return', h.sellerOf(order)).expect(202);
    expect(confirmed.body).toMatchObject({ status: 'refunded', resolution: { outcome: 'refund' } });
    await h.waitForRefunded(order, 8_000n);
    expect(await h.escrowBalance(order)).toBe(0n);
    expect(await h.sandboxRefunds(order)).toEqual([
      expect.objectContaining({ amount: '8000', result: 'succeeded' }),
    ]);
  });

  describe('rejected, escalated, ruled by an admin', () => {
    async function escalated(amount = 3_000) {
      const order = await h.paidOrder({ amount, feeBps: 300 });
      await h.ship(order);
      const opened = await h.opened(order, { refund_amount: amount, reason: 'not_received' });
      const rejected = await h
        .act(opened.id, 'reject', h.sellerOf(order), { message: 'Tracking shows it was delivered' })
        .expect(200);
      expect(rejected.body).toMatchObject({ status: 'rejected', deadline_kind: 'escalation' });
      const up = await h.act(opened.id, 'escalate', h.buyerOf(order)).expect(200);
      expect(up.body).toMatchObject({
        status: 'escalated',
        deadline_kind: null,
        escalated_at: expect.any(String),
      });
      return { order, id: opened.id as string };
    }

    it('lists escalated disputes for admins, the longest waiting first, with how long each waited', async () => {
      const first = await escalated();
      const second = await escalated();
      const listed = await h.http().get('/v1/admin/disputes?status=escalated').set(h.admin()).expect(200);
      const ids = listed.body.data.map((dispute: { id: string }) => dispute.id);
      expect(ids.indexOf(first.id)).toBeLessThan(ids.indexOf(second.id));
      expect(listed.body.data[0]).toMatchObject({ status: 'escalated', waiting_seconds: expect.any(Number) });
      const paged = await h
        .http()
        .get(`/v1/admin/disputes?status=escalated&limit=1&starting_after=${first.id}`)
        .set(h.admin())
        .expect(200);
      expect(paged.body.data[0].id).not.toBe(first.id);
      // Tidy: release both so nothing stays frozen.
      for (const { id } of [first, second])
        await h.adminAct(id, 'resolve', h.admin(), { outcome: 'release', note: 'tidy' }).expect(202);
    });

    it('refund: everything back to the buyer', async () => {
      const { order, id } = await escalated();
      const ruled = await h.adminAct(id, 'resolve', h.admin(), {
        outcome: 'refund',
        note: 'No proof of delivery',
      });
      expect(ruled.status).toBe(202);
      expect(ruled.body).toMatchObject({
        status: 'refunded',
        resolution: {
          outcome: 'refund',
          refund_amount: 3_000,
          note: 'No proof of delivery',
          resolved_by: 'admin:adm_1',
        },
      });
      await h.waitForRefunded(order, 3_000n);
      expect(await h.escrowBalance(order)).toBe(0n);
      expect(await h.sellerIncoming(order)).toBe(0n);
      expect(await h.sandboxRefunds(order)).toEqual([
        expect.objectContaining({ amount: '3000', result: 'succeeded' }),
      ]);
    });

    it('release: everything to the seller, less the fee; the channel refunds nothing', async () => {
      const { order, id } = await escalated();
      const ruled = await h
        .adminAct(id, 'resolve', h.admin(), { outcome: 'release', note: 'Delivered' })
        .expect(202);
      expect(ruled.body).toMatchObject({
        status: 'released',
        resolution: { outcome: 'release', refund_amount: 0 },
      });
      // 3,000 at 3 %: fee 90, net 2,910, posted in the ruling's transaction.
      expect(await h.hold(order)).toMatchObject({ status: 'released', fee: '90', released: '2910' });
      expect(await h.sellerIncoming(order)).toBe(2_910n);
      expect(await h.feeOf(order)).toBe(90n);
      expect(await h.escrowBalance(order)).toBe(0n);
      expect(await h.sandboxRefunds(order)).toEqual([]);
      expect((await h.orderRow(order)).status).toBe('completed');
    });

    it('partial_refund: the amount given back, the rest released with the fee on it only', async () => {
      const { order, id } = await escalated();
      const ruled = await h
        .adminAct(id, 'resolve', h.admin(), {
          outcome: 'partial_refund',
          refund_amount: 1_000,
          note: 'Half fair',
        })
        .expect(202);
      expect(ruled.body).toMatchObject({
        status: 'partially_refunded',
        resolution: { refund_amount: 1_000 },
      });
      await h.waitForRefunded(order, 1_000n);
      // 2,000 released at 3 %: fee 60, net 1,940.
      expect(await h.sellerIncoming(order)).toBe(1_940n);
      expect(await h.feeOf(order)).toBe(60n);
      expect(await h.escrowBalance(order)).toBe(0n);
    });

    it('refuses a partial_refund of nothing, of everything, or without an amount', async () => {
      const { order, id } = await escalated();
      for (const body of [
        { outcome: 'partial_refund', note: 'x' },
        { outcome: 'partial_refund', refund_amount: 3_000, note: 'x' },
        { outcome: 'partial_refund', refund_amount: 0, note: 'x' },
        { outcome: 'refund', refund_amount: 5, note: 'x' },
      ]) {
        const response = await h.adminAct(id, 'resolve', h.admin(), body);
        expect({ body, status: response.status, param: response.body.error?.param }).toEqual({
          body,
          status: 400,
          param: 'refund_amount',
        });
      }
      const noNote = await h.adminAct(id, 'resolve', h.admin(), { outcome: 'release' });
      expect(noNote.body.error).toMatchObject({ code: 'parameter_missing', param: 'note' });
      expect((await h.dispute(id)).status).toBe('escalated');
      expect(await h.hold(order)).toMatchObject({ status: 'frozen' });
      await h.adminAct(id, 'resolve', h.admin(), { outcome: 'release', note: 'tidy' }).expect(202);
    });

    it('above the threshold: waits for a second admin, moves no money before; its own admin is refused', async () => {
      const { order, id } = await escalated(9_000);
      const ruled = await h.adminAct(id, 'resolve', h.admin('adm_1'), { outcome: 'refund', note: 'Big one' });
      expect(ruled.status).toBe(202);
      expect(ruled.body).toMatchObject({
        status: 'awaiting_approval',
        resolution: {
          outcome: 'refund',
          refund_amount: 9_000,
          resolved_by: 'admin:adm_1',
          approved_by: null,
        },
      });
      expect(await h.hold(order)).toMatchObject({ status: 'frozen', refund_due: '0' });
      expect(await h.escrowBalance(order)).toBe(9_000n);
      expect(await h.kinds(order)).toEqual(['payment']);

      const self = await h.adminAct(id, 'approve', h.admin('adm_1'));
      expect(self.status).toBe(403);
      expect(self.body.error.code).toBe('forbidden');
      const again = await h.adminAct(id, 'resolve', h.admin('adm_2'), { outcome: 'release', note: 'No' });
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('dispute_already_resolved');
      expect(again.body.error.message).toContain(ruled.body.resolution.id);
      expect(await h.escrowBalance(order)).toBe(9_000n);
      expect(await h.sandboxRefunds(order)).toEqual([]);

      const approved = await h.adminAct(id, 'approve', h.admin('adm_2')).expect(202);
      expect(approved.body).toMatchObject({
        status: 'refunded',
        resolution: { id: ruled.body.resolution.id, resolved_by: 'admin:adm_1', approved_by: 'admin:adm_2' },
      });
      await h.waitForRefunded(order, 9_000n);
      expect(await h.escrowBalance(order)).toBe(0n);
      expect(await h.sandboxRefunds(order)).toEqual([
        expect.objectContaining({ amount: '9000', result: 'succeeded' }),
      ]);
      expect((await h.adminAct(id, 'approve', h.admin('adm_3'))).body.error.code).toBe(
        'dispute_not_awaiting_approval',
      );
      // Every admin action is in the audit log, refused ones included, in the order they ran.
      const audit: { actor_id: string; action: string; after_state: string }[] = await h.dataSource.query(
        "SELECT actor_id, action, after_state FROM audit_log WHERE subject_type = 'dispute' AND subject_id = ? ORDER BY created_at, id",
        [id],
      );
      expect(audit.map((row) => [row.actor_id, row.action, JSON.parse(row.after_state).result])).toEqual([
        ['adm_1', 'dispute.resolve', 'awaiting_approval'],
        ['adm_1', 'dispute.approve', 'refused'],
        ['adm_2', 'dispute.resolve', 'refused'],
        ['adm_2', 'dispute.approve', 'applied'],
        ['adm_3', 'dispute.approve', 'refused'],
      ]);
    });
  });

  it('withdraw: the hold is held again and the receipt deadline resumes; a second dispute, then no third', async () => {
    const order = await h.paidOrder({ amount: 5_000 });
    const shipped = await h.ship(order);
    const deadline = Date.parse(shipped.auto_confirm_at);
    const first = await h.opened(order, { refund_amount: 100 });
    const withdrawn = await h.act(first.id, 'withdraw', h.buyerOf(order)).expect(200);
    expect(withdrawn.body).toMatchObject({ status: 'withdrawn', deadline_kind: null });
    const held = await h.hold(order);
    expect(held.status).toBe('held');
    // The deadline resumes with the time it had left: it moved later by about the time frozen.
    expect(held.release_due_at!.getTime()).toBeGreaterThanOrEqual(deadline);
    expect(held.release_due_at!.getTime() - deadline).toBeLessThan(10_000);
    expect((await h.orderRow(order)).auto_confirm_at!.getTime()).toBe(held.release_due_at!.getTime());

    const second = await h.opened(order, { refund_amount: 200, reason: 'other' });
    expect(second.status).toBe('awaiting_seller');
    const whileOpen = await h.open(order, { reason: 'other', refund_amount: 1 });
    expect(whileOpen.status).toBe(409);
    expect(whileOpen.body.error.code).toBe('dispute_already_open');
    await h.act(second.id, 'withdraw', h.buyerOf(order)).expect(200);
    const third = await h.open(order, { reason: 'other', refund_amount: 1 });
    expect(third.status).toBe(409);
    expect(third.body.error).toMatchObject({ type: 'conflict_error', code: 'dispute_limit_reached' });
    expect(await h.escrowBalance(order)).toBe(5_000n);
    expect(await h.kinds(order)).toEqual(['payment']);
    // The buyer's list shows both, newest first.
    const mine = await h.http().get('/v1/disputes').set(h.buyerOf(order)).expect(200);
    expect(mine.body.data.map((dispute: { id: string }) => dispute.id)).toEqual([second.id, first.id]);
    expect((await h.act(first.id, 'withdraw', h.buyerOf(order))).body.error.code).toBe('dispute_not_open');
  });

  it('a refund the channel fails (card …5126) waits in escrow until an admin retries it', async () => {
    const order = await h.paidOrder({ amount: 2_500 }, { cardLast4: '5126' });
    await h.ship(order);
    const opened = await h.opened(order, { refund_amount: 2_500 });
    await h.act(opened.id, 'accept', h.sellerOf(order)).expect(202);
    const failed = await waitForRefundStatus(order.orderId, 'failed');
    expect(failed).toMatchObject({ amount: 2_500, failure_code: 'refund_declined' });
    // Nothing left escrow: the money waits for a refund that succeeds.
    expect(await h.escrowBalance(order)).toBe(2_500n);
    expect(await h.hold(order)).toMatchObject({ status: 'refunded', refunded: '0', refund_due: '2500' });
    // The refusal is an event the marketplace can act on (API.md: refund.failed).
    const [event] = await h.dataSource.query(
      "SELECT payload FROM outbox_events WHERE type = 'refund.failed' AND object_id = ?",
      [failed.id],
    );
    expect(JSON.parse(event.payload).data.object).toMatchObject({
      id: failed.id,
      object: 'refund',
      status: 'failed',
      amount: 2_500,
      failure_code: 'refund_declined',
      order_id: order.orderId,
      source: 'escrow',
    });
    await h.expectCleanBooks();

    await h.http().post(`/v1/admin/refunds/${failed.id}/retry`).set(h.admin()).expect(202);
    await h.waitForRefunded(order, 2_500n);
    expect(await h.escrowBalance(order)).toBe(0n);
    expect(await h.sandboxRefunds(order)).toEqual([
      expect.objectContaining({ amount: '2500', result: 'failed' }),
      expect.objectContaining({ amount: '2500', result: 'succeeded' }),
    ]);
  });

  it('keeps a timeline of messages and status changes, with https attachments only', async () => {
    const order = await h.paidOrder({ amount: 1_000 });
    await h.ship(order);
    const opened = await h.opened(order, { refund_amount: 500, message: 'Scratched lid' });
    const photo = 'https://img.example.com/lid.jpg';
    const byBuyer = await h
      .act(opened.id, 'messages', h.buyerOf(order), { text: 'Photos', attachment_urls: [photo] })
      .expect(201);
    expect(byBuyer.body).toMatchObject({
      object: 'dispute_message',
      author_role: 'buyer',
      attachment_urls: [photo],
    });
    await h.act(opened.id, 'messages', h.sellerOf(order), { text: 'Looking' }).expect(201);
    await h.act(opened.id, 'messages', h.admin(), { text: 'Noted' }).expect(201);
    for (const bad of [
      { text: 'x', attachment_urls: ['http://img.example.com/a.jpg'] },
      { text: 'x', attachment_urls: new Array(6).fill(photo) },
      { text: '' },
    ]) {
      const response = await h.act(opened.id, 'messages', h.buyerOf(order), bad);
      expect(response.status).toBe(400);
      expect(['attachment_urls', 'text']).toContain(response.body.error.param);
    }
    await h.act(opened.id, 'reject', h.sellerOf(order), { message: 'Was fine when sent' }).expect(200);
    const detail = await h.http().get(`/v1/disputes/${opened.id}`).set(h.sellerOf(order)).expect(200);
    expect(
      detail.body.timeline.map((entry: Record<string, any>) =>
        entry.type === 'message' ? `${entry.author_role}: ${entry.text}` : `${entry.from} → ${entry.to}`,
      ),
    ).toEqual([
      'null → awaiting_seller',
      'buyer: Scratched lid',
      'buyer: Photos',
      'seller: Looking',
      'admin: Noted',
      'awaiting_seller → rejected',
      'seller: Was fine when sent',
    ]);
    await h.act(opened.id, 'withdraw', h.buyerOf(order)).expect(200);
    const late = await h.act(opened.id, 'messages', h.buyerOf(order), { text: 'one more' });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('dispute_not_open');
  });

  async function waitForRefundStatus(orderId: string, status: string) {
    const { waitFor } = await import('@danbao/testing');
    const listed = await waitFor(
      () => h.http().get(`/v1/admin/refunds?status=${status}`).set(h.admin()),
      (response) => response.body.data?.some((refund: { order_id: string }) => refund.order_id === orderId),
      20_000,
    );
    return listed.body.data.find((refund: { order_id: string }) => refund.order_id === orderId);
  }
});

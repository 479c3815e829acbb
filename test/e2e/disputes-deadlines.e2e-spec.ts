// Proves the dispute deadlines, fired by the worker from delayed jobs and the sweep, and their
// money: a seller silent past SELLER_RESPONSE_WINDOW is taken to accept; a rejection not escalated
// within ESCALATION_WINDOW closes and the receipt deadline resumes with the time it had left (the
// order is then released by it); a return never shipped closes; a returned parcel the seller does
// not confirm within RETURN_CONFIRM_WINDOW is taken as received and refunded; and the MAX_HOLD
// refund of a never-shipped order reaches the channel. Windows are seconds here.
// Real: the api listening on a port, a worker process, MariaDB, Redis, the sandbox channel.
import { waitFor } from '@danbao/testing';
import { DisputeHarness } from '../support/disputes-harness';

const WINDOW_MS = 2_000;

describe('disputes: deadlines', () => {
  const h = new DisputeHarness();

  beforeAll(async () => {
    await h.start({
      SELLER_RESPONSE_WINDOW: '2s',
      ESCALATION_WINDOW: '2s',
      RETURN_SHIP_WINDOW: '2s',
      RETURN_CONFIRM_WINDOW: '2s',
      AUTO_CONFIRM_PICKUP: '8s',
      SWEEP_INTERVAL: '1s',
    });
  });

  afterEach(async () => {
    await h.expectCleanBooks();
  });

  afterAll(async () => {
    await h.stop();
  });

  it('a seller silent past SELLER_RESPONSE_WINDOW is taken to accept: refunded through the channel', async () => {
    const order = await h.paidOrder({ amount: 6_000 });
    await h.ship(order);
    const opened = await h.opened(order, { refund_amount: 6_000 });
    const deadlineAt = Date.parse(opened.deadline_at);
    expect(deadlineAt - Date.parse(opened.created_at)).toBe(WINDOW_MS);
    const refunded = await h.waitForDispute(opened.id, 'refunded');
    expect(refunded).toMatchObject({
      status: 'refunded',
      resolution: { outcome: 'refund', resolved_by: 'deadline' },
    });
    expect(Date.parse(refunded.resolution.resolved_at)).toBeGreaterThanOrEqual(deadlineAt);
    await h.waitForRefunded(order, 6_000n);
    expect(await h.escrowBalance(order)).toBe(0n);
    expect(await h.sandboxRefunds(order)).toEqual([
      expect.objectContaining({ amount: '6000', result: 'succeeded' }),
    ]);
    expect(refunded.timeline.at(-1)).toMatchObject({
      type: 'status_change',
      to: 'refunded',
      actor: 'deadline',
    });
  });

  it('the seller accepting as the silence deadline fires: one acceptance, one refund, either way', async () => {
    for (let trial = 0; trial < 3; trial += 1) {
      const order = await h.paidOrder({ amount: 2_000 });
      await h.ship(order);
      const opened = await h.opened(order, { refund_amount: 2_000 });
      // Aim the seller's accept at the moment the deadline job runs.
      await new Promise((resolve) =>
        setTimeout(resolve, Date.parse(opened.deadline_at) - Date.now() - 5 + trial * 5),
      );
      const accepted = await h.act(opened.id, 'accept', h.sellerOf(order));
      if (accepted.status === 202)
        expect(accepted.body.resolution.resolved_by).toBe(`seller:${order.sellerId}`);
      // The deadline won: the dispute has ended (refunded by it).
      else expect(accepted.body.error.code).toBe('dispute_not_open');
      const refunded = await h.waitForDispute(opened.id, 'refunded');
      expect(refunded.resolution.resolved_by).toBe(
        accepted.status === 202 ? `seller:${order.sellerId}` : 'deadline',
      );
      await h.waitForRefunded(order, 2_000n);
      expect(await h.sandboxRefunds(order)).toHaveLength(1);
      expect(await h.escrowBalance(order)).toBe(0n);
      expect(refunded.timeline.filter((entry: { to?: string }) => entry.to === 'refunded')).toHaveLength(1);
    }
  });

  it('a silent seller of a return dispute: the return is awaited, and if never shipped the dispute closes', async () => {
    const order = await h.paidOrder({ amount: 4_000 });
    await h.ship(order);
    const opened = await h.opened(order, { refund_amount: 4_000, return_goods: true });
    await h.waitForDispute(opened.id, 'awaiting_return');
    const closed = await h.waitForDispute(opened.id, 'closed');
    expect(closed).toMatchObject({ status: 'closed', deadline_kind: null, resolution: null });
    expect(await h.hold(order)).toMatchObject({ status: 'held' });
    expect(await h.escrowBalance(order)).toBe(4_000n);
    expect(await h.sandboxRefunds(order)).toEqual([]);
    expect(await h.kinds(order)).toEqual(['payment']);
  });

  it('a returned parcel not confirmed within RETURN_CONFIRM_WINDOW is taken as received: refunded', async () => {
    const order = await h.paidOrder({ amount: 7_000, feeBps: 200 });
    await h.ship(order);
    const opened = await h.opened(order, { refund_amount: 3_000, return_goods: true });
    await h.act(opened.id, 'accept', h.sellerOf(order)).expect(202);
    await h
      .act(opened.id, 'return_shipment', h.buyerOf(order), { carrier: 'EMS', tracking_number: 'EE1' })
      .expect(200);
    const refunded = await h.waitForDispute(opened.id, 'partially_refunded');
    expect(refunded.resolution).toMatchObject({
      outcome: 'partial_refund',
      refund_amount: 3_000,
      resolved_by: 'deadline',
    });
    await h.waitForRefunded(order, 3_000n);
    // 4,000 released at 2 %: fee 80, net 3,920.
    expect(await h.sellerIncoming(order)).toBe(3_920n);
    expect(await h.feeOf(order)).toBe(80n);
    expect(await h.escrowBalance(order)).toBe(0n);
    expect(await h.sandboxRefunds(order)).toEqual([
      expect.objectContaining({ amount: '3000', result: 'succeeded' }),
    ]);
  });

  it('a rejection not escalated closes; the receipt deadline resumes with the time it had left and releases', async () => {
    const order = await h.paidOrder({ amount: 5_000, feeBps: 200 });
    const shipped = await h.ship(order, 'pickup');
    const receiptDeadline = Date.parse(shipped.auto_confirm_at);
    const opened = await h.opened(order, { refund_amount: 5_000 });
    const frozen = await h.hold(order);
    const leftMs = Number(frozen.deadline_left_ms);
    expect(leftMs).toBeGreaterThan(0);
    expect(Math.abs(receiptDeadline - Date.parse(opened.created_at) - leftMs)).toBeLessThan(5);
    await h.act(opened.id, 'reject', h.sellerOf(order), { message: 'No' }).expect(200);

    const closed = await h.waitForDispute(opened.id, 'closed');
    const closedAt = Date.parse(closed.status_changed_at);
    const held = await h.hold(order);
    expect(held.status === 'held' || held.status === 'released').toBe(true);
    // Resumed: due the time it had left after the close, not at the old deadline.
    const order_ = await h.orderRow(order);
    expect(order_.auto_confirm_at!.getTime()).toBe(closedAt + leftMs);
    expect(order_.auto_confirm_at!.getTime()).toBeGreaterThan(receiptDeadline);

    const released = await waitFor(
      () => h.hold(order),
      (hold) => hold.status === 'released',
      20_000,
    );
    expect(released).toMatchObject({ status: 'released', fee: '100', released: '4900' });
    expect(Date.now()).toBeGreaterThanOrEqual(closedAt + leftMs);
    expect(await h.sellerIncoming(order)).toBe(4_900n);
    expect(await h.escrowBalance(order)).toBe(0n);
  });

  it('the MAX_HOLD refund of a never-shipped order reaches the channel; escrow empties on its confirmation', async () => {
    const order = await h.paidOrder({ amount: 1_234 }, { maxHoldMs: 1_000 });
    const hold = await h.waitForRefunded(order, 1_234n);
    expect(hold).toMatchObject({ status: 'refunded', refunded: '1234' });
    expect(await h.escrowBalance(order)).toBe(0n);
    expect(await h.channelNet(order)).toBe(0n);
    expect(await h.sandboxRefunds(order)).toEqual([
      { reference: expect.stringMatching(/^rfd_/), amount: '1234', result: 'succeeded' },
    ]);
    expect((await h.orderRow(order)).status).toBe('refunded');
  });
});

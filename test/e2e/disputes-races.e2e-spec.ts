// Proves disputes under real parallel requests (Promise.all of HTTP calls) and against bad input
// and the wrong caller: confirm receipt against opening a dispute (exactly one wins, T14); ten
// openings at once on one order (one 201, nine 409, T19); two admins resolving one dispute (one
// ruling, one ledger effect, the loser told the winner's resolution, both audited, T15); bad
// amounts, reasons and states answered 400/409 naming the field with nothing changed (T24, T27);
// and authorization: 404 for someone else's dispute, 403 for a role that may never act (T32-T35).
// Real: the api listening on a port, a worker process, MariaDB, Redis, the sandbox channel.
import { ApiKeyService } from '@danbao/platform';
import { PaidOrder, waitFor } from '@danbao/testing';
import { DisputeHarness } from '../support/disputes-harness';

describe('disputes: races, bad input, authorization', () => {
  const h = new DisputeHarness();
  let apiKey: string;

  beforeAll(async () => {
    await h.start({
      SELLER_RESPONSE_WINDOW: '1h',
      ESCALATION_WINDOW: '1h',
      RETURN_SHIP_WINDOW: '1h',
      RETURN_CONFIRM_WINDOW: '1h',
      SWEEP_INTERVAL: '2s',
    });
    apiKey = (await h.app.get(ApiKeyService).create('disputes races')).key;
  });

  afterEach(async () => {
    await h.expectCleanBooks();
  });

  afterAll(async () => {
    await h.stop();
  });

  const disputesOf = async (order: PaidOrder) =>
    (await h.dataSource.query('SELECT id, status FROM disputes WHERE order_id = ?', [order.orderId])) as {
      id: string;
      status: string;
    }[];

  describe('races', () => {
    it('confirm receipt against opening a dispute: exactly one wins, every time (T14)', async () => {
      const orders = await Promise.all(Array.from({ length: 6 }, () => h.paidOrder({ amount: 2_000 })));
      for (const order of orders) await h.ship(order);
      const outcomes = await Promise.all(
        orders.map(async (order) => {
          const [confirm, open] = await Promise.all([
            h.http().post(`/v1/orders/${order.orderId}/confirm_receipt`).set(h.buyerOf(order)),
            h.open(order, { reason: 'damaged', refund_amount: 2_000 }),
          ]);
          return { order, confirm, open };
        }),
      );
      for (const { order, confirm, open } of outcomes) {
        expect([confirm.status, open.status].sort()).toEqual(
          confirm.status === 202 ? [202, 409] : [201, 409],
        );
        if (confirm.status === 202) {
          expect(['receipt_already_confirmed', 'hold_already_released']).toContain(open.body.error.code);
          expect(await disputesOf(order)).toEqual([]);
          await waitFor(
            () => h.hold(order),
            (hold) => hold.status === 'released',
            20_000,
          );
          expect(await h.sellerIncoming(order)).toBe(1_960n);
        } else {
          expect(confirm.body.error.code).toBe('order_in_dispute');
          expect(await h.hold(order)).toMatchObject({ status: 'frozen', confirmed_at: null });
          // Never money in the seller's available balance for an order with an open dispute.
          expect(await h.sellerIncoming(order)).toBe(0n);
          await h.act(open.body.id, 'withdraw', h.buyerOf(order)).expect(200);
        }
      }
    });

    it('ten disputes opened at once on one order: one 201, nine 409 (T19)', async () => {
      const order = await h.paidOrder({ amount: 3_000 });
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) => h.open(order, { reason: 'other', refund_amount: 100 + i })),
      );
      const statuses = answers.map((answer) => answer.status).sort();
      expect(statuses).toEqual([201, ...new Array(9).fill(409)]);
      for (const answer of answers.filter((candidate) => candidate.status === 409))
        expect(answer.body.error.code).toBe('dispute_already_open');
      expect(await disputesOf(order)).toHaveLength(1);
      const winner = answers.find((answer) => answer.status === 201)!;
      await h.act(winner.body.id, 'withdraw', h.buyerOf(order)).expect(200);
    });

    it('two admins resolving one dispute at once: one ruling, one ledger effect, the loser told which (T15)', async () => {
      for (let trial = 0; trial < 3; trial += 1) {
        const order = await h.paidOrder({ amount: 4_000, feeBps: 200 });
        await h.ship(order);
        const opened = await h.opened(order, { refund_amount: 4_000 });
        await h.act(opened.id, 'reject', h.sellerOf(order), { message: 'No' }).expect(200);
        await h.act(opened.id, 'escalate', h.buyerOf(order)).expect(200);
        const [refund, release] = await Promise.all([
          h.adminAct(opened.id, 'resolve', h.admin('adm_a'), { outcome: 'refund', note: 'buyer right' }),
          h.adminAct(opened.id, 'resolve', h.admin('adm_b'), { outcome: 'release', note: 'seller right' }),
        ]);
        expect([refund.status, release.status].sort()).toEqual([202, 409]);
        const [winner, loser] = refund.status === 202 ? [refund, release] : [release, refund];
        expect(loser.body.error.code).toBe('dispute_already_resolved');
        expect(loser.body.error.message).toContain(winner.body.resolution.id);
        const kinds = await h.kinds(order);
        if (winner === refund) {
          await h.waitForRefunded(order, 4_000n);
          expect(await h.sellerIncoming(order)).toBe(0n);
          expect(await h.sandboxRefunds(order)).toHaveLength(1);
          expect(kinds).toEqual(['payment']);
        } else {
          expect(await h.sellerIncoming(order)).toBe(3_920n);
          expect(await h.sandboxRefunds(order)).toEqual([]);
          expect(kinds).toEqual(['payment', 'release']);
        }
        expect(await h.escrowBalance(order)).toBe(0n);
        const audited: { actor_id: string }[] = await h.dataSource.query(
          "SELECT actor_id FROM audit_log WHERE action = 'dispute.resolve' AND subject_id = ? ORDER BY actor_id",
          [opened.id],
        );
        expect(audited.map((row) => row.actor_id)).toEqual(['adm_a', 'adm_b']);
      }
    });
  });

  describe('bad input and states: 400 or 409 naming the problem, nothing changed', () => {
    async function expectUntouched(order: PaidOrder) {
      expect(await disputesOf(order)).toEqual([]);
      expect(await h.hold(order)).toMatchObject({ status: 'held', frozen_at: null });
    }

    it.each([
      [{ reason: 'damaged', refund_amount: 0 }, 'refund_amount'],
      [{ reason: 'damaged', refund_amount: -1 }, 'refund_amount'],
      [{ reason: 'damaged', refund_amount: 1.5 }, 'refund_amount'],
      [{ reason: 'damaged', refund_amount: '100' }, 'refund_amount'],
      [{ reason: 'damaged', refund_amount: 5_001 }, 'refund_amount'],
      [{ reason: 'damaged' }, 'refund_amount'],
      [{ reason: 'broken', refund_amount: 100 }, 'reason'],
      [{ refund_amount: 100 }, 'reason'],
      [{ reason: 'damaged', refund_amount: 100, return_goods: 'yes' }, 'return_goods'],
      [{ reason: 'damaged', refund_amount: 100, status: 'refunded' }, 'status'],
    ])('%j → 400 naming %s', async (body, param) => {
      const order = await h.paidOrder({ amount: 5_000 });
      const response = await h.open(order, body);
      expect(response.status).toBe(400);
      expect(response.body.error).toMatchObject({ type: 'invalid_request_error', param });
      await expectUntouched(order);
    });

    it('refuses a dispute on an unpaid order and on a completed one (409)', async () => {
      const created = await h
        .http()
        .post('/v1/orders')
        .set({ Authorization: `Bearer ${apiKey}` })
        .send({
          buyer_id: 'buyer_unpaid',
          seller_id: 'seller_unpaid',
          amount: 900,
          currency: 'CNY',
          description: 'x',
        })
        .expect(201);
      const unpaid = await h
        .http()
        .post(`/v1/orders/${created.body.id}/disputes`)
        .set(h.bearer('buyer', 'buyer_unpaid'))
        .send({ reason: 'not_received', refund_amount: 900 });
      expect(unpaid.status).toBe(409);
      expect(unpaid.body.error).toMatchObject({ type: 'conflict_error', code: 'order_not_paid' });

      const order = await h.paidOrder({ amount: 900 });
      await h.ship(order);
      await h.http().post(`/v1/orders/${order.orderId}/confirm_receipt`).set(h.buyerOf(order)).expect(202);
      await waitFor(
        () => h.hold(order),
        (hold) => hold.status === 'released',
        20_000,
      );
      const completed = await h.open(order, { reason: 'damaged', refund_amount: 900 });
      expect(completed.status).toBe(409);
      expect(completed.body.error.code).toBe('hold_already_released');
      expect(await disputesOf(order)).toEqual([]);
      expect(await h.sellerIncoming(order)).toBe(882n);
    });

    it('refuses a rejection without a message, and a return shipment without a tracking number', async () => {
      const order = await h.paidOrder({ amount: 1_500 });
      await h.ship(order);
      const opened = await h.opened(order, { refund_amount: 1_500, return_goods: true });
      for (const body of [{}, { message: '' }]) {
        const response = await h.act(opened.id, 'reject', h.sellerOf(order), body);
        expect(response.status).toBe(400);
        expect(response.body.error.param).toBe('message');
      }
      expect((await h.dispute(opened.id)).status).toBe('awaiting_seller');
      await h.act(opened.id, 'accept', h.sellerOf(order)).expect(202);
      const noTracking = await h.act(opened.id, 'return_shipment', h.buyerOf(order), { carrier: 'EMS' });
      expect(noTracking.body.error).toMatchObject({ code: 'parameter_missing', param: 'tracking_number' });
      expect((await h.dispute(opened.id)).status).toBe('awaiting_return');
      // Out of order: the seller accepting twice, the buyer escalating an accepted dispute.
      expect((await h.act(opened.id, 'accept', h.sellerOf(order))).body.error.code).toBe(
        'dispute_not_awaiting_seller',
      );
      expect((await h.act(opened.id, 'escalate', h.buyerOf(order))).body.error.code).toBe(
        'dispute_not_rejected',
      );
      await h.act(opened.id, 'withdraw', h.buyerOf(order)).expect(200);
      expect(await h.kinds(order)).toEqual(['payment']);
    });
  });

  describe('authorization', () => {
    it('404 for someone else’s order or dispute; 403 for a role that may never act', async () => {
      const order = await h.paidOrder({ amount: 2_000 });
      await h.ship(order);
      const stranger = h.bearer('buyer', 'buyer_stranger');
      const otherSeller = h.bearer('seller', 'seller_stranger');

      const byStranger = await h.open(order, { reason: 'damaged', refund_amount: 10 }, stranger);
      expect(byStranger.status).toBe(404);
      const bySeller = await h.open(order, { reason: 'damaged', refund_amount: 10 }, h.sellerOf(order));
      expect(bySeller.status).toBe(403);
      expect(bySeller.body.error.code).toBe('forbidden');
      const byMarketplace = await h.open(
        order,
        { reason: 'damaged', refund_amount: 10 },
        {
          Authorization: `Bearer ${apiKey}`,
        },
      );
      expect(byMarketplace.status).toBe(403);
      expect(await disputesOf(order)).toEqual([]);

      const opened = await h.opened(order, { refund_amount: 2_000 });
      const id = opened.id as string;
      expect((await h.http().get(`/v1/disputes/${id}`).set(stranger)).status).toBe(404);
      expect((await h.http().get(`/v1/disputes/${id}`).set(otherSeller)).status).toBe(404);
      expect((await h.http().get(`/v1/disputes/${id}`).set(h.sellerOf(order))).status).toBe(200);
      expect((await h.act(id, 'accept', otherSeller)).status).toBe(404);
      expect((await h.act(id, 'withdraw', stranger)).status).toBe(404);
      expect((await h.act(id, 'messages', stranger, { text: 'hi' })).status).toBe(404);
      for (const [action, as] of [
        ['accept', h.buyerOf(order)],
        ['reject', h.buyerOf(order)],
        ['confirm_return', h.buyerOf(order)],
        ['escalate', h.sellerOf(order)],
        ['withdraw', h.sellerOf(order)],
        ['return_shipment', h.sellerOf(order)],
        ['accept', h.admin()],
      ] as const) {
        const response = await h.act(id, action, as, action === 'reject' ? { message: 'x' } : {});
        expect({ action, status: response.status, code: response.body.error?.code }).toEqual({
          action,
          status: 403,
          code: 'forbidden',
        });
      }
      for (const as of [h.buyerOf(order), h.sellerOf(order)]) {
        expect((await h.http().get('/v1/admin/disputes?status=escalated').set(as)).status).toBe(403);
        expect((await h.adminAct(id, 'resolve', as, { outcome: 'refund', note: 'x' })).status).toBe(403);
        expect((await h.adminAct(id, 'approve', as)).status).toBe(403);
      }
      // Lists are each one's own: a stranger's is empty, the seller's has it.
      expect((await h.http().get('/v1/disputes').set(stranger).expect(200)).body.data).toEqual([]);
      const sellers = await h.http().get('/v1/disputes').set(h.sellerOf(order)).expect(200);
      expect(sellers.body.data.map((dispute: { id: string }) => dispute.id)).toEqual([id]);
      expect((await h.dispute(id)).status).toBe('awaiting_seller');
      expect(await h.hold(order)).toMatchObject({ status: 'frozen' });
      await h.act(id, 'withdraw', h.buyerOf(order)).expect(200);
      expect(await h.kinds(order)).toEqual(['payment']);
    });
  });
});

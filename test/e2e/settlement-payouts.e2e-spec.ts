// Proves seller settlement over HTTP with the money checked in the ledger: balances (pending,
// incoming, available, in payout), maturation by payout delay and risk tier, the daily payout run
// (exactly what is available, once, even run twice or concurrently), manual payouts within
// available, a failed payout returning the funds, and who may see what. Real: the api's full stack
// in-process and listening (the sandbox bank's notifications reach it), a worker process (payout
// sends, sandbox deliveries), MariaDB, Redis. Orders are paid by the factory and released by the
// release service; "a release two days ago" is made by moving its ledger entries' time back.
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { RefundService, signPayload } from '@danbao/channels';
import { HoldResolutionService, ReleaseService } from '@danbao/escrow';
import { Accounts, LedgerService } from '@danbao/ledger';
import { databaseOf, runInTransaction, TokenService } from '@danbao/platform';
import { PayoutService, settlementReconcilers, SettlementService } from '@danbao/settlement';
import { makePaidOrder, shipOrders, Stack, startStack, waitFor } from '@danbao/testing';
import { AppModule } from '../../apps/api/src/app.module';
import { SANDBOX_SECRET } from '../support/api-client';

const DAY_MS = 86_400_000;

describe('seller settlement: balances and payouts', () => {
  let stack: Stack;
  let app: NestFastifyApplication;
  let dataSource: DataSource;
  let ledger: LedgerService;
  let tokens: TokenService;

  beforeAll(async () => {
    stack = await startStack(AppModule.forRoot, {
      listen: true,
      worker: true,
      overrides: { PAYOUT_DELAY: '1d', PAYOUT_DELAY_NEW: '7d', PAYOUT_MINIMUM: '100', SWEEP_INTERVAL: '1h' },
    });
    ({ app } = stack);
    dataSource = app.get(DataSource);
    ledger = app.get(LedgerService);
    tokens = app.get(TokenService);
  });

  afterEach(async () => {
    const report = await ledger.check(undefined, [
      app.get(RefundService).suspenseReconciler,
      ...settlementReconcilers(ledger),
    ]);
    expect(report.violations).toEqual([]);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const http = () => request(app.getHttpServer());
  const bearer = (role: 'buyer' | 'seller' | 'admin', id: string) => ({
    Authorization: `Bearer ${tokens.mint(role, id, 600, role === 'admin' ? `${id}@x.test` : undefined).token}`,
  });
  const admin = () => bearer('admin', 'adm_settle');
  let sellers = 0;
  const newSeller = (suffix = '') => `sel_settle_${Date.now().toString(36)}_${(sellers += 1)}${suffix}`;

  /** A paid order of this seller, shipped, confirmed and released; `daysAgo` moves its release back. */
  async function releasedOrder(
    sellerId: string,
    amount: number,
    options: { daysAgo?: number; feeBps?: number } = {},
  ) {
    const order = await makePaidOrder(dataSource, { sellerId, amount, feeBps: options.feeBps ?? 200 });
    await shipOrders(dataSource, [order], { autoConfirmAt: new Date(), confirmedAt: new Date() });
    const outcome = (await app.get(ReleaseService).releaseBatch([order])).get(order.holdId);
    expect(outcome).toMatchObject({ status: 'released' });
    if (options.daysAgo) {
      const [release] = (await ledger.transactionsForOrder(order.orderId)).filter(
        (t) => t.kind === 'release',
      );
      const at = new Date(Date.now() - options.daysAgo * DAY_MS);
      await dataSource.query('UPDATE ledger_entries SET created_at = ? WHERE transaction_id = ?', [
        at,
        release.id,
      ]);
      await dataSource.query('UPDATE ledger_transactions SET created_at = ? WHERE id = ?', [at, release.id]);
    }
    return order;
  }
  const net = (amount: number, feeBps = 200) => amount - Math.floor((amount * feeBps + 5000) / 10_000);

  async function balance(sellerId: string) {
    const response = await http().get('/v1/balance').set(bearer('seller', sellerId)).expect(200);
    const pick = (column: { amount: number; currency: string }[]) =>
      column.find((entry) => entry.currency === 'CNY')?.amount ?? 0;
    return {
      pending: pick(response.body.pending),
      incoming: pick(response.body.incoming),
      available: pick(response.body.available),
      in_payout: pick(response.body.in_payout),
      owed: pick(response.body.owed),
    };
  }
  const account = (code: string) => ledger.balance(code, 'CNY');
  const runPayouts = () => http().post('/v1/admin/payout_runs').set(admin()).send({});
  const payoutsOf = async (sellerId: string) =>
    (await http().get('/v1/payouts').set(bearer('seller', sellerId)).expect(200)).body.data as {
      id: string;
      amount: number;
      status: string;
      method: string;
      failure_code: string | null;
    }[];
  const settled = async (sellerId: string, payoutId: string) =>
    waitFor(
      async () =>
        (await http().get(`/v1/payouts/${payoutId}`).set(bearer('seller', sellerId)).expect(200)).body,
      (body) => ['paid', 'failed'].includes(body.status),
      20_000,
    );

  it('shows a new seller an empty balance, and refuses a buyer', async () => {
    const response = await http().get('/v1/balance').set(bearer('seller', newSeller())).expect(200);
    expect(response.body).toEqual({
      object: 'balance',
      pending: [],
      incoming: [],
      available: [],
      in_payout: [],
      owed: [],
    });
    const buyer = await http().get('/v1/balance').set(bearer('buyer', 'buy_1'));
    expect(buyer.status).toBe(403);
    expect(buyer.body.error.code).toBe('forbidden');
    expect((await http().get('/v1/payouts').set(bearer('buyer', 'buy_1'))).status).toBe(403);
    expect(
      (await http().post('/v1/payouts').set(bearer('buyer', 'buy_1')).send({ amount: 1, currency: 'CNY' }))
        .status,
    ).toBe(403);
  });

  it('pays each seller exactly what is available: nothing inside its delay, nothing held or frozen', async () => {
    const seller = newSeller();
    await releasedOrder(seller, 10_000, { daysAgo: 2 }); // matured: payable
    await releasedOrder(seller, 5_000, { daysAgo: 2, feeBps: 350 }); // matured: payable
    await releasedOrder(seller, 7_000); // released just now: inside PAYOUT_DELAY
    const held = await makePaidOrder(dataSource, { sellerId: seller, amount: 3_000 }); // open order
    const frozen = await makePaidOrder(dataSource, { sellerId: seller, amount: 2_000 });
    await dataSource.query("UPDATE holds SET status = 'frozen', frozen_at = ? WHERE id = ?", [
      new Date(),
      frozen.holdId,
    ]);

    const payable = net(10_000) + net(5_000, 350);
    expect(await balance(seller)).toEqual({
      pending: 5_000,
      incoming: payable + net(7_000),
      available: 0,
      in_payout: 0,
      owed: 0,
    });

    const run = await runPayouts().expect(200);
    expect(run.body).toMatchObject({ object: 'payout_run' });
    const [payout, ...others] = await payoutsOf(seller);
    expect(others).toEqual([]);
    expect(payout).toMatchObject({
      amount: payable,
      status: expect.stringMatching(/pending|in_transit|paid/),
      method: 'scheduled',
    });
    expect(await account(Accounts.sellerIncoming(seller))).toBe(BigInt(net(7_000)));
    expect(await account(Accounts.escrow(held.orderId))).toBe(3_000n);

    // The bank pays it: seller:payout → bank:payouts, and the payout traces to its two orders.
    const paid = await settled(seller, payout.id);
    expect(paid).toMatchObject({ status: 'paid', failure_code: null, paid_at: expect.any(String) });
    expect(paid.settles.map((part: { amount: number }) => part.amount).sort()).toEqual(
      [net(5_000, 350), net(10_000)].sort(),
    );
    expect(
      paid.settles.every((part: { type: string; order_id: string }) => part.type === 'sale' && part.order_id),
    ).toBe(true);
    expect(await balance(seller)).toEqual({
      pending: 5_000,
      incoming: net(7_000),
      available: 0,
      in_payout: 0,
      owed: 0,
    });
    expect(await account(Accounts.sellerPayout(seller))).toBe(0n);
    const [paidTransaction] = await dataSource.query(
      'SELECT t.id FROM ledger_transactions t WHERE t.reference = ?',
      [`payout_paid:${payout.id}`],
    );
    expect(paidTransaction).toBeDefined();
    const events = await dataSource.query(
      'SELECT type FROM outbox_events WHERE object_id = ? ORDER BY created_at, id',
      [payout.id],
    );
    expect(events.map((event: { type: string }) => event.type)).toEqual(['payout.created', 'payout.paid']);
  });

  it('pays once when the run repeats, and once when two runs race', async () => {
    const sellersOfRun = [newSeller(), newSeller(), newSeller()];
    for (const seller of sellersOfRun) await releasedOrder(seller, 20_000, { daysAgo: 3 });
    const payouts = app.get(PayoutService);
    const settlement = app.get(SettlementService);
    await Promise.all([
      runPayouts().expect(200),
      runPayouts().expect(200),
      settlement.matureDue().then(() => payouts.runPayouts()),
    ]);
    await runPayouts().expect(200);
    for (const seller of sellersOfRun) {
      const made = await payoutsOf(seller);
      expect(made.map((payout) => payout.amount)).toEqual([net(20_000)]);
      expect(await account(Accounts.sellerAvailable(seller))).toBe(0n);
      expect((await balance(seller)).in_payout + (await balance(seller)).available).toBeLessThanOrEqual(
        net(20_000),
      );
    }
    // And a sweep that re-sends a payout the bank already paid pays nothing twice.
    const [payout] = await payoutsOf(sellersOfRun[0]);
    await settled(sellersOfRun[0], payout.id);
    await Promise.all([payouts.send(payout.id), payouts.send(payout.id)]);
    expect(await account(Accounts.sellerPayout(sellersOfRun[0]))).toBe(0n);
    const transfers = await dataSource.query(
      "SELECT id FROM sandbox_charges WHERE kind = 'payout' AND reference = ?",
      [payout.id],
    );
    expect(transfers).toHaveLength(1);
  });

  it('lets 20 parallel payouts and the daily run take exactly what is available, never more (T18)', async () => {
    const seller = newSeller();
    await releasedOrder(seller, 10_000, { daysAgo: 2, feeBps: 0 });
    await app.get(SettlementService).mature(seller, 'CNY');
    const as = bearer('seller', seller);
    const [run, ...answers] = await Promise.all([
      runPayouts(),
      ...Array.from({ length: 20 }, () =>
        http().post('/v1/payouts').set(as).send({ amount: 1_000, currency: 'CNY' }),
      ),
    ]);
    expect(run.status).toBe(200);
    const created = answers.filter((answer) => answer.status === 201);
    const refused = answers.filter((answer) => answer.status === 409);
    expect(created.length + refused.length).toBe(20);
    expect(refused.every((answer) => answer.body.error.code === 'insufficient_available')).toBe(true);
    const made = await payoutsOf(seller);
    const scheduled = made.filter((payout) => payout.method === 'scheduled');
    expect(scheduled.length).toBeLessThanOrEqual(1);
    expect(made.reduce((sum, payout) => sum + payout.amount, 0)).toBe(10_000);
    expect(created.length).toBe((10_000 - (scheduled[0]?.amount ?? 0)) / 1_000);
    expect(await account(Accounts.sellerAvailable(seller))).toBe(0n);
    // A payout in a currency the seller has nothing in is above its available balance (0).
    const usd = await http().post('/v1/payouts').set(as).send({ amount: 1, currency: 'USD' });
    expect(usd.status).toBe(409);
    expect(usd.body.error.code).toBe('insufficient_available');
    for (const payout of made) await settled(seller, payout.id);
  });

  it('applies a repeated bank answer once, and flags a contradiction or other money without moving any', async () => {
    const seller = newSeller();
    await releasedOrder(seller, 5_000, { daysAgo: 2 });
    const created = await http()
      .post('/v1/payouts')
      .set(bearer('seller', seller))
      .send({ amount: 3_000, currency: 'CNY' })
      .expect(201);
    await settled(seller, created.body.id);
    const notify = (id: string, type: string, amount = 3_000) => {
      const raw = JSON.stringify({
        id,
        type,
        created: Math.floor(Date.now() / 1000),
        data: { reference: created.body.id, amount, currency: 'CNY', channel_reference: 'tr_again' },
      });
      return http()
        .post('/v1/channels/sandbox/notifications')
        .set('content-type', 'application/json')
        .set('danbao-signature', signPayload(SANDBOX_SECRET, raw))
        .send(raw);
    };
    const before = await account(Accounts.bankPayouts());
    expect((await notify(`ntf_again_${seller}`, 'payout.paid')).body).toMatchObject({ outcome: 'duplicate' });
    expect((await notify(`ntf_contra_${seller}`, 'payout.failed')).body).toMatchObject({
      outcome: 'flagged',
      review_reason: 'late_contradiction',
    });
    expect((await notify(`ntf_other_${seller}`, 'payout.paid', 3_001)).body).toMatchObject({
      outcome: 'flagged',
      review_reason: 'amount_mismatch',
    });
    expect(await account(Accounts.bankPayouts())).toBe(before);
    expect(await balance(seller)).toMatchObject({ available: net(5_000) - 3_000, in_payout: 0 });
    const paid = await dataSource.query('SELECT id FROM ledger_transactions WHERE reference = ?', [
      `payout_paid:${created.body.id}`,
    ]);
    expect(paid).toHaveLength(1);
  });

  it('returns a failed payout’s money to available, with the reason', async () => {
    const seller = newSeller('_bank_closed');
    await releasedOrder(seller, 8_000, { daysAgo: 2 });
    await runPayouts().expect(200);
    const [payout] = await payoutsOf(seller);
    expect(payout.amount).toBe(net(8_000));
    const failed = await settled(seller, payout.id);
    expect(failed).toMatchObject({
      status: 'failed',
      failure_code: 'account_closed',
      failed_at: expect.any(String),
    });
    expect(await balance(seller)).toMatchObject({ available: net(8_000), in_payout: 0 });
    const [event] = await dataSource.query(
      "SELECT payload FROM outbox_events WHERE type = 'payout.failed' AND object_id = ?",
      [payout.id],
    );
    expect(JSON.parse(event.payload).data.object).toMatchObject({
      id: payout.id,
      status: 'failed',
      failure_code: 'account_closed',
    });
  });

  it('lets a seller ask for a payout within available, refuses one above it, and replays a repeated key', async () => {
    const seller = newSeller();
    await releasedOrder(seller, 10_000, { daysAgo: 2 });
    const as = bearer('seller', seller);
    const above = await http()
      .post('/v1/payouts')
      .set(as)
      .send({ amount: net(10_000) + 1, currency: 'CNY' });
    expect(above.status).toBe(409);
    expect(above.body.error.code).toBe('insufficient_available');
    expect(await account(Accounts.sellerAvailable(seller))).toBe(BigInt(net(10_000)));

    const first = await http()
      .post('/v1/payouts')
      .set(as)
      .set('Idempotency-Key', 'po-1')
      .send({ amount: 4_000, currency: 'CNY' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      object: 'payout',
      amount: 4_000,
      currency: 'CNY',
      method: 'manual',
      seller_id: seller,
    });
    const again = await http()
      .post('/v1/payouts')
      .set(as)
      .set('Idempotency-Key', 'po-1')
      .send({ amount: 4_000, currency: 'CNY' });
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    expect((await payoutsOf(seller)).length).toBe(1);
    expect(await balance(seller)).toMatchObject({ available: net(10_000) - 4_000 });

    for (const body of [
      { amount: 0, currency: 'CNY' },
      { amount: 1.5, currency: 'CNY' },
      { amount: 10, currency: 'XXX' },
      { amount: 10 },
    ]) {
      expect((await http().post('/v1/payouts').set(as).send(body)).status).toBe(400);
    }
    await settled(seller, first.body.id);
    expect(await balance(seller)).toMatchObject({ available: net(10_000) - 4_000, in_payout: 0 });
  });

  it('keeps a new-tier seller’s money incoming for its longer delay; an admin sets it, audited', async () => {
    const fresh = newSeller();
    const standard = newSeller();
    const set = await http().put(`/v1/admin/sellers/${fresh}`).set(admin()).send({ risk_tier: 'new' });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ id: fresh, risk_tier: 'new', effective_payout_delay: 7 * 86_400 });
    await releasedOrder(fresh, 10_000, { daysAgo: 2 });
    await releasedOrder(standard, 10_000, { daysAgo: 2 });
    await runPayouts().expect(200);
    expect(await payoutsOf(fresh)).toEqual([]);
    expect(await balance(fresh)).toMatchObject({ incoming: net(10_000), available: 0 });
    expect((await payoutsOf(standard)).map((payout) => payout.amount)).toEqual([net(10_000)]);

    // Its own delay wins over the tier: one day, so the two-day-old release matures.
    const own = await http().put(`/v1/admin/sellers/${fresh}`).set(admin()).send({ payout_delay: '1d' });
    expect(own.body).toMatchObject({
      risk_tier: 'new',
      payout_delay: 86_400,
      effective_payout_delay: 86_400,
    });
    await app.get(SettlementService).mature(fresh, 'CNY');
    expect(await balance(fresh)).toMatchObject({ incoming: 0, available: net(10_000) });

    const [audit] = await dataSource.query(
      "SELECT action, subject_id FROM audit_log WHERE subject_type = 'seller' AND subject_id = ? ORDER BY created_at LIMIT 1",
      [fresh],
    );
    expect(audit).toMatchObject({ action: 'seller.settings', subject_id: fresh });
    for (const body of [{ risk_tier: 'vip' }, { payout_delay: '2w' }, { payout_delay: -1 }, {}]) {
      expect((await http().put(`/v1/admin/sellers/${fresh}`).set(admin()).send(body)).status).toBe(400);
    }
    expect(
      (
        await http()
          .put(`/v1/admin/sellers/${fresh}`)
          .set(bearer('seller', fresh))
          .send({ risk_tier: 'trusted' })
      ).status,
    ).toBe(403);
  });

  it('shows a seller only its own payouts: another seller’s payout is 404', async () => {
    const owner = newSeller();
    const other = newSeller();
    await releasedOrder(owner, 5_000, { daysAgo: 2 });
    const created = await http()
      .post('/v1/payouts')
      .set(bearer('seller', owner))
      .send({ amount: 1_000, currency: 'CNY' })
      .expect(201);
    const stranger = await http().get(`/v1/payouts/${created.body.id}`).set(bearer('seller', other));
    expect(stranger.status).toBe(404);
    expect(await payoutsOf(other)).toEqual([]);
    expect((await http().get(`/v1/payouts/${created.body.id}`).set(bearer('buyer', 'buy_1'))).status).toBe(
      403,
    );
    await settled(owner, created.body.id);
  });

  describe('a refund after release', () => {
    const refundAfterRelease = (orderId: string, amount: number) =>
      http().post(`/v1/admin/orders/${orderId}/refunds`).set(admin()).send({ amount, reason: 'chargeback' });

    it('takes the seller’s part from available, leaves a receivable for the rest, and nets it from the next credits', async () => {
      const seller = newSeller();
      const first = await releasedOrder(seller, 10_000, { daysAgo: 2 });
      const [payment] = await dataSource.query('SELECT id FROM payments WHERE id = ?', [first.paymentId]);
      expect(payment).toBeUndefined(); // the factory's order has no payment row: the sandbox needs one
      await dataSource.query(
        `INSERT INTO sandbox_charges (id, kind, reference, amount, currency, card_last4, result, created_at)
         VALUES (?, 'payment', ?, 10000, 'CNY', '4242', 'succeeded', ?)`,
        [`ch_${first.paymentId.slice(4)}`, first.paymentId, new Date()],
      );
      await app.get(SettlementService).mature(seller, 'CNY');
      // 4,000 of the 9,800 go out in a manual payout, so available (5,800) cannot cover a full refund.
      await http()
        .post('/v1/payouts')
        .set(bearer('seller', seller))
        .send({ amount: 4_000, currency: 'CNY' })
        .expect(201);
      const feesBefore = await account(Accounts.platformFees());

      const refund = await refundAfterRelease(first.orderId, 10_000);
      expect(refund.status).toBe(202);
      expect(refund.body).toMatchObject({
        object: 'refund',
        status: 'requested',
        amount: 10_000,
        source: 'released',
      });
      // The seller gives back 9,800 (the refund less the fee's share, 200, which the platform gives back):
      // 5,800 from available and 4,000 owed.
      expect(await balance(seller)).toMatchObject({ available: 0, owed: 4_000 });
      expect(feesBefore - (await account(Accounts.platformFees()))).toBe(200n);
      expect(await account(Accounts.suspense(first.paymentId))).toBe(10_000n);

      // The channel confirms: the money leaves suspense to the channel, the hold counts it.
      await waitFor(
        () => account(Accounts.suspense(first.paymentId)),
        (left) => left === 0n,
        20_000,
      );
      const [hold] = await dataSource.query('SELECT status, refunded FROM holds WHERE id = ?', [
        first.holdId,
      ]);
      expect(hold).toMatchObject({ status: 'refunded', refunded: '10000' });
      expect((await refundAfterRelease(first.orderId, 1)).body.error.code).toBe('amount_exceeds_refundable');

      // The next sale pays the debt first: 4,000 of its 4,900 net, then 900 is available.
      await releasedOrder(seller, 5_000, { daysAgo: 2 });
      await app.get(SettlementService).mature(seller, 'CNY');
      expect(await balance(seller)).toMatchObject({ available: 900, owed: 0 });
      expect(await account(Accounts.sellerReceivable(seller))).toBe(0n);
    });

    it('leaves statement totals equal to the balance: sales, fees, a partial refund, payouts paid and failed, a receivable', async () => {
      const seller = newSeller('_bank_closed'); // its bank refuses every payout
      const settlement = app.get(SettlementService);
      await settlement.updateSettings(seller, { payoutDelayMs: 0 }, { type: 'operator', name: 'cli' });
      const a = await releasedOrder(seller, 10_000); // net 9,800
      const b = await makePaidOrder(
        dataSource,
        { sellerId: seller, amount: 6_000, feeBps: 500 },
        { withPayment: true },
      );
      // A dispute's partial refund: 2,000 back to the buyer, 4,000 released less 5 % (net 3,800).
      await app.get(HoldResolutionService).resolveAlone(b.orderId, 2_000n, 'partial refund');
      await settlement.mature(seller, 'CNY');
      expect(await balance(seller)).toMatchObject({ available: 13_600, incoming: 0 });
      const failed = await http()
        .post('/v1/payouts')
        .set(bearer('seller', seller))
        .send({ amount: 5_000, currency: 'CNY' })
        .expect(201);
      expect(await settled(seller, failed.body.id)).toMatchObject({ status: 'failed' });
      // A payout the bank pays (applied as its notification would be), then a refund after release
      // of all of order a: the seller's part, 9,800 (the platform gives back its 200 fee), is above what is
      // left available (13,600 − 8,000 = 5,600): 4,200 is owed.
      const paid = await app.get(PayoutService).requestPayout(seller, 8_000n, 'CNY');
      await runInTransaction(databaseOf(dataSource), (tx) =>
        app.get(PayoutService).applyResult(tx, paid.id, {
          succeeded: true,
          amount: 8_000n,
          currency: 'CNY',
          channelReference: 'tr_statement',
        }),
      );
      await dataSource.query(
        `INSERT INTO sandbox_charges (id, kind, reference, amount, currency, card_last4, result, created_at)
         VALUES (?, 'payment', ?, 10000, 'CNY', '4242', 'succeeded', ?)`,
        [`ch_${a.paymentId.slice(4)}`, a.paymentId, new Date()],
      );
      await refundAfterRelease(a.orderId, 10_000).expect(202);
      const now = await balance(seller);
      expect(now).toMatchObject({ available: 0, owed: 4_200, incoming: 0 });

      const period = { currency: 'CNY', from: new Date(Date.now() - 3 * DAY_MS).toISOString().slice(0, 10) };
      const json = await http().get('/v1/statements').query(period).set(bearer('seller', seller)).expect(200);
      expect(json.body.opening_balance).toBe(0);
      expect(json.body.closing_balance).toBe(now.incoming + now.available - now.owed);
      expect(
        json.body.data.map((line: { type: string; amount: number }) => [line.type, line.amount]),
      ).toEqual([
        ['sale', 9_800],
        ['sale', 3_800],
        ['payout', -5_000],
        ['payout_returned', 5_000],
        ['payout', -8_000],
        ['adjustment', -9_800], // the refund less the fee's share (200), which the platform gave back
      ]);
      const csv = await http()
        .get('/v1/statements')
        .query(period)
        .set(bearer('seller', seller))
        .set('Accept', 'text/csv')
        .expect(200);
      const rows = csv.text.trimEnd().split('\n').slice(1);
      const amountColumn = 4;
      const total = rows.reduce((sum, row) => sum + Number(row.split(',')[amountColumn]), 0);
      expect(total).toBe(json.body.closing_balance - json.body.opening_balance);
    });

    it('refuses an order whose money was not released, and an unknown order', async () => {
      const open = await makePaidOrder(dataSource, { sellerId: newSeller() });
      expect((await refundAfterRelease(open.orderId, 100)).body.error.code).toBe('order_not_completed');
      expect((await refundAfterRelease('ord_00000000000000000000000000', 100)).status).toBe(404);
      const seller = await http()
        .post(`/v1/admin/orders/${open.orderId}/refunds`)
        .set(bearer('seller', open.sellerId))
        .send({ amount: 100, reason: 'x' });
      expect(seller.status).toBe(403);
    });
  });

  it('matures a release when its delay passes, rung by the worker after the release (no sweep)', async () => {
    const seller = newSeller();
    await http().put(`/v1/admin/sellers/${seller}`).set(admin()).send({ payout_delay: 2 }).expect(200);
    const order = await makePaidOrder(dataSource, { sellerId: seller, amount: 6_000 });
    await http()
      .post(`/v1/orders/${order.orderId}/shipments`)
      .set(bearer('seller', seller))
      .send({ method: 'virtual' })
      .expect(200);
    await http()
      .post(`/v1/orders/${order.orderId}/confirm_receipt`)
      .set(bearer('buyer', order.buyerId))
      .expect(202);
    const incoming = await waitFor(
      () => balance(seller),
      (now) => now.incoming > 0 || now.available > 0,
      15_000,
    );
    expect(incoming.incoming + incoming.available).toBe(net(6_000));
    const matured = await waitFor(
      () => balance(seller),
      (now) => now.available === net(6_000),
      15_000,
    );
    expect(matured).toMatchObject({ incoming: 0, available: net(6_000) });
  });

  it('matures the released part of a dispute’s partial refund when its delay passes (no sweep)', async () => {
    const seller = newSeller();
    await http().put(`/v1/admin/sellers/${seller}`).set(admin()).send({ payout_delay: 1 }).expect(200);
    const order = await makePaidOrder(dataSource, { sellerId: seller, amount: 6_000 }, { withPayment: true });
    await app.get(HoldResolutionService).resolveAlone(order.orderId, 1_000n, 'partial refund');
    const matured = await waitFor(
      () => balance(seller),
      (now) => now.available === net(5_000),
      15_000,
    );
    expect(matured).toMatchObject({ incoming: 0, available: net(5_000) });
  });

  it('rings again for a release in the same second as one whose doorbell already rang', async () => {
    const seller = newSeller();
    const settlement = app.get(SettlementService);
    await settlement.updateSettings(seller, { payoutDelayMs: 0 }, { type: 'operator', name: 'cli' });
    const second = new Date(Math.floor(Date.now() / 1000) * 1000);
    await releasedOrder(seller, 1_000);
    await settlement.scheduleMaturation(seller, 'CNY', second);
    await waitFor(
      () => balance(seller),
      (now) => now.available === net(1_000),
      10_000,
    );
    await releasedOrder(seller, 2_000);
    await settlement.scheduleMaturation(seller, 'CNY', second);
    const matured = await waitFor(
      () => balance(seller),
      (now) => now.available === net(1_000) + net(2_000),
      10_000,
    );
    expect(matured).toMatchObject({ incoming: 0, available: net(1_000) + net(2_000) });
  });
});

// Proves daily reconciliation against the payment channel: planted for one day, a payment the
// channel has and we do not (missing_ours), one we have and the channel does not (missing_theirs),
// an amount mismatch, a duplicate (two payouts of ours naming one channel transfer), a status
// mismatch and a confirmed payment without its ledger transaction are each found, exactly; a record
// straddling midnight is no mismatch on either day; a clean day says so; real flows through the
// sandbox (payments, a refund it decided) reconcile clean; an ended day's report is kept and
// `refresh=true` runs it again. Also the admin route (its body, 403 for a seller, 400 for a bad or
// future date) and the console page (clean, a mismatch, a signed-out browser sent to sign-in).
// Real: the api's full module graph and HTTP stack, MariaDB, Redis; the sandbox channel's own table.
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { RefundService } from '@danbao/channels';
import { Accounts, LedgerService } from '@danbao/ledger';
import { Database, newId, runInTransaction, TokenService } from '@danbao/platform';
import { ReconciliationService } from '@danbao/settlement';
import { makePaidOrder, Stack, startStack } from '@danbao/testing';
import { AppModule } from '../../apps/api/src/app.module';

const MISMATCH_DAY = '2025-03-01';
const CLEAN_DAY = '2025-03-02';
const KEPT_DAY = '2025-03-04';
const at = (day: string, time = '12:00:00.000') => new Date(`${day}T${time}Z`);
const today = () => new Date().toISOString().slice(0, 10);

type Kind = 'payment' | 'refund' | 'payout';

describe('reconciliation', () => {
  let stack: Stack;
  let app: NestFastifyApplication;
  let dataSource: DataSource;
  let ledger: LedgerService;
  let admin: { Authorization: string };
  let adminCookie: string;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    stack = await startStack(AppModule.forRoot);
    app = stack.app;
    dataSource = app.get(DataSource);
    ledger = app.get(LedgerService);
    const token = app.get(TokenService).mint('admin', 'adm_recon', 600, 'recon@example.com').token;
    admin = { Authorization: `Bearer ${token}` };
    adminCookie = `danbao_admin=${token}`;
  });

  afterAll(async () => {
    await stack?.stop();
  });

  // --- Planting: our rows, the sandbox's own records, the ledger transactions. ---

  async function ourPayment(id: string, amount: number, status: string, createdAt: Date): Promise<void> {
    await dataSource.query(
      `INSERT INTO payments (id, session_id, channel, amount, currency, status, card_brand, card_last4, created_at, updated_at)
       VALUES (?, ?, 'sandbox', ?, 'CNY', ?, 'visa', '4242', ?, ?)`,
      [id, `cs_${id}`, amount, status, createdAt, createdAt],
    );
  }

  async function ourRefund(id: string, amount: number, status: string, createdAt: Date): Promise<void> {
    await dataSource.query(
      `INSERT INTO refunds (id, payment_id, channel, source, amount, currency, status, reason, created_at, updated_at)
       VALUES (?, ?, 'sandbox', 'suspense', ?, 'CNY', ?, 'refund_required', ?, ?)`,
      [id, `pay_of_${id}`, amount, status, createdAt, createdAt],
    );
  }

  async function ourPayout(
    id: string,
    amount: number,
    status: string,
    channelReference: string | null,
    createdAt: Date,
  ): Promise<void> {
    await dataSource.query(
      `INSERT INTO payouts (id, seller_id, currency, amount, status, method, run_date, settles_from, channel, channel_reference, created_at, updated_at)
       VALUES (?, 'seller_recon', 'CNY', ?, ?, 'manual', NULL, 0, 'sandbox', ?, ?, ?)`,
      [id, amount, status, channelReference, createdAt, createdAt],
    );
  }

  /** The sandbox's own record, as its charge(), refund() or payout() writes it. */
  async function theirs(
    kind: Kind,
    reference: string,
    amount: number,
    result: 'succeeded' | 'failed',
    createdAt: Date,
    id = newId(kind === 'payment' ? 'ch' : kind === 'refund' ? 're' : 'tr'),
  ): Promise<void> {
    await dataSource.query(
      `INSERT INTO sandbox_charges (id, kind, reference, amount, currency, card_last4, result, created_at)
       VALUES (?, ?, ?, ?, 'CNY', NULL, ?, ?)`,
      [id, kind, reference, amount, result, createdAt],
    );
  }

  /** A ledger transaction of this reference (reconciliation looks for the reference only). */
  async function booked(reference: string, amount: number): Promise<void> {
    await runInTransaction(app.get(Database), (tx) =>
      ledger.post(tx, {
        reference,
        kind: 'reconciliation_test',
        postings: [
          { account: Accounts.channel('sandbox'), currency: 'CNY', amount: -BigInt(amount) },
          { account: Accounts.bankPayouts(), currency: 'CNY', amount: BigInt(amount) },
        ],
      }),
    );
  }

  const reconciliation = (query: string, auth: { Authorization: string } = admin) =>
    http().get(`/v1/admin/reconciliation${query}`).set(auth);

  /** The planted days, for the route's and the console page's tests alike (any may run alone). */
  beforeAll(async () => {
    await plantMismatchDay();
    await plantCleanDay();
  });

  async function plantMismatchDay(): Promise<void> {
    const day = (time?: string) => at(MISMATCH_DAY, time);
    // (a) The channel charged a payment we have no row of.
    await theirs('payment', 'pay_recon_a_theirs_only', 1500, 'succeeded', day());
    // (b) A succeeded payment of ours the channel never recorded.
    await ourPayment('pay_recon_b_ours_only', 2500, 'succeeded', day());
    await booked('payment:pay_recon_b_ours_only', 2500);
    // (c) Both have it, with other amounts.
    await ourPayment('pay_recon_c_amount', 1000, 'succeeded', day());
    await booked('payment:pay_recon_c_amount', 1000);
    await theirs('payment', 'pay_recon_c_amount', 1100, 'succeeded', day());
    // (d) Two payouts of ours naming the one transfer the channel made (for the first).
    await ourPayout('po_recon_d_dup_a', 4000, 'paid', 'tr_recon_dup', day());
    await ourPayout('po_recon_d_dup_b', 4000, 'paid', 'tr_recon_dup', day('13:00:00.000'));
    await booked('payout_paid:po_recon_d_dup_a', 4000);
    await booked('payout_paid:po_recon_d_dup_b', 4000);
    await theirs('payout', 'po_recon_d_dup_a', 4000, 'succeeded', day(), 'tr_recon_dup');
    // (e) The channel refunded; we recorded a failure.
    await ourRefund('rfd_recon_e_status', 700, 'failed', day());
    await theirs('refund', 'rfd_recon_e_status', 700, 'succeeded', day());
    // (f) Both agree on a payment the ledger never booked.
    await ourPayment('pay_recon_f_unbooked', 900, 'succeeded', day());
    await theirs('payment', 'pay_recon_f_unbooked', 900, 'succeeded', day());
    // No mismatch: a payment and a refund that agree, a failure the channel never saw, and a
    // payment of ours just before midnight that the channel recorded just after it.
    await ourPayment('pay_recon_g_ok', 300, 'succeeded', day());
    await booked('payment:pay_recon_g_ok', 300);
    await theirs('payment', 'pay_recon_g_ok', 300, 'succeeded', day());
    await ourRefund('rfd_recon_g_ok', 300, 'succeeded', day());
    await booked('refund:rfd_recon_g_ok', 300);
    await theirs('refund', 'rfd_recon_g_ok', 300, 'succeeded', day());
    await ourPayment('pay_recon_h_failed', 800, 'failed', day());
    await ourPayment('pay_recon_i_midnight', 600, 'succeeded', day('23:59:59.900'));
    await booked('payment:pay_recon_i_midnight', 600);
    await theirs('payment', 'pay_recon_i_midnight', 600, 'succeeded', at(CLEAN_DAY, '00:00:00.100'));
  }

  async function plantCleanDay(): Promise<void> {
    const day = at(CLEAN_DAY);
    await ourPayment('pay_recon_clean', 5000, 'succeeded', day);
    await booked('suspense:pay_recon_clean', 5000);
    await theirs('payment', 'pay_recon_clean', 5000, 'succeeded', day);
    await ourRefund('rfd_recon_clean', 5000, 'succeeded', day);
    await booked('refund:rfd_recon_clean', 5000);
    await theirs('refund', 'rfd_recon_clean', 5000, 'succeeded', day);
    await ourPayout('po_recon_clean', 1200, 'paid', 'tr_recon_clean', day);
    await booked('payout_paid:po_recon_clean', 1200);
    await theirs('payout', 'po_recon_clean', 1200, 'succeeded', day, 'tr_recon_clean');
  }

  describe('a day with one of each mismatch', () => {
    it('finds exactly the planted mismatches, with both sides of each', async () => {
      const response = await reconciliation(`?date=${MISMATCH_DAY}`).expect(200);
      expect(response.body).toEqual({
        object: 'reconciliation',
        date: MISMATCH_DAY,
        clean: false,
        mismatches: [
          {
            kind: 'missing_ours',
            reference: 'pay_recon_a_theirs_only',
            theirs: {
              type: 'payment',
              amount: 1500,
              currency: 'CNY',
              status: 'succeeded',
              channel_reference: expect.stringMatching(/^ch_/),
            },
          },
          {
            kind: 'missing_theirs',
            reference: 'pay_recon_b_ours_only',
            ours: {
              type: 'payment',
              amount: 2500,
              currency: 'CNY',
              status: 'succeeded',
              channel_reference: null,
            },
          },
          {
            kind: 'amount_mismatch',
            reference: 'pay_recon_c_amount',
            ours: {
              type: 'payment',
              amount: 1000,
              currency: 'CNY',
              status: 'succeeded',
              channel_reference: null,
            },
            theirs: expect.objectContaining({ type: 'payment', amount: 1100, status: 'succeeded' }),
          },
          {
            kind: 'missing_ledger',
            reference: 'pay_recon_f_unbooked',
            ours: {
              type: 'payment',
              amount: 900,
              currency: 'CNY',
              status: 'succeeded',
              channel_reference: null,
            },
          },
          {
            kind: 'duplicate',
            reference: 'po_recon_d_dup_b',
            ours: {
              type: 'payout',
              amount: 4000,
              currency: 'CNY',
              status: 'paid',
              channel_reference: 'tr_recon_dup',
            },
          },
          {
            kind: 'status_mismatch',
            reference: 'rfd_recon_e_status',
            ours: expect.objectContaining({ type: 'refund', amount: 700, status: 'failed' }),
            theirs: expect.objectContaining({ type: 'refund', amount: 700, status: 'succeeded' }),
          },
        ],
        // Ours: 6 payments, 2 refunds, 2 payouts; theirs: the day's 7 lines (the midnight one is
        // the next day's); matched: c is not, f is (its fault is the ledger), g ×2, d_a, i.
        counts: { ours: 10, theirs: 7, matched: 5 },
        checked_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
    });
  });

  describe('a clean day', () => {
    it('says it is clean (the midnight payment of the day before matches here too)', async () => {
      const response = await reconciliation(`?date=${CLEAN_DAY}`).expect(200);
      expect(response.body).toEqual({
        object: 'reconciliation',
        date: CLEAN_DAY,
        clean: true,
        mismatches: [],
        counts: { ours: 3, theirs: 4, matched: 4 },
        checked_at: expect.any(String),
      });
    });
  });

  it('reconciles real flows through the sandbox clean: payments and a refund it decided', async () => {
    const db = app.get(Database);
    const refunds = app.get(RefundService);
    await makePaidOrder(dataSource, { amount: 1999 }, { withPayment: true });
    const paid = await makePaidOrder(dataSource, { amount: 700 }, { withPayment: true });
    // A captured payment no order could take: its money in suspense, refunded through the sandbox,
    // whose answer is applied as the notification intake would.
    const payment = { id: paid.paymentId, channel: 'sandbox', amount: 700n, currency: 'CNY' };
    const refund = await runInTransaction(db, (tx) =>
      refunds.holdInSuspense(tx, payment, 'refund_required', new Date()),
    );
    await refunds.send(refund);
    const [charge] = await dataSource.query(
      "SELECT id, result FROM sandbox_charges WHERE kind = 'refund' AND reference = ?",
      [refund.id],
    );
    expect(charge.result).toBe('succeeded');
    await runInTransaction(db, (tx) =>
      refunds.applyResult(tx, refund.id, {
        succeeded: true,
        amount: 700n,
        currency: 'CNY',
        channelReference: charge.id,
      }),
    );

    const response = await reconciliation(`?date=${today()}`).expect(200);
    expect(response.body).toMatchObject({
      clean: true,
      mismatches: [],
      counts: { ours: 3, theirs: 3, matched: 3 },
    });
    // Today is not over: its report is not kept.
    expect(
      await dataSource.query('SELECT date FROM reconciliation_reports WHERE date = ?', [today()]),
    ).toEqual([]);
  });

  it('keeps an ended day’s report, and runs it again on refresh=true', async () => {
    const first = await reconciliation(`?date=${KEPT_DAY}`).expect(200);
    expect(first.body).toMatchObject({
      clean: true,
      mismatches: [],
      counts: { ours: 0, theirs: 0, matched: 0 },
    });
    // The channel's record of the day changes after the report was kept.
    await theirs('payment', 'pay_recon_late', 100, 'succeeded', at(KEPT_DAY));
    const kept = await reconciliation(`?date=${KEPT_DAY}`).expect(200);
    expect(kept.body).toEqual(first.body);
    const refreshed = await reconciliation(`?date=${KEPT_DAY}&refresh=true`).expect(200);
    expect(refreshed.body).toMatchObject({
      clean: false,
      mismatches: [{ kind: 'missing_ours', reference: 'pay_recon_late' }],
      counts: { ours: 0, theirs: 1, matched: 0 },
    });
    expect((await reconciliation(`?date=${KEPT_DAY}`).expect(200)).body).toEqual(refreshed.body);
  });

  it('the daily run reconciles yesterday, and the route defaults to it', async () => {
    const now = new Date();
    const yesterday = new Date(now.getTime() - 86_400_000).toISOString().slice(0, 10);
    const report = await app.get(ReconciliationService).run(yesterday);
    expect(report.date).toBe(yesterday);
    const response = await reconciliation('').expect(200);
    expect(response.body.date).toBe(yesterday);
    expect(response.body.checked_at).toBe(report.checkedAt.toISOString());
  });

  describe('the admin route refuses', () => {
    it('a seller (403 forbidden)', async () => {
      const seller = app.get(TokenService).mint('seller', 'seller_recon', 600).token;
      const response = await reconciliation(`?date=${CLEAN_DAY}`, {
        Authorization: `Bearer ${seller}`,
      }).expect(403);
      expect(response.body.error.code).toBe('forbidden');
    });

    it('a date that is not a day, or is in the future (400 parameter_invalid, param date)', async () => {
      const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
      for (const date of ['2025-02-30', '2025-3-1', 'yesterday', tomorrow]) {
        const response = await reconciliation(`?date=${encodeURIComponent(date)}`).expect(400);
        expect(response.body.error).toMatchObject({ code: 'parameter_invalid', param: 'date' });
      }
      const refresh = await reconciliation(`?date=${CLEAN_DAY}&refresh=maybe`).expect(400);
      expect(refresh.body.error).toMatchObject({ code: 'parameter_invalid', param: 'refresh' });
      const unknown = await reconciliation(`?day=${CLEAN_DAY}`).expect(400);
      expect(unknown.body.error).toMatchObject({ code: 'parameter_unknown', param: 'day' });
    });
  });

  describe('the console page', () => {
    /** A page as a browser with this cookie header asks for it ('' for none). */
    const page = (query: string, cookie = adminCookie) => {
      const call = http().get(`/admin/reconciliation${query}`);
      if (cookie) call.set('cookie', cookie);
      return call;
    };

    it('shows a clean day as clean, under the console’s policy, linked from the navigation', async () => {
      const response = await page(`?date=${CLEAN_DAY}`).expect(200);
      expect(response.headers['content-security-policy']).toContain("script-src 'none'");
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.text).toContain('Clean: every line matched.');
      expect(response.text).not.toContain('data-testid="mismatches"');
      expect(response.text).not.toMatch(/<script/i);
      const home = await http().get('/admin').set('cookie', adminCookie).expect(200);
      expect(home.text).toContain('href="/admin/reconciliation"');
    });

    it('lists the mismatches of a day that has them', async () => {
      const response = await page(`?date=${MISMATCH_DAY}`).expect(200);
      expect(response.text).not.toContain('Clean: every line matched.');
      const table = /data-testid="mismatches">([\s\S]*?)<\/table>/.exec(response.text)?.[1] ?? '';
      expect(table.match(/<tr><td>/g)).toHaveLength(6);
      expect(table).toContain('missing_ours');
      expect(table).toContain('pay_recon_a_theirs_only');
      expect(table).toContain('payment ¥11.00 succeeded');
      expect(table).toContain('po_recon_d_dup_b');
    });

    it('answers 400 for a bad day', async () => {
      const response = await page('?date=2025-02-30').expect(400);
      expect(response.text).toContain('No such day');
    });

    it('sends a signed-out browser, or a seller’s token, to sign-in', async () => {
      const seller = `danbao_admin=${app.get(TokenService).mint('seller', 'seller_recon', 600).token}`;
      for (const cookie of ['', seller]) {
        const response = await page(`?date=${CLEAN_DAY}`, cookie).expect(303);
        expect(response.headers.location).toBe('/admin/sign-in');
      }
    });
  });
});

// Proves GET /v1/statements end to end: a seller's history of sales (several fees), a paid and a
// failed payout, a refund after release that leaves the seller owing, and a later sale, read back
// as JSON and CSV; the balances agree with GET /v1/balance; a later `from` opens at the balance then;
// the lines are the same whatever the reader's page size; another seller never sees them; and the
// query's errors (role, dates, currency). Real: the api's full stack in-process (AppModule),
// MariaDB, Redis. Money moves through the real services (release, maturation, payouts, clawback).
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ReleaseService } from '@danbao/escrow';
import { LedgerService } from '@danbao/ledger';
import { ApiKeyService, Database, runInTransaction, TokenService } from '@danbao/platform';
import { PayoutService, SettlementService, StatementService, type StatementLine } from '@danbao/settlement';
import { makePaidOrder, PaidOrder, shipOrders, Stack, startStack } from '@danbao/testing';
import { AppModule } from '../../apps/api/src/app.module';

const CSV_HEADER = 'created_at,type,order_id,payout_id,amount,currency,balance_after';
const pause = (ms = 15) => new Promise((resolve) => setTimeout(resolve, ms));

interface Line {
  id: string;
  created_at: string;
  type: string;
  order_id?: string | null;
  payout_id?: string | null;
  amount: number;
  gross?: number | null;
  fee?: number | null;
  balance_after: number;
}

describe('seller statements (GET /v1/statements)', () => {
  let stack: Stack;
  let app: NestFastifyApplication;
  let dataSource: DataSource;
  let db: Database;
  let ledger: LedgerService;
  let tokens: TokenService;
  let settlement: SettlementService;
  let payouts: PayoutService;
  let apiKey: string;

  const SELLER = 'sel_statement_main';
  const OTHER = 'sel_statement_two_currencies';
  const orders: Record<string, PaidOrder> = {};
  let paidPayout: string;
  let failedPayout: string;
  /** Between the payouts and the refund after release. */
  let middle: Date;
  let startedAt: Date;

  beforeAll(async () => {
    stack = await startStack(AppModule.forRoot);
    app = stack.app;
    dataSource = app.get(DataSource);
    db = app.get(Database);
    ledger = app.get(LedgerService);
    tokens = app.get(TokenService);
    settlement = app.get(SettlementService);
    payouts = app.get(PayoutService);
    apiKey = (await app.get(ApiKeyService).create('statements test')).key;
    startedAt = new Date();
    await pause();

    const release = async (...made: PaidOrder[]) => {
      await shipOrders(dataSource, made, { autoConfirmAt: new Date(Date.now() - 1000) });
      const outcomes = await app
        .get(ReleaseService)
        .releaseBatch(made.map((order) => ({ holdId: order.holdId, orderId: order.orderId })));
      for (const outcome of outcomes.values()) expect(outcome.status).toBe('released');
    };
    const answer = (payoutId: string, amount: bigint, succeeded: boolean) =>
      runInTransaction(db, (tx) =>
        payouts.applyResult(tx, payoutId, {
          succeeded,
          amount,
          currency: 'CNY',
          channelReference: `ch_${payoutId}`,
          failureCode: succeeded ? undefined : 'account_closed',
        }),
      );

    // Three sales with different fees: nets 9,800 + 4,750 + 19,800 = 34,350.
    orders.a = await makePaidOrder(dataSource, { sellerId: SELLER, amount: 10_000, feeBps: 200 });
    orders.b = await makePaidOrder(dataSource, { sellerId: SELLER, amount: 5_000, feeBps: 500 });
    orders.c = await makePaidOrder(dataSource, { sellerId: SELLER, amount: 20_000, feeBps: 100 });
    await release(orders.a);
    await release(orders.b, orders.c);
    // Payable at once, then matured (no line: incoming → available changes no balance).
    await settlement.updateSettings(SELLER, { payoutDelayMs: 0 }, { type: 'operator', name: 'cli' });
    expect(await settlement.mature(SELLER, 'CNY')).toBe(34_350n);
    // A payout the bank pays, and one it refuses (its money comes back).
    paidPayout = (await payouts.requestPayout(SELLER, 20_000n, 'CNY')).id;
    expect(await answer(paidPayout, 20_000n, true)).toEqual({ outcome: 'applied' });
    failedPayout = (await payouts.requestPayout(SELLER, 5_000n, 'CNY')).id;
    expect(await answer(failedPayout, 5_000n, false)).toEqual({ outcome: 'applied' });
    await pause();
    middle = new Date();
    await pause();
    // A refund of order c after release, above the 14,350 available: 5,650 is owed.
    const taken = await runInTransaction(db, (tx) =>
      settlement.clawBack(
        tx,
        {
          sellerId: SELLER,
          currency: 'CNY',
          amount: 20_000n,
          paymentId: orders.c.paymentId,
          orderId: orders.c.orderId,
          refundId: 'rfd_test1',
        },
        new Date(),
      ),
    );
    expect(taken).toEqual({ fromAvailable: 14_350n, owed: 5_650n });
    // A later sale (8,000 at 3 %: net 7,760), matured and netted against what is owed (no line).
    orders.d = await makePaidOrder(dataSource, { sellerId: SELLER, amount: 8_000, feeBps: 300 });
    await release(orders.d);
    expect(await settlement.mature(SELLER, 'CNY')).toBe(7_760n);

    // Another seller, with money in two currencies.
    orders.otherCny = await makePaidOrder(dataSource, { sellerId: OTHER, amount: 3_000, feeBps: 200 });
    orders.otherUsd = await makePaidOrder(dataSource, {
      sellerId: OTHER,
      amount: 700,
      feeBps: 0,
      currency: 'USD',
    });
    await release(orders.otherCny, orders.otherUsd);
  });

  afterEach(async () => {
    // Plain check, without reconcilers: the clawback's money waits in suspense:<payment> without a
    // refund row, which only the suspense reconciler would flag.
    expect((await ledger.check()).violations).toEqual([]);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const http = () => request(app.getHttpServer());
  const bearer = (role: 'buyer' | 'seller', id: string) => ({
    Authorization: `Bearer ${tokens.mint(role, id, 600).token}`,
  });
  const statement = (seller: string, query: Record<string, string> = {}, accept?: string) => {
    const call = http().get('/v1/statements').query(query).set(bearer('seller', seller));
    return accept ? call.set('Accept', accept) : call;
  };

  it('lists the seller’s sales, payouts, returned payout and refund after release, with a running balance', async () => {
    const response = await statement(SELLER).expect(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = response.body as { data: Line[] } & Record<string, unknown>;
    expect(body).toMatchObject({ object: 'statement', currency: 'CNY', opening_balance: 0 });
    expect(Date.parse(body.to as string)).toBeGreaterThan(Date.now() - 60_000);
    expect(Date.parse(body.to as string) - Date.parse(body.from as string)).toBe(30 * 86_400_000);
    const sale = (order: PaidOrder, gross: number, fee: number) => ({
      type: 'sale',
      order_id: order.orderId,
      amount: gross - fee,
      gross,
      fee,
    });
    // a and b, c were released in two transactions; b and c's order within theirs is by id.
    const [first, ...rest] = body.data;
    expect(first).toMatchObject(sale(orders.a, 10_000, 200));
    const bc = rest.slice(0, 2).sort((x, y) => (x.amount < y.amount ? -1 : 1));
    expect(bc[0]).toMatchObject(sale(orders.b, 5_000, 250));
    expect(bc[1]).toMatchObject(sale(orders.c, 20_000, 200));
    expect(body.data.slice(3)).toEqual([
      expect.objectContaining({
        type: 'payout',
        payout_id: paidPayout,
        amount: -20_000,
        balance_after: 14_350,
      }),
      expect.objectContaining({
        type: 'payout',
        payout_id: failedPayout,
        amount: -5_000,
        balance_after: 9_350,
      }),
      expect.objectContaining({
        type: 'payout_returned',
        payout_id: failedPayout,
        amount: 5_000,
        balance_after: 14_350,
      }),
      expect.objectContaining({
        type: 'adjustment',
        order_id: orders.c.orderId,
        amount: -20_000,
        balance_after: -5_650,
      }),
      expect.objectContaining({ ...sale(orders.d, 8_000, 240), balance_after: 2_110 }),
    ]);
    expect(body.data).toHaveLength(8);
    expect(body.data[2].balance_after).toBe(34_350);
    // The running balance is the opening plus each line; the lines are oldest first.
    let running = 0;
    for (const line of body.data) {
      running += line.amount;
      expect(line.balance_after).toBe(running);
      expect(line.id).toMatch(/^ltx_/);
    }
    const times = body.data.map((line) => Date.parse(line.created_at));
    expect([...times].sort((x, y) => x - y)).toEqual(times);
    // No order or gross on a payout; a sale names no payout.
    expect(Object.keys(body.data[3]).sort()).toEqual([
      'amount',
      'balance_after',
      'created_at',
      'id',
      'payout_id',
      'type',
    ]);
    expect(body.data[0]).not.toHaveProperty('payout_id');
    expect(body.closing_balance).toBe(2_110);
    // The last key of the streamed object.
    expect(response.text.trimEnd().endsWith('"closing_balance":2110}')).toBe(true);
  });

  it('closes at incoming + available − owed, as GET /v1/balance shows them', async () => {
    const balance = (await http().get('/v1/balance').set(bearer('seller', SELLER)).expect(200)).body;
    const cny = (column: { amount: number; currency: string }[]) =>
      column.find((item) => item.currency === 'CNY')?.amount ?? 0;
    expect([cny(balance.incoming), cny(balance.available), cny(balance.owed)]).toEqual([0, 2_110, 0]);
    const body = (await statement(SELLER, { currency: 'CNY' }).expect(200)).body;
    expect(body.closing_balance).toBe(cny(balance.incoming) + cny(balance.available) - cny(balance.owed));
  });

  it('opens a later period at the balance then, and ends an earlier one there', async () => {
    const later = (await statement(SELLER, { from: middle.toISOString() }).expect(200)).body;
    expect(later.from).toBe(middle.toISOString());
    expect(later.opening_balance).toBe(14_350);
    expect(later.data.map((line: Line) => [line.type, line.amount, line.balance_after])).toEqual([
      ['adjustment', -20_000, -5_650],
      ['sale', 7_760, 2_110],
    ]);
    expect(later.closing_balance).toBe(2_110);

    const earlier = (
      await statement(SELLER, { from: startedAt.toISOString(), to: middle.toISOString() }).expect(200)
    ).body;
    expect(earlier.opening_balance).toBe(0);
    expect(earlier.data).toHaveLength(6);
    expect(earlier.closing_balance).toBe(14_350);

    const before = (await statement(SELLER, { to: startedAt.toISOString() }).expect(200)).body;
    expect(before).toMatchObject({ opening_balance: 0, data: [], closing_balance: 0 });
  });

  it('answers CSV for Accept: text/csv, whose amounts add up to closing − opening', async () => {
    const from = middle.toISOString();
    const json = (await statement(SELLER, { from }).expect(200)).body;
    const response = await statement(SELLER, { from }, 'text/csv').expect(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toMatch(
      /^attachment; filename="statement-CNY-\d{4}-\d{2}-\d{2}T\d{6}Z-\d{4}-\d{2}-\d{2}T\d{6}Z\.csv"$/,
    );
    const rows = response.text.trimEnd().split('\n');
    expect(rows[0]).toBe(CSV_HEADER);
    expect(rows.slice(1)).toEqual([
      `${json.data[0].created_at},adjustment,${orders.c.orderId},,-20000,CNY,-5650`,
      `${json.data[1].created_at},sale,${orders.d.orderId},,7760,CNY,2110`,
    ]);

    const whole = await statement(SELLER, {}, 'text/csv').expect(200);
    const wholeJson = (await statement(SELLER).expect(200)).body;
    const records = whole.text
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((row) => row.split(','));
    expect(records).toHaveLength(8);
    const sum = records.reduce((total, record) => total + Number(record[4]), 0);
    expect(sum).toBe(wholeJson.closing_balance - wholeJson.opening_balance);
    expect(records.map((record) => Number(record[6]))).toEqual(
      wholeJson.data.map((line: Line) => line.balance_after),
    );
    expect(records.map((record) => record[3])).toContain(failedPayout);
    // Negative amounts are numbers, not guarded text.
    expect(records.filter((record) => record[1] === 'payout').map((record) => record[4])).toEqual([
      '-20000',
      '-5000',
    ]);
  });

  it('gives the same lines whatever the page size of the ledger reads (a transaction split over pages)', async () => {
    const statements = app.get(StatementService);
    const from = startedAt;
    const to = new Date(Date.now() + 1000);
    const read = async (pageSize: number) => {
      const lines: StatementLine[] = [];
      for await (const line of statements.lines(SELLER, 'CNY', from, to, 0n, pageSize)) lines.push(line);
      return lines;
    };
    const whole = await read(1000);
    expect(whole).toHaveLength(8);
    expect(await read(1)).toEqual(whole);
    expect(await read(2)).toEqual(whole);
    expect(await read(3)).toEqual(whole);
  });

  it('requires the currency of a seller with two, and keeps each seller’s lines to itself', async () => {
    const missing = await statement(OTHER).expect(400);
    expect(missing.body.error).toMatchObject({ code: 'parameter_missing', param: 'currency' });

    const usd = (await statement(OTHER, { currency: 'USD' }).expect(200)).body;
    expect(usd.currency).toBe('USD');
    expect(usd.data).toEqual([
      expect.objectContaining({ type: 'sale', order_id: orders.otherUsd.orderId, amount: 700, fee: 0 }),
    ]);
    const cny = (await statement(OTHER, { currency: 'CNY' }).expect(200)).body;
    expect(cny.data.map((line: Line) => [line.order_id, line.amount])).toEqual([
      [orders.otherCny.orderId, 2_940],
    ]);
    const mine = (await statement(SELLER).expect(200)).body;
    const mineIds = new Set(mine.data.map((line: Line) => line.id));
    expect(cny.data.some((line: Line) => mineIds.has(line.id))).toBe(false);
    const myOrders = new Set([orders.a, orders.b, orders.c, orders.d].map((order) => order.orderId));
    expect(mine.data.every((line: Line) => line.order_id === undefined || myOrders.has(line.order_id!))).toBe(
      true,
    );

    // A seller with no money at all: an empty statement in the first configured currency.
    const none = (await statement('sel_statement_nobody').expect(200)).body;
    expect(none).toMatchObject({
      currency: stack.config.currencies[0],
      opening_balance: 0,
      data: [],
      closing_balance: 0,
    });
  });

  it('refuses other roles, bad dates, unsupported currencies and unknown parameters', async () => {
    const asBuyer = await http().get('/v1/statements').set(bearer('buyer', 'buy_statement')).expect(403);
    expect(asBuyer.body.error.code).toBe('forbidden');
    const asMarketplace = await http()
      .get('/v1/statements')
      .set({ Authorization: `Bearer ${apiKey}` })
      .expect(403);
    expect(asMarketplace.body.error.code).toBe('forbidden');
    await http().get('/v1/statements').expect(401);

    const error = async (query: Record<string, string>, accept?: string) => {
      const response = await statement(SELLER, query, accept).expect(400);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      return response.body.error;
    };
    expect(await error({ from: '2026-02-30' })).toMatchObject({ code: 'parameter_invalid', param: 'from' });
    expect(await error({ to: 'tomorrow' }, 'text/csv')).toMatchObject({
      code: 'parameter_invalid',
      param: 'to',
    });
    expect(await error({ from: '2026-11-02', to: '2026-11-01' })).toMatchObject({
      code: 'parameter_invalid',
      param: 'from',
    });
    expect(await error({ from: '2024-01-01', to: '2026-01-01' })).toMatchObject({
      code: 'parameter_invalid',
      param: 'from',
    });
    expect(await error({ currency: 'GBP' })).toMatchObject({
      code: 'currency_not_supported',
      param: 'currency',
    });
    expect(await error({ currency: 'cny' })).toMatchObject({ code: 'parameter_invalid', param: 'currency' });
    expect(await error({ limit: '10' })).toMatchObject({ code: 'parameter_unknown' });
  });
});

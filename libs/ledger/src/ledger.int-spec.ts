import {
  createDataSource,
  platformMigrations,
  type Tx,
  databaseOf,
  runInTransaction,
} from '@danbao/platform';
import { createTestDatabase, TestDatabase } from '@danbao/testing';
import { DataSource } from 'typeorm';
import { Accounts, HOT_ACCOUNT_BUCKETS } from './accounts';
import { InsufficientFundsError, ReferenceConflictError } from './ledger.errors';
import { LedgerService } from './ledger.service';
import type { PostInput } from './ledger.types';
import { ledgerMigrations } from './migrations';

// Real collaborators: MariaDB (a database of this file's own) through TypeORM. No fakes.

let database: TestDatabase;
let dataSource: DataSource;
let sut: LedgerService;

beforeAll(async () => {
  database = await createTestDatabase([...platformMigrations, ...ledgerMigrations]);
  dataSource = await createDataSource({ databaseUrl: database.databaseUrl, poolSize: 12 }).initialize();
  sut = new LedgerService(databaseOf(dataSource));
});

afterAll(async () => {
  // The books must balance after every scenario of this file.
  if (dataSource?.isInitialized) {
    const report = await sut.check();
    expect(report.violations).toEqual([]);
    await dataSource.destroy();
  }
  await database?.drop();
});

let sequence = 0;
function unique(prefix: string): string {
  sequence += 1;
  return `${prefix}_${Date.now().toString(36)}${sequence}`;
}

function payment(orderId: string, amount: bigint, currency = 'CNY'): PostInput {
  return {
    reference: `payment:${orderId}`,
    kind: 'payment',
    orderId,
    metadata: { payment_id: `pay_${orderId}` },
    postings: [
      { account: Accounts.channel('sandbox'), currency, amount: -amount },
      { account: Accounts.escrow(orderId), currency, amount },
    ],
  };
}

function release(
  orderId: string,
  sellerId: string,
  amount: bigint,
  fee: bigint,
  reference = `release:${orderId}`,
): PostInput {
  return {
    reference,
    kind: 'release',
    orderId,
    postings: [
      { account: Accounts.escrow(orderId), currency: 'CNY', amount: -amount },
      { account: Accounts.sellerAvailable(sellerId), currency: 'CNY', amount: amount - fee },
      { account: Accounts.platformFees(), currency: 'CNY', amount: fee },
    ],
  };
}

async function count(table: string, where = '1 = 1', parameters: unknown[] = []): Promise<number> {
  const [row] = await dataSource.query(`SELECT COUNT(*) AS n FROM ${table} WHERE ${where}`, parameters);
  return Number(row.n);
}

describe('LedgerService.post', () => {
  it('writes a payment as one transaction of two entries and moves both balances', async () => {
    // Proves: a balanced post creates the transaction, its entries and the balance changes.
    const orderId = unique('ord');
    const channelBefore = await sut.balance('channel:sandbox', 'CNY');

    const result = await runInTransaction(databaseOf(dataSource), (tx) =>
      sut.post(tx, payment(orderId, 1999n)),
    );

    expect(result.created).toBe(true);
    expect(result.transactionId).toMatch(/^ltx_[0-9a-z]{26}$/);
    expect(await sut.balance(Accounts.escrow(orderId), 'CNY')).toBe(1999n);
    expect(await sut.balance('channel:sandbox', 'CNY')).toBe(channelBefore - 1999n);
    const transaction = await sut.findTransaction(`payment:${orderId}`);
    expect(transaction).toMatchObject({
      id: result.transactionId,
      kind: 'payment',
      orderId,
      metadata: { payment_id: `pay_${orderId}` },
    });
    expect(transaction!.entries.map((entry) => [entry.account, entry.amount]).sort()).toEqual(
      [
        ['channel:sandbox', -1999n],
        [Accounts.escrow(orderId), 1999n],
      ].sort(),
    );
    const [balanceRow] = await dataSource.query(
      'SELECT balance, version FROM ledger_balances WHERE account_code = ? AND currency = ?',
      [Accounts.escrow(orderId), 'CNY'],
    );
    expect(balanceRow).toEqual({ balance: '1999', version: '1' });
  });

  it('returns the first transaction for a repeated reference and changes nothing', async () => {
    // Proves: idempotency by reference, across transactions and within one.
    const orderId = unique('ord');
    const first = await sut.postInOwnTransaction(payment(orderId, 500n));
    const entriesBefore = await count('ledger_entries');
    const transactionsBefore = await count('ledger_transactions');

    const again = await sut.postInOwnTransaction(payment(orderId, 500n));
    const twiceInOne = await runInTransaction(databaseOf(dataSource), async (tx) => {
      const repeat = await sut.post(tx, payment(orderId, 500n));
      // The failed duplicate INSERT rolled back only itself: the caller's transaction goes on.
      const [row] = await tx.query<{ alive: number }[]>('SELECT 1 AS alive');
      return { repeat, alive: row.alive };
    });

    expect(again).toEqual({ transactionId: first.transactionId, created: false });
    expect(twiceInOne).toEqual({ repeat: { transactionId: first.transactionId, created: false }, alive: 1 });
    expect(await count('ledger_entries')).toBe(entriesBefore);
    expect(await count('ledger_transactions')).toBe(transactionsBefore);
    expect(await sut.balance(Accounts.escrow(orderId), 'CNY')).toBe(500n);
  });

  it('posts a reference once when it is posted twice inside one caller transaction', async () => {
    // Proves: a duplicate of this transaction's own uncommitted post is recognised too.
    const orderId = unique('ord');
    const [a, b] = await runInTransaction(databaseOf(dataSource), async (tx) => [
      await sut.post(tx, payment(orderId, 70n)),
      await sut.post(tx, payment(orderId, 70n)),
    ]);
    expect(a.created).toBe(true);
    expect(b).toEqual({ transactionId: a.transactionId, created: false });
    expect(await sut.balance(Accounts.escrow(orderId), 'CNY')).toBe(70n);
  });

  it('posts a reference once when ten posts of it race on separate connections', async () => {
    // Proves: the unique reference makes concurrent repeats no-ops that return the first id.
    const orderId = unique('ord');
    const before = await count('ledger_entries');

    const results = await Promise.all(
      Array.from({ length: 10 }, () => sut.postInOwnTransaction(payment(orderId, 300n))),
    );

    expect(results.filter((result) => result.created)).toHaveLength(1);
    expect(new Set(results.map((result) => result.transactionId)).size).toBe(1);
    expect(await sut.balance(Accounts.escrow(orderId), 'CNY')).toBe(300n);
    expect(await count('ledger_entries')).toBe(before + 2);
  });

  it('commits or rolls back together with the caller’s own state change', async () => {
    // Proves: the entries live in the caller's transaction; a failure after post() leaves no trace.
    const orderId = unique('ord');
    const before = await count('ledger_entries');

    await expect(
      runInTransaction(databaseOf(dataSource), async (tx) => {
        await sut.post(tx, payment(orderId, 100n));
        throw new Error('the order update failed');
      }),
    ).rejects.toThrow('the order update failed');

    expect(await count('ledger_entries')).toBe(before);
    expect(await count('ledger_transactions', 'reference = ?', [`payment:${orderId}`])).toBe(0);
    expect(await sut.balance(Accounts.escrow(orderId), 'CNY')).toBe(0n);
    // The same reference can be posted once the failed attempt is gone.
    expect((await sut.postInOwnTransaction(payment(orderId, 100n))).created).toBe(true);
  });

  it('refuses to run outside a transaction, where a failure could leave half a post', async () => {
    // Proves: post() demands the caller's transaction.
    await expect(sut.post(databaseOf(dataSource), payment(unique('ord'), 1n))).rejects.toThrow(
      /inside the caller/,
    );
  });

  it('refuses a debit that would take escrow below zero, with 409 insufficient_funds naming it', async () => {
    // Proves: non-negative accounts are enforced at post time and nothing of the post remains.
    const orderId = unique('ord');
    await sut.postInOwnTransaction(payment(orderId, 1000n));
    const before = await count('ledger_entries');

    const attempt = sut.postInOwnTransaction(release(orderId, 'sel_short', 1001n, 20n));

    await expect(attempt).rejects.toBeInstanceOf(InsufficientFundsError);
    await expect(attempt).rejects.toMatchObject({
      status: 409,
      code: 'insufficient_funds',
      account: Accounts.escrow(orderId),
      currency: 'CNY',
    });
    expect(await count('ledger_entries')).toBe(before);
    expect(await sut.balance(Accounts.escrow(orderId), 'CNY')).toBe(1000n);
    expect(await sut.balance(Accounts.sellerAvailable('sel_short'), 'CNY')).toBe(0n);
  });

  it('refuses a debit of a non-negative account that has never been used', async () => {
    // Proves: a missing balance row counts as zero for the guard.
    const seller = unique('sel');
    await expect(
      sut.postInOwnTransaction({
        reference: unique('payout'),
        kind: 'payout',
        postings: [
          { account: Accounts.sellerAvailable(seller), currency: 'USD', amount: -1n },
          { account: Accounts.sellerPayout(seller), currency: 'USD', amount: 1n },
        ],
      }),
    ).rejects.toMatchObject({ account: Accounts.sellerAvailable(seller), currency: 'USD' });
  });

  it('lets exactly one of two posts racing for the last funds succeed', async () => {
    // Proves: the guarded debit serialises on the row; the loser sees the winner's debit.
    const orderId = unique('ord');
    await sut.postInOwnTransaction(payment(orderId, 100n));

    const outcomes = await Promise.allSettled([
      sut.postInOwnTransaction(release(orderId, 'sel_a', 100n, 2n, `release:${orderId}:a`)),
      sut.postInOwnTransaction(release(orderId, 'sel_b', 100n, 2n, `release:${orderId}:b`)),
    ]);

    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    const rejected = outcomes.find((outcome) => outcome.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(InsufficientFundsError);
    expect(await sut.balance(Accounts.escrow(orderId), 'CNY')).toBe(0n);
    const credited =
      (await sut.balance(Accounts.sellerAvailable('sel_a'), 'CNY')) +
      (await sut.balance(Accounts.sellerAvailable('sel_b'), 'CNY'));
    expect(credited).toBe(98n);
  });

  it('keeps currencies apart: one transaction may move two currencies, each balanced', async () => {
    // Proves: the zero-sum rule and the balances are per currency.
    const orderA = unique('ord');
    await sut.postInOwnTransaction({
      reference: unique('two_currencies'),
      kind: 'payment',
      postings: [
        { account: 'channel:sandbox', currency: 'JPY', amount: -1999n },
        { account: Accounts.escrow(orderA), currency: 'JPY', amount: 1999n },
        { account: 'channel:sandbox', currency: 'KWD', amount: -1500n },
        { account: Accounts.escrow(orderA), currency: 'KWD', amount: 1500n },
      ],
    });
    expect(await sut.balance(Accounts.escrow(orderA), 'JPY')).toBe(1999n);
    expect(await sut.balance(Accounts.escrow(orderA), 'KWD')).toBe(1500n);
    expect(await sut.balance(Accounts.escrow(orderA), 'CNY')).toBe(0n);
  });
});

describe('the hot fee account', () => {
  it('spreads fee credits over bucket rows and sums them on read', async () => {
    // Proves: platform:fees uses several of its HOT_ACCOUNT_BUCKETS rows, and balance() adds them up.
    const before = await sut.balance(Accounts.platformFees(), 'EUR');
    for (let i = 0; i < 40; i += 1) {
      await sut.postInOwnTransaction({
        reference: unique('fee'),
        kind: 'fee',
        postings: [
          { account: 'channel:sandbox', currency: 'EUR', amount: -(10n + BigInt(i)) },
          { account: Accounts.platformFees(), currency: 'EUR', amount: 10n + BigInt(i) },
        ],
      });
    }
    const rows: { bucket: number; balance: string }[] = await dataSource.query(
      'SELECT bucket, balance FROM ledger_balances WHERE account_code = ? AND currency = ?',
      [Accounts.platformFees(), 'EUR'],
    );
    expect(rows.length).toBeGreaterThan(1);
    expect(rows.length).toBeLessThanOrEqual(HOT_ACCOUNT_BUCKETS);
    expect(rows.every((row) => row.bucket >= 0 && row.bucket < HOT_ACCOUNT_BUCKETS)).toBe(true);
    // 10 + 11 + ... + 49
    expect(await sut.balance(Accounts.platformFees(), 'EUR')).toBe(before + 1180n);
  });

  it('pays a debit larger than any one bucket from several buckets, and refuses one larger than all', async () => {
    // Proves: a debit of a bucketed non-negative account is split over buckets without any going negative.
    for (let i = 0; i < 30; i += 1) {
      await sut.postInOwnTransaction({
        reference: unique('fee'),
        kind: 'fee',
        postings: [
          { account: 'channel:sandbox', currency: 'USD', amount: -100n },
          { account: Accounts.platformFees(), currency: 'USD', amount: 100n },
        ],
      });
    }
    const withdraw = (amount: bigint) =>
      sut.postInOwnTransaction({
        reference: unique('fee_withdrawal'),
        kind: 'fee_withdrawal',
        postings: [
          { account: Accounts.platformFees(), currency: 'USD', amount: -amount },
          { account: Accounts.bankPayouts(), currency: 'USD', amount },
        ],
      });

    await expect(withdraw(3001n)).rejects.toMatchObject({ account: 'platform:fees', currency: 'USD' });
    const result = await withdraw(2950n);

    expect(await sut.balance(Accounts.platformFees(), 'USD')).toBe(50n);
    const transaction = await sut.findTransaction(
      (
        await dataSource.query('SELECT reference FROM ledger_transactions WHERE id = ?', [
          result.transactionId,
        ])
      )[0].reference,
    );
    const feeEntries = transaction!.entries.filter((entry) => entry.account === 'platform:fees');
    expect(feeEntries.length).toBeGreaterThan(1);
    expect(feeEntries.reduce((sum, entry) => sum + entry.amount, 0n)).toBe(-2950n);
    const [negative] = await dataSource.query(
      'SELECT COUNT(*) AS n FROM ledger_balances WHERE account_code = ? AND balance < 0',
      ['platform:fees'],
    );
    expect(Number(negative.n)).toBe(0);
  });
});

/**
 * Runs `work` and reports how many statements the server received meanwhile on this transaction's
 * connection (MariaDB's own Questions counter, less what reading it costs).
 */
async function statementsDuring<T>(
  tx: Tx,
  report: (statements: number) => void,
  work: () => Promise<T>,
): Promise<T> {
  const questions = async () =>
    Number((await tx.query<{ Value: string }[]>("SHOW SESSION STATUS LIKE 'Questions'"))[0].Value);
  const first = await questions();
  const second = await questions();
  const result = await work();
  report((await questions()) - second - (second - first));
  return result;
}

describe('LedgerService.postMany', () => {
  it('posts a batch with one statement per table, skipping references posted before', async () => {
    // (A reference repeated within one batch is refused: see 'refuses a batch that names one reference twice'.)
    // Proves: the batched form writes each member once, with few statements, and sums balance rows.
    const orders = [unique('ord'), unique('ord'), unique('ord')];
    await runInTransaction(databaseOf(dataSource), (tx) =>
      sut.postMany(
        tx,
        orders.map((order) => payment(order, 1000n)),
      ),
    );
    const earlier = await sut.postInOwnTransaction(release(orders[0], 'sel_batch', 1000n, 20n));

    let statements = 0;
    const results = await runInTransaction(databaseOf(dataSource), async (tx: Tx) => {
      return statementsDuring(
        tx,
        (count) => (statements = count),
        () =>
          sut.postMany(tx, [
            release(orders[0], 'sel_batch', 1000n, 20n),
            release(orders[1], 'sel_batch', 1000n, 20n),
            release(orders[2], 'sel_batch', 1000n, 20n),
          ]),
      );
    });

    expect(results[0]).toEqual({ transactionId: earlier.transactionId, created: false });
    expect(results[1].created).toBe(true);
    expect(results[2].created).toBe(true);
    expect(results).toHaveLength(3);
    // INSERT (fails on the repeat), INSERT IGNORE, SELECT ids with the stored postings, INSERT entries, the 2 guarded
    // escrow debits in one statement, 1 upsert.
    expect(statements).toBe(6);
    expect(await sut.balance(Accounts.sellerAvailable('sel_batch'), 'CNY')).toBe(3n * 980n);
    for (const order of orders) expect(await sut.balance(Accounts.escrow(order), 'CNY')).toBe(0n);
  });

  it('uses three statements for a batch of new transactions, whatever its size', async () => {
    // Proves: entries go in one INSERT and each balance row is updated once per batch.
    const orders = Array.from({ length: 20 }, () => unique('ord'));
    await runInTransaction(databaseOf(dataSource), (tx) =>
      sut.postMany(
        tx,
        orders.map((order) => payment(order, 500n)),
      ),
    );
    let statements = 0;
    await runInTransaction(databaseOf(dataSource), async (tx: Tx) => {
      // Credits from the channel: no guarded debit, so the transactions, the entries and one upsert.
      return statementsDuring(
        tx,
        (count) => (statements = count),
        () =>
          sut.postMany(
            tx,
            orders.map((order) => ({
              reference: `bonus:${order}`,
              kind: 'adjustment',
              postings: [
                { account: 'channel:sandbox', currency: 'CNY', amount: -5n },
                { account: Accounts.sellerAvailable('sel_bonus'), currency: 'CNY', amount: 4n },
                { account: Accounts.platformFees(), currency: 'CNY', amount: 1n },
              ],
            })),
          ),
      );
    });
    expect(statements).toBe(3);
    expect(await sut.balance(Accounts.sellerAvailable('sel_bonus'), 'CNY')).toBe(80n);
  });

  it('throws InsufficientFundsError for the whole batch when one member is short', async () => {
    // Proves: a failed guarded debit fails the batch; after the rollback nothing of it remains.
    const funded = unique('ord');
    const unfunded = unique('ord');
    await sut.postInOwnTransaction(payment(funded, 100n));
    const before = await count('ledger_entries');

    await expect(
      runInTransaction(databaseOf(dataSource), (tx) =>
        sut.postMany(tx, [release(funded, 'sel_x', 100n, 2n), release(unfunded, 'sel_x', 100n, 2n)]),
      ),
    ).rejects.toMatchObject({ account: Accounts.escrow(unfunded) });

    expect(await count('ledger_entries')).toBe(before);
    expect(await sut.balance(Accounts.escrow(funded), 'CNY')).toBe(100n);

    // A row that exists but holds too little is named too, wherever it stands in the run.
    const short = unique('ord');
    await sut.postInOwnTransaction(payment(short, 50n));
    const run = [funded, short].sort();
    await expect(
      runInTransaction(databaseOf(dataSource), (tx) =>
        sut.postMany(
          tx,
          run.map((order) => release(order, 'sel_x', 100n, 2n)),
        ),
      ),
    ).rejects.toMatchObject({ account: Accounts.escrow(short) });
    expect(await sut.balance(Accounts.escrow(short), 'CNY')).toBe(50n);
  });
});

describe('reading the ledger', () => {
  const pause = () => new Promise((resolve) => setTimeout(resolve, 5));

  it('gives balances as of a time and a statement with running balances, from the entries', async () => {
    // Proves: balanceAsOf and statement agree with the postings made at known times.
    const seller = unique('sel');
    const account = Accounts.sellerAvailable(seller);
    const credit = (amount: bigint) =>
      sut.postInOwnTransaction({
        reference: unique('credit'),
        kind: 'adjustment',
        orderId: 'ord_statement',
        postings: [
          { account: 'channel:sandbox', currency: 'CNY', amount: -amount },
          { account, currency: 'CNY', amount },
        ],
      });
    const debit = (amount: bigint) =>
      sut.postInOwnTransaction({
        reference: unique('payout'),
        kind: 'payout',
        postings: [
          { account, currency: 'CNY', amount: -amount },
          { account: Accounts.sellerPayout(seller), currency: 'CNY', amount },
        ],
      });

    const t0 = new Date();
    await pause();
    await credit(1000n);
    await pause();
    const t1 = new Date();
    await pause();
    await debit(300n);
    await credit(50n);
    await pause();
    const t2 = new Date();
    await pause();
    await credit(7n);

    expect(await sut.balanceAsOf(account, 'CNY', t0)).toBe(0n);
    expect(await sut.balanceAsOf(account, 'CNY', t1)).toBe(1000n);
    expect(await sut.balanceAsOf(account, 'CNY', t2)).toBe(750n);
    expect(await sut.balance(account, 'CNY')).toBe(757n);

    const statement = await sut.statement(account, 'CNY', { from: t1, to: t2 });
    expect(statement.openingBalance).toBe(1000n);
    expect(statement.closingBalance).toBe(750n);
    expect(statement.hasMore).toBe(false);
    expect(statement.entries.map((entry) => [entry.kind, entry.amount, entry.balanceAfter])).toEqual([
      ['payout', -300n, 700n],
      ['adjustment', 50n, 750n],
    ]);
    expect(statement.entries[1].orderId).toBe('ord_statement');

    const whole = await sut.statement(account, 'CNY', { limit: 2 });
    expect(whole.openingBalance).toBe(0n);
    expect(whole.closingBalance).toBe(757n);
    expect(whole.hasMore).toBe(true);
    expect(whole.entries.map((entry) => entry.balanceAfter)).toEqual([1000n, 700n]);
  });

  it('sums several accounts of one currency before a time, strictly, for a statement’s opening balance', async () => {
    // Proves: sumBefore adds the named accounts' entries created before `at` (not at or after it),
    // in the one currency, and nothing of other accounts or currencies.
    const seller = unique('sel');
    const incoming = Accounts.sellerIncoming(seller);
    const available = Accounts.sellerAvailable(seller);
    const move = (postings: { account: string; currency: string; amount: bigint }[]) =>
      sut.postInOwnTransaction({ reference: unique('move'), kind: 'adjustment', postings });
    await move([
      { account: 'channel:sandbox', currency: 'CNY', amount: -900n },
      { account: incoming, currency: 'CNY', amount: 900n },
    ]);
    await move([
      { account: incoming, currency: 'CNY', amount: -400n },
      { account: available, currency: 'CNY', amount: 400n },
    ]);
    await move([
      { account: 'channel:sandbox', currency: 'USD', amount: -5n },
      { account: available, currency: 'USD', amount: 5n },
    ]);
    await move([
      { account: available, currency: 'CNY', amount: -100n },
      { account: Accounts.sellerPayout(seller), currency: 'CNY', amount: 100n },
    ]);
    await pause();
    const t1 = new Date();
    await pause();
    await move([
      { account: 'channel:sandbox', currency: 'CNY', amount: -33n },
      { account: available, currency: 'CNY', amount: 33n },
    ]);
    const [last] = await dataSource.query(
      'SELECT MAX(created_at) AS at FROM ledger_entries WHERE account_code = ?',
      [available],
    );

    expect(await sut.sumBefore([incoming, available], 'CNY', t1)).toBe(800n);
    expect(await sut.sumBefore([incoming, available], 'USD', t1)).toBe(5n);
    expect(await sut.sumBefore([incoming], 'CNY', t1)).toBe(500n);
    // Strictly before: the entry created at `at` itself is not counted.
    expect(await sut.sumBefore([incoming, available], 'CNY', last.at as Date)).toBe(800n);
    expect(await sut.sumBefore([incoming, available], 'CNY', new Date(Date.now() + 60_000))).toBe(833n);
    expect(await sut.sumBefore([incoming, available], 'CNY', new Date(0))).toBe(0n);
    expect(await sut.sumBefore([], 'CNY', t1)).toBe(0n);
  });

  it('lists balances by account prefix, treating _ and % in the prefix literally', async () => {
    // Proves: balances(prefix) finds a seller's accounts and nothing that merely matches a wildcard.
    const seller = unique('sel');
    const lookalike = seller.replace('_', 'X');
    for (const id of [seller, lookalike]) {
      await sut.postInOwnTransaction({
        reference: unique('credit'),
        kind: 'adjustment',
        postings: [
          { account: 'channel:sandbox', currency: 'CNY', amount: -10n },
          { account: Accounts.sellerAvailable(id), currency: 'CNY', amount: 10n },
        ],
      });
    }
    expect(await sut.balances(`seller:${seller}:`)).toEqual([
      { account: Accounts.sellerAvailable(seller), currency: 'CNY', balance: 10n },
    ]);
  });

  it('lists an order’s transactions oldest first', async () => {
    // Proves: transactionsForOrder finds every transaction carrying the order id.
    const orderId = unique('ord');
    await sut.postInOwnTransaction(payment(orderId, 900n));
    await sut.postInOwnTransaction(release(orderId, 'sel_listing', 900n, 18n));
    const transactions = await sut.transactionsForOrder(orderId);
    expect(transactions.map((transaction) => [transaction.kind, transaction.entries.length])).toEqual([
      ['payment', 2],
      ['release', 3],
    ]);
  });

  it('reports balanced books with per-currency totals as decimal strings', async () => {
    // Proves: check() finds nothing after the scenarios above, in the admin endpoint's shape.
    const report = await sut.check();
    expect(report.balanced).toBe(true);
    expect(report.violations).toEqual([]);
    expect(new Date(report.checked_at).toISOString()).toBe(report.checked_at);
    const cny = report.currencies.find((row) => row.currency === 'CNY')!;
    expect(cny.debits).toMatch(/^[1-9][0-9]*$/);
    expect(cny.debits).toBe(cny.credits);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });
});

describe('a reference reused with other postings', () => {
  it('refuses a reference whose postings differ from the stored ones, and writes nothing', async () => {
    // Proves: a repeat is idempotent only when it is the same transaction; anything else is refused.
    const orderId = unique('ord');
    const first = await sut.postInOwnTransaction(payment(orderId, 500n));
    const entriesBefore = await count('ledger_entries');
    const transactionsBefore = await count('ledger_transactions');
    const other = unique('ord');

    // Another amount, another account, another currency, one posting more: each refused.
    const variants: PostInput[] = [
      payment(orderId, 600n),
      {
        ...payment(orderId, 500n),
        postings: [
          { account: Accounts.channel('other'), currency: 'CNY', amount: -500n },
          { account: Accounts.escrow(orderId), currency: 'CNY', amount: 500n },
        ],
      },
      payment(orderId, 500n, 'USD'),
      {
        ...payment(orderId, 500n),
        postings: [
          { account: Accounts.channel('sandbox'), currency: 'CNY', amount: -500n },
          { account: Accounts.escrow(orderId), currency: 'CNY', amount: 400n },
          { account: Accounts.escrow(other), currency: 'CNY', amount: 100n },
        ],
      },
    ];
    for (const variant of variants) {
      // In a caller's transaction that posted something else first: the refusal rolls it all back.
      await expect(
        runInTransaction(databaseOf(dataSource), async (tx) => {
          await sut.post(tx, payment(other, 100n));
          return sut.post(tx, variant);
        }),
      ).rejects.toBeInstanceOf(ReferenceConflictError);
      await expect(sut.postInOwnTransaction(variant)).rejects.toMatchObject({
        code: 'ledger_reference_conflict',
      });
    }

    expect(await count('ledger_entries')).toBe(entriesBefore);
    expect(await count('ledger_transactions')).toBe(transactionsBefore);
    expect(await count('ledger_transactions', 'reference = ?', [`payment:${other}`])).toBe(0);
    expect(await sut.balance(Accounts.escrow(orderId), 'CNY')).toBe(500n);
    expect(await sut.findTransaction(`payment:${orderId}`)).toMatchObject({ id: first.transactionId });
  });

  it('refuses a batch that names one reference twice, and writes nothing of it', async () => {
    // Proves: postMany does not silently drop a later member that shares a reference.
    const orders = [unique('ord'), unique('ord')];
    const transactionsBefore = await count('ledger_transactions');
    const entriesBefore = await count('ledger_entries');
    for (const batch of [
      [payment(orders[0], 100n), payment(orders[1], 100n), payment(orders[0], 100n)],
      [payment(orders[0], 100n), payment(orders[0], 200n)],
    ]) {
      await expect(
        runInTransaction(databaseOf(dataSource), (tx) => sut.postMany(tx, batch)),
      ).rejects.toBeInstanceOf(ReferenceConflictError);
    }
    expect(await count('ledger_transactions')).toBe(transactionsBefore);
    expect(await count('ledger_entries')).toBe(entriesBefore);
  });

  it('still answers an identical repeat with the first transaction, created false, also when a hot debit was split over buckets', async () => {
    // Proves: the comparison is by account, currency and amount, whatever buckets stored them.
    for (let i = 0; i < 20; i += 1) {
      await sut.postInOwnTransaction({
        reference: unique('fee'),
        kind: 'fee',
        postings: [
          { account: 'channel:sandbox', currency: 'EUR', amount: -100n },
          { account: Accounts.platformFees(), currency: 'EUR', amount: 100n },
        ],
      });
    }
    const withdrawal: PostInput = {
      reference: unique('fee_withdrawal'),
      kind: 'fee_withdrawal',
      postings: [
        { account: Accounts.platformFees(), currency: 'EUR', amount: -1500n },
        { account: Accounts.bankPayouts(), currency: 'EUR', amount: 1500n },
      ],
    };
    const first = await sut.postInOwnTransaction(withdrawal);
    const stored = await sut.findTransaction(withdrawal.reference);
    expect(stored!.entries.filter((entry) => entry.account === 'platform:fees').length).toBeGreaterThan(1);
    const entriesBefore = await count('ledger_entries');

    const reordered = { ...withdrawal, postings: [...withdrawal.postings].reverse() };
    expect(await sut.postInOwnTransaction(withdrawal)).toEqual({
      transactionId: first.transactionId,
      created: false,
    });
    expect(await sut.postInOwnTransaction(reordered)).toEqual({
      transactionId: first.transactionId,
      created: false,
    });
    const inBatch = await runInTransaction(databaseOf(dataSource), (tx) =>
      sut.postMany(tx, [withdrawal, payment(unique('ord'), 10n)]),
    );
    expect(inBatch[0]).toEqual({ transactionId: first.transactionId, created: false });
    expect(inBatch[1].created).toBe(true);
    expect(await count('ledger_entries')).toBe(entriesBefore + 2);
  });
});

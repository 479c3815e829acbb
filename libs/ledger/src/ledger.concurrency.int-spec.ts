import {
  createDataSource,
  parseDatabaseUrl,
  platformMigrations,
  transactionRetries,
  databaseOf,
} from '@danbao/platform';
import { createTestDatabase, TestDatabase } from '@danbao/testing';
import { createConnection } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { Accounts } from './accounts';
import { LedgerService } from './ledger.service';
import type { PostInput } from './ledger.types';
import { ledgerMigrations } from './migrations';

// Real collaborators: MariaDB through a pool of 32 connections, so concurrent posts run on
// separate connections and really contend for the same rows.

const POOL_SIZE = 32;

let database: TestDatabase;
let dataSource: DataSource;
let sut: LedgerService;

beforeAll(async () => {
  database = await createTestDatabase([...platformMigrations, ...ledgerMigrations]);
  dataSource = await createDataSource({
    databaseUrl: database.databaseUrl,
    poolSize: POOL_SIZE,
  }).initialize();
  sut = new LedgerService(databaseOf(dataSource));
});

afterAll(async () => {
  await dataSource?.destroy();
  await database?.drop();
});

async function retriesSoFar(): Promise<number> {
  const metric = await transactionRetries.get();
  return metric.values.reduce((sum, value) => sum + value.value, 0);
}

async function expectBooksBalanced(): Promise<void> {
  const report = await sut.check();
  expect(report.violations).toEqual([]);
  expect(report.balanced).toBe(true);
}

describe('the ledger under concurrency', () => {
  it('leaves a balance exact after 200 concurrent posts to the same account', async () => {
    // Proves: 100 credits and 100 guarded debits racing on one seller's row lose no update.
    const account = Accounts.sellerAvailable('sel_busy');
    await sut.postInOwnTransaction({
      reference: 'funding:sel_busy',
      kind: 'adjustment',
      postings: [
        { account: 'channel:sandbox', currency: 'CNY', amount: -100_000n },
        { account, currency: 'CNY', amount: 100_000n },
      ],
    });
    const posts: PostInput[] = Array.from({ length: 200 }, (_, i) => {
      const amount = BigInt(i + 1);
      const counterpart = i % 2 === 0 ? 'channel:sandbox' : Accounts.sellerPayout('sel_busy');
      const sign = i % 2 === 0 ? 1n : -1n;
      return {
        reference: `busy:${i}`,
        kind: i % 2 === 0 ? 'adjustment' : 'payout',
        postings: [
          { account, currency: 'CNY', amount: sign * amount },
          { account: counterpart, currency: 'CNY', amount: -sign * amount },
        ],
      };
    });

    const outcomes = await Promise.allSettled(posts.map((post) => sut.postInOwnTransaction(post)));

    expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
    // Credits 1 + 3 + ... + 199 = 10,000; debits 2 + 4 + ... + 200 = 10,100.
    expect(await sut.balance(account, 'CNY')).toBe(100_000n + 10_000n - 10_100n);
    expect(await sut.balance(Accounts.sellerPayout('sel_busy'), 'CNY')).toBe(10_100n);
    const [row] = await dataSource.query(
      'SELECT balance, version FROM ledger_balances WHERE account_code = ? AND currency = ?',
      [account, 'CNY'],
    );
    expect(row).toEqual({ balance: '99900', version: '201' });
    const [entries] = await dataSource.query(
      'SELECT COUNT(*) AS n FROM ledger_entries WHERE account_code = ?',
      [account],
    );
    expect(Number(entries.n)).toBe(201);
    await expectBooksBalanced();
  });

  it('takes 500 concurrent releases crediting the hot fee account without a deadlock reaching the caller', async () => {
    // Proves: bucketed fee rows, a fixed lock order and the bounded retry carry a burst on one account.
    const orders = Array.from({ length: 500 }, (_, i) => `ord_hot_${i}`);
    const amountOf = (i: number) => BigInt(1000 + i);
    const feeOf = (i: number) => (amountOf(i) * 200n + 5000n) / 10_000n;
    await sut.postInOwnTransaction({
      reference: 'funding:hot',
      kind: 'payment',
      postings: [
        {
          account: 'channel:sandbox',
          currency: 'USD',
          amount: -orders.reduce((sum, _order, i) => sum + amountOf(i), 0n),
        },
        ...orders.map((order, i) => ({
          account: Accounts.escrow(order),
          currency: 'USD',
          amount: amountOf(i),
        })),
      ],
    });
    const feesBefore = await sut.balance(Accounts.platformFees(), 'USD');
    const retriesBefore = await retriesSoFar();

    const started = Date.now();
    const outcomes = await Promise.allSettled(
      orders.map((order, i) =>
        sut.postInOwnTransaction({
          reference: `release:${order}`,
          kind: 'release',
          orderId: order,
          postings: [
            { account: Accounts.escrow(order), currency: 'USD', amount: -amountOf(i) },
            {
              account: Accounts.sellerAvailable(`sel_hot_${i % 7}`),
              currency: 'USD',
              amount: amountOf(i) - feeOf(i),
            },
            { account: Accounts.platformFees(), currency: 'USD', amount: feeOf(i) },
          ],
        }),
      ),
    );
    const elapsedMs = Date.now() - started;
    const retries = (await retriesSoFar()) - retriesBefore;
    console.log(`500 concurrent hot releases: ${elapsedMs} ms, ${retries} retried transaction(s)`);

    const failures = outcomes.filter((outcome) => outcome.status === 'rejected') as PromiseRejectedResult[];
    expect(failures.map((failure) => String(failure.reason))).toEqual([]);
    const totalFees = orders.reduce((sum, _order, i) => sum + feeOf(i), 0n);
    expect(await sut.balance(Accounts.platformFees(), 'USD')).toBe(feesBefore + totalFees);
    const buckets = await dataSource.query(
      'SELECT COUNT(*) AS n FROM ledger_balances WHERE account_code = ? AND currency = ?',
      ['platform:fees', 'USD'],
    );
    expect(Number(buckets[0].n)).toBeGreaterThan(1);
    for (const order of orders.slice(0, 10))
      expect(await sut.balance(Accounts.escrow(order), 'USD')).toBe(0n);
    await expectBooksBalanced();
  });

  it('retries a post that the database chose as a deadlock victim, and it then succeeds', async () => {
    // Proves: a real InnoDB deadlock (1213) inside postInOwnTransaction is retried, not thrown.
    const x = Accounts.sellerAvailable('sel_deadlock_x');
    const y = Accounts.sellerAvailable('sel_deadlock_y');
    for (const account of [x, y]) {
      await sut.postInOwnTransaction({
        reference: `funding:${account}`,
        kind: 'adjustment',
        postings: [
          { account: 'channel:sandbox', currency: 'CNY', amount: -10n },
          { account, currency: 'CNY', amount: 10n },
        ],
      });
    }
    const target = parseDatabaseUrl(database.databaseUrl);
    const other = await createConnection(target);
    try {
      // Another transaction, made heavy (InnoDB rolls back the lighter one), holds y.
      await other.query('START TRANSACTION');
      const padding = Array.from({ length: 300 }, (_, i) => [
        `seller:pad_${i}:available`,
        'CNY',
        0,
        0,
        1,
        new Date(),
      ]);
      await other.query(
        'INSERT INTO ledger_balances (account_code, currency, bucket, balance, version, updated_at) VALUES ?',
        [padding],
      );
      await other.query('UPDATE ledger_balances SET version = version + 1 WHERE account_code = ?', [y]);
      const retriesBefore = await retriesSoFar();

      // The post locks x, then waits for y.
      const post = sut.postInOwnTransaction({
        reference: 'deadlock:victim',
        kind: 'adjustment',
        postings: [
          { account: 'channel:sandbox', currency: 'CNY', amount: -2n },
          { account: x, currency: 'CNY', amount: 1n },
          { account: y, currency: 'CNY', amount: 1n },
        ],
      });
      for (let waited = 0; waited < 100; waited += 1) {
        const [waiting] = await dataSource.query(
          `SELECT COUNT(*) AS n FROM information_schema.innodb_trx t
           JOIN information_schema.processlist p ON p.id = t.trx_mysql_thread_id
           WHERE t.trx_state = 'LOCK WAIT' AND p.db = ?`,
          [target.database],
        );
        if (Number(waiting.n) > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      // Now the other transaction asks for x: a cycle, which InnoDB breaks by rolling back the post.
      await other.query('UPDATE ledger_balances SET version = version + 1 WHERE account_code = ?', [x]);
      await other.query('COMMIT');

      await expect(post).resolves.toMatchObject({ created: true });
      expect((await retriesSoFar()) - retriesBefore).toBeGreaterThanOrEqual(1);
      expect(await sut.balance(x, 'CNY')).toBe(11n);
      expect(await sut.balance(y, 'CNY')).toBe(11n);
    } finally {
      await other.end();
    }
    await expectBooksBalanced();
  });
});

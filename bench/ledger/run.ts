/**
 * Ledger throughput against a raw mysql2 baseline doing the same inserts and updates, in the same
 * run (PERFORMANCE.md: runs differ by 5-35 %, so only ratios within one run mean anything).
 *
 *   npm run bench:ledger                     (DATABASE_URL as elsewhere; BENCH_SECONDS per cell)
 *
 * Two workloads, each a journal transaction of two postings:
 * - spread: channel:sandbox → seller:<one of 10,000>:available: posts credit accounts that rarely meet;
 * - hot:    channel:sandbox → platform:fees: every post credits the one hot fee account.
 * Both update existing balance rows (the sellers are funded first), so the difference between them
 * is contention alone.
 * The channel and the fee account are both bucketed (16 rows). The ledger side is
 * LedgerService.postInOwnTransaction (validation, planning, TypeORM, retry); the raw side sends the
 * same four statements (transaction row, both entries, one balance upsert) inside BEGIN/COMMIT
 * through a mysql2 pool, with the same ids and buckets.
 */
import 'reflect-metadata';
import { Accounts, HOT_ACCOUNT_BUCKETS, LedgerService, ledgerMigrations } from '@danbao/ledger';
import {
  createDataSource,
  dropDatabase,
  migrateDatabase,
  newId,
  parseDatabaseUrl,
  platformMigrations,
  withDatabase,
  databaseOf,
  runInTransaction,
} from '@danbao/platform';
import { randomBytes, randomInt } from 'node:crypto';
import { createPool, Pool } from 'mysql2/promise';
import { DataSource } from 'typeorm';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const SLICES = 8;
const CONCURRENCIES = (process.env.BENCH_CONCURRENCY ?? '1,8,32').split(',').map(Number);
const MAX_CONCURRENCY = Math.max(...CONCURRENCIES);
const POSTINGS_PER_POST = 2;

type Scenario = 'spread' | 'hot';
type Post = () => Promise<void>;

const SPREAD_ACCOUNTS = 10_000;

function creditAccount(scenario: Scenario): string {
  return scenario === 'spread'
    ? Accounts.sellerAvailable(`bench_${randomInt(SPREAD_ACCOUNTS)}`)
    : Accounts.platformFees();
}

/** Creates the spread accounts' balance rows (through the ledger, so the books stay balanced). */
async function createSpreadAccounts(dataSource: DataSource, ledger: LedgerService): Promise<void> {
  for (let start = 0; start < SPREAD_ACCOUNTS; start += 1000) {
    await runInTransaction(databaseOf(dataSource), (tx) =>
      ledger.postMany(
        tx,
        Array.from({ length: 1000 }, (_, i) => ({
          reference: `bench:open:${start + i}`,
          kind: 'adjustment',
          postings: [
            { account: Accounts.channel('sandbox'), currency: 'CNY', amount: -1n },
            { account: Accounts.sellerAvailable(`bench_${start + i}`), currency: 'CNY', amount: 1n },
          ],
        })),
      ),
    );
  }
}

function ledgerPost(ledger: LedgerService, scenario: Scenario): Post {
  return async () => {
    const amount = BigInt(1 + randomInt(100_000));
    const credit = creditAccount(scenario);
    await ledger.postInOwnTransaction({
      reference: newId('bench'),
      kind: 'payment',
      postings: [
        { account: Accounts.channel('sandbox'), currency: 'CNY', amount: -amount },
        { account: credit, currency: 'CNY', amount },
      ],
    });
  };
}

/** The statements LedgerService sends for the same post, written by hand. */
function rawPost(pool: Pool, scenario: Scenario): Post {
  return async () => {
    const amount = BigInt(1 + randomInt(100_000));
    const credit = creditAccount(scenario);
    const now = new Date();
    const transactionId = newId('ltx', now.getTime());
    const channelBucket = randomInt(HOT_ACCOUNT_BUCKETS);
    const creditBucket = scenario === 'hot' ? randomInt(HOT_ACCOUNT_BUCKETS) : 0;
    // Lock order as the ledger's: accounts that are not hot first, then hot ones by code
    // (channel:sandbox before platform:fees).
    const rows: [string, number, bigint][] =
      scenario === 'hot'
        ? [
            ['channel:sandbox', channelBucket, -amount],
            [credit, creditBucket, amount],
          ]
        : [
            [credit, 0, amount],
            ['channel:sandbox', channelBucket, -amount],
          ];
    const connection = await pool.getConnection();
    try {
      await connection.query('START TRANSACTION');
      await connection.query(
        `INSERT INTO ledger_transactions (id, reference, kind, order_id, metadata, created_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
        [transactionId, newId('bench'), 'payment', null, null, now],
      );
      await connection.query(
        `INSERT INTO ledger_entries (id, transaction_id, account_code, currency, bucket, amount, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?, ?)`,
        [
          ...[
            newId('len', now.getTime()),
            transactionId,
            'channel:sandbox',
            'CNY',
            channelBucket,
            -amount,
            now,
          ],
          ...[newId('len', now.getTime()), transactionId, credit, 'CNY', creditBucket, amount, now],
        ],
      );
      await connection.query(
        `INSERT INTO ledger_balances (account_code, currency, bucket, balance, version, updated_at)
         VALUES (?, ?, ?, ?, 1, ?), (?, ?, ?, ?, 1, ?)
         ON DUPLICATE KEY UPDATE balance = balance + VALUES(balance), version = version + 1,
           updated_at = VALUES(updated_at)`,
        rows.flatMap(([account, bucket, delta]) => [account, 'CNY', bucket, delta, now]),
      );
      await connection.query('COMMIT');
    } catch (error) {
      await connection.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      connection.release();
    }
  };
}

interface Measurement {
  posts: number;
  seconds: number;
  errors: number;
}

const perSecond = (measurement: Measurement) => measurement.posts / measurement.seconds;

/** Runs `post` from `concurrency` loops for `seconds`, adding what it did to `into`. */
async function measure(post: Post, concurrency: number, seconds: number, into: Measurement): Promise<void> {
  const started = process.hrtime.bigint();
  const endMs = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < endMs) {
        try {
          await post();
          into.posts += 1;
        } catch {
          into.errors += 1;
        }
      }
    }),
  );
  into.seconds += Number(process.hrtime.bigint() - started) / 1e9;
}

/**
 * Measures the ledger and the raw baseline in alternating slices (ledger, raw, raw, ledger, ...),
 * so that whatever else the shared machine does during the cell weighs on both sides alike.
 */
async function compare(
  ledger: Post,
  raw: Post,
  concurrency: number,
): Promise<{ ledger: Measurement; raw: Measurement }> {
  const cell = { ledger: { posts: 0, seconds: 0, errors: 0 }, raw: { posts: 0, seconds: 0, errors: 0 } };
  for (let slice = 0; slice < SLICES; slice += 1) {
    const order = slice % 2 === 0 ? (['ledger', 'raw'] as const) : (['raw', 'ledger'] as const);
    for (const side of order) {
      await measure(side === 'ledger' ? ledger : raw, concurrency, SECONDS / SLICES, cell[side]);
    }
  }
  return cell;
}

function pad(text: string | number, width: number): string {
  return String(text).padStart(width);
}

async function main(): Promise<void> {
  const baseUrl = process.env.DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/danbao';
  const databaseUrl = withDatabase(baseUrl, `danbao_bench_${randomBytes(4).toString('hex')}`);
  await migrateDatabase(databaseUrl, [...platformMigrations, ...ledgerMigrations]);
  const dataSource: DataSource = await createDataSource({
    databaseUrl,
    poolSize: MAX_CONCURRENCY,
  }).initialize();
  const target = parseDatabaseUrl(databaseUrl);
  const pool = createPool({
    ...target,
    connectionLimit: MAX_CONCURRENCY,
    timezone: 'Z',
    charset: 'utf8mb4_unicode_ci',
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  const ledger = new LedgerService(databaseOf(dataSource));
  try {
    console.log(
      `Ledger bench: ${SECONDS}s per side per cell in ${SLICES} alternating slices, postings = ${POSTINGS_PER_POST} per journal transaction, ` +
        `database ${target.database}`,
    );
    await createSpreadAccounts(dataSource, ledger);
    // Warm up both paths (connections, buffer pool, JIT) before measuring.
    for (const scenario of ['spread', 'hot'] as Scenario[]) {
      await compare(ledgerPost(ledger, scenario), rawPost(pool, scenario), 8);
    }

    const results = new Map<string, { ledger: Measurement; raw: Measurement }>();
    for (const scenario of ['spread', 'hot'] as Scenario[]) {
      for (const concurrency of CONCURRENCIES) {
        results.set(
          `${scenario}/${concurrency}`,
          await compare(ledgerPost(ledger, scenario), rawPost(pool, scenario), concurrency),
        );
      }
    }

    const postings = (measurement: Measurement) => Math.round(perSecond(measurement) * POSTINGS_PER_POST);
    console.log('');
    console.log('workload  conc  ledger postings/s  raw postings/s  ledger/raw  errors (ledger/raw)');
    for (const [key, cell] of results) {
      const [scenario, concurrency] = key.split('/');
      console.log(
        `${scenario.padEnd(8)}  ${pad(concurrency, 4)}  ${pad(postings(cell.ledger), 17)}  ${pad(postings(cell.raw), 14)}` +
          `  ${pad(`${((100 * perSecond(cell.ledger)) / perSecond(cell.raw)).toFixed(0)}%`, 10)}` +
          `  ${cell.ledger.errors}/${cell.raw.errors}`,
      );
    }
    console.log('');
    console.log('hot / spread (ledger)   hot / spread (raw)');
    for (const concurrency of CONCURRENCIES) {
      const spread = results.get(`spread/${concurrency}`)!;
      const hot = results.get(`hot/${concurrency}`)!;
      console.log(
        `c=${pad(concurrency, 2)}  ${pad(`${((100 * perSecond(hot.ledger)) / perSecond(spread.ledger)).toFixed(0)}%`, 16)}` +
          `   ${pad(`${((100 * perSecond(hot.raw)) / perSecond(spread.raw)).toFixed(0)}%`, 18)}`,
      );
    }
    const report = await ledger.check();
    console.log('');
    console.log(
      `ledger check after the bench: ${report.balanced ? 'balanced' : `NOT BALANCED (${report.violations.length} violations)`}`,
    );
  } finally {
    await pool.end();
    await dataSource.destroy();
    await dropDatabase(databaseUrl);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

/**
 * The daily payout run over sellers with a year of activity each, against a raw-SQL baseline
 * doing the same ledger writes for the same sellers, in the same run (on a shared machine runs
 * differ from one another, so only ratios within one run mean anything).
 *
 *   npm run bench:payouts     (DATABASE_URL, REDIS_URL as elsewhere; BENCH_SELLERS, default 10000:
 *                              the run is measured at BENCH_SELLERS/2 and BENCH_SELLERS;
 *                              BENCH_CYCLE_DAYS, default 28, see generate.ts; BENCH_PAGE_SIZE,
 *                              default 500; BENCH_FULL_CHECK_MAX, default 1000; BENCH_PROFILE=1
 *                              prints the run's time per statement)
 *
 * For each size: a fresh database with every migration is filled by SQL (generate.ts: a year of
 * orders, maturations and paid payouts per seller, books balanced), then copied to a twin
 * (CREATE TABLE … LIKE, INSERT … SELECT). Each side runs in a child process of its own (so its
 * memory figures are its own), which samples RSS and heap every 50 ms:
 *
 * - run: PayoutService.runPayouts(now, 500), the services wired by hand as Nest wires them; the
 *   time includes queuing the `send-payout` jobs (one addBulk per page, on a queue prefix of the
 *   bench's own; nothing consumes them, the keys are deleted at the end), shown apart too.
 * - raw: the same pages of sellers (the same keyset query on ledger_balances) on the twin, each
 *   page one transaction of the minimal statements by hand through mysql2: lock and read the
 *   available balances, insert the payouts, their journal transactions and entries, one upsert of
 *   the balance rows, the payout.created events.
 *
 * Both sides must create the same payouts for the same total. The books of the run's database
 * are checked after the run: LedgerService.check() when it has at most BENCH_FULL_CHECK_MAX
 * sellers, else a sampled check (see sampledCheck).
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createPool, Pool, PoolConnection } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { PaymentChannels, SandboxChannel } from '@danbao/channels';
import { accountPolicy, LedgerService } from '@danbao/ledger';
import { OutboxService } from '@danbao/notifications';
import {
  AuditLog,
  createDataSource,
  databaseOf,
  dropDatabase,
  migrateDatabase,
  MysqlTx,
  newId,
  parseDatabaseUrl,
  QueueRegistry,
  runInTransaction,
  type Tx,
  withDatabase,
} from '@danbao/platform';
import { allMigrations } from '@danbao/schema';
import { PayoutService, SETTLEMENT_QUEUE, SettlementService } from '@danbao/settlement';
import { deleteQueueKeys, startNode, testConfig } from '@danbao/testing';
import {
  copyDatabase,
  CYCLE_DAYS,
  ENTRIES_PER_SELLER,
  generateYear,
  TRANSACTIONS_PER_SELLER,
  WEEKS,
} from './generate';

const SELLERS = Number(process.env.BENCH_SELLERS ?? 10_000);
const PAGE_SIZE = Number(process.env.BENCH_PAGE_SIZE ?? 500);
const FULL_CHECK_MAX = Number(process.env.BENCH_FULL_CHECK_MAX ?? 1000);
const SAMPLE_SELLERS = 200;
const SAMPLE_MS = 50;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const BASE_URL = process.env.DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/danbao';
const RESULT = 'BENCH_RESULT ';

type Side = 'run' | 'raw';

interface SideResult {
  side: Side;
  seconds: number;
  payouts: number;
  amount: string;
  pages: number;
  statements: number;
  enqueueSeconds: number;
  baseRss: number;
  peakRss: number;
  baseHeap: number;
  peakHeap: number;
  /** Heap used after a full collection at the end, the sides' objects still referenced. */
  retainedHeap: number;
}

// ---------------------------------------------------------------------------------------------
// Child: one side, measured.

/** Samples RSS and heap used every SAMPLE_MS from now until stop(). */
function sampleMemory() {
  const peak = { rss: 0, heap: 0 };
  const take = () => {
    const usage = process.memoryUsage();
    peak.rss = Math.max(peak.rss, usage.rss);
    peak.heap = Math.max(peak.heap, usage.heapUsed);
  };
  take();
  const timer = setInterval(take, SAMPLE_MS);
  return {
    stop: () => {
      clearInterval(timer);
      take();
      return peak;
    },
  };
}

/**
 * Counts the statements sent through the platform's Tx (START TRANSACTION and COMMIT among them,
 * as the raw side counts its own) and times them by their first words (printed with BENCH_PROFILE=1).
 */
function countStatements(): { count: number; time: Map<string, number> } {
  const counter = { count: 0, time: new Map<string, number>() };
  const original = MysqlTx.prototype.query;
  MysqlTx.prototype.query = async function (this: MysqlTx, ...args: Parameters<MysqlTx['query']>) {
    counter.count += 1;
    const started = performance.now();
    try {
      return await original.apply(this, args);
    } finally {
      const key = args[0].replace(/\s+/g, ' ').trim().slice(0, 70);
      counter.time.set(key, (counter.time.get(key) ?? 0) + performance.now() - started);
    }
  } as MysqlTx['query'];
  return counter;
}

async function runSide(
  dataSource: DataSource,
  queues: QueueRegistry,
  config: ReturnType<typeof testConfig>,
  now: Date,
) {
  const db = databaseOf(dataSource);
  const ledger = new LedgerService(db);
  const sandbox = new SandboxChannel(db, queues, config);
  const settlement = new SettlementService(db, ledger, new AuditLog(), queues, config);
  const payouts = new PayoutService(
    db,
    ledger,
    new OutboxService(),
    new PaymentChannels([sandbox]),
    settlement,
    queues,
    config,
  );
  const queue = queues.get(SETTLEMENT_QUEUE);
  const addBulk = queue.addBulk.bind(queue);
  let enqueueMs = 0;
  let pages = 0;
  queue.addBulk = async (jobs) => {
    const started = performance.now();
    try {
      return await addBulk(jobs);
    } finally {
      enqueueMs += performance.now() - started;
      pages += 1;
    }
  };
  const statements = countStatements();
  return async () => {
    statements.count = 0;
    statements.time.clear();
    const summary = await payouts.runPayouts(now, PAGE_SIZE);
    if (process.env.BENCH_PROFILE) {
      for (const [key, ms] of [...statements.time].sort((a, b) => b[1] - a[1]))
        process.stderr.write(`${(ms / 1000).toFixed(2).padStart(7)} s  ${key}\n`);
    }
    const queued = await queue.getJobCountByTypes('waiting', 'delayed', 'prioritized');
    if (queued !== summary.payouts)
      throw new Error(`${queued} send-payout jobs for ${summary.payouts} payouts`);
    return {
      payouts: summary.payouts,
      amount: (summary.amounts.CNY ?? 0n).toString(),
      pages,
      statements: statements.count,
      enqueueSeconds: enqueueMs / 1000,
    };
  };
}

/** The raw baseline: the same pages, each one transaction of the minimal statements. */
function rawSide(pool: Pool, minimum: bigint, now: Date) {
  return async () => {
    const connection = await pool.getConnection();
    let statements = 0;
    const query = async <T>(sql: string, values: unknown[] = []): Promise<T> => {
      statements += 1;
      const [rows] = await connection.query(sql, values);
      return rows as T;
    };
    let payouts = 0;
    let amount = 0n;
    let pages = 0;
    try {
      let after: { account: string; currency: string } | undefined;
      for (;;) {
        const page = await query<{ account_code: string; currency: string }[]>(
          `SELECT account_code, currency, SUM(balance) AS balance FROM ledger_balances
           WHERE account_code LIKE 'seller:%:available'
             ${after ? 'AND (account_code > ? OR (account_code = ? AND currency > ?))' : ''}
           GROUP BY account_code, currency HAVING SUM(balance) >= ?
           ORDER BY account_code, currency LIMIT ${PAGE_SIZE}`,
          [...(after ? [after.account, after.account, after.currency] : []), minimum.toString()],
        );
        if (page.length > 0) {
          pages += 1;
          const paid = await rawPage(connection, query, page, minimum, now);
          payouts += paid.count;
          amount += paid.amount;
        }
        if (page.length < PAGE_SIZE) break;
        const last = page[page.length - 1];
        after = { account: last.account_code, currency: last.currency };
      }
    } finally {
      connection.release();
    }
    return { payouts, amount: amount.toString(), pages, statements, enqueueSeconds: 0 };
  };
}

async function rawPage(
  connection: PoolConnection,
  query: <T>(sql: string, values?: unknown[]) => Promise<T>,
  page: { account_code: string; currency: string }[],
  minimum: bigint,
  now: Date,
): Promise<{ count: number; amount: bigint }> {
  await query('START TRANSACTION');
  try {
    const balances = await query<{ account_code: string; currency: string; balance: string }[]>(
      `SELECT account_code, currency, balance FROM ledger_balances
       WHERE (account_code, currency, bucket) IN (${page.map(() => '(?, ?, 0)').join(', ')})
       ORDER BY account_code, currency FOR UPDATE`,
      page.flatMap((row) => [row.account_code, row.currency]),
    );
    const due = balances
      .filter((row) => BigInt(row.balance) >= minimum)
      .map((row) => ({
        id: newId('po', now.getTime()),
        transactionId: newId('ltx', now.getTime()),
        sellerId: row.account_code.slice('seller:'.length, -':available'.length),
        currency: row.currency,
        amount: BigInt(row.balance),
      }));
    if (due.length > 0) {
      await query(
        `INSERT INTO payouts (id, seller_id, currency, amount, status, method, run_date, settles_from, channel, created_at, updated_at)
         VALUES ${due.map(() => "(?, ?, ?, ?, 'pending', 'scheduled', ?, 0, 'sandbox', ?, ?)").join(', ')}`,
        due.flatMap((payout) => [
          payout.id,
          payout.sellerId,
          payout.currency,
          payout.amount,
          now.toISOString().slice(0, 10),
          now,
          now,
        ]),
      );
      await query(
        `INSERT INTO ledger_transactions (id, reference, kind, order_id, metadata, created_at)
         VALUES ${due.map(() => "(?, ?, 'payout', NULL, ?, ?)").join(', ')}`,
        due.flatMap((payout) => [
          payout.transactionId,
          `payout:${payout.id}`,
          JSON.stringify({ payout_id: payout.id, seller_id: payout.sellerId, method: 'scheduled' }),
          now,
        ]),
      );
      await query(
        `INSERT INTO ledger_entries (id, transaction_id, account_code, currency, bucket, amount, created_at)
         VALUES ${due.map(() => '(?, ?, ?, ?, 0, ?, ?), (?, ?, ?, ?, 0, ?, ?)').join(', ')}`,
        due.flatMap((payout) => [
          ...[newId('len', now.getTime()), payout.transactionId, `seller:${payout.sellerId}:available`],
          ...[payout.currency, -payout.amount, now],
          ...[newId('len', now.getTime()), payout.transactionId, `seller:${payout.sellerId}:payout`],
          ...[payout.currency, payout.amount, now],
        ]),
      );
      await query(
        `INSERT INTO ledger_balances (account_code, currency, bucket, balance, version, updated_at)
         VALUES ${due.map(() => '(?, ?, 0, ?, 1, ?), (?, ?, 0, ?, 1, ?)').join(', ')}
         ON DUPLICATE KEY UPDATE balance = balance + VALUES(balance), version = version + 1,
           updated_at = VALUES(updated_at)`,
        due.flatMap((payout) => [
          ...[`seller:${payout.sellerId}:available`, payout.currency, -payout.amount, now],
          ...[`seller:${payout.sellerId}:payout`, payout.currency, payout.amount, now],
        ]),
      );
      await query(
        `INSERT INTO outbox_events (id, type, object_id, payload, created_at)
         VALUES ${due.map(() => "(?, 'payout.created', ?, ?, ?)").join(', ')}`,
        due.flatMap((payout) => {
          const id = newId('evt');
          const object = {
            id: payout.id,
            object: 'payout',
            seller_id: payout.sellerId,
            amount: Number(payout.amount),
            currency: payout.currency,
            status: 'pending',
            method: 'scheduled',
            failure_code: null,
            created_at: now.toISOString(),
            paid_at: null,
            failed_at: null,
          };
          const payload = { id, type: 'payout.created', created_at: now.toISOString(), data: { object } };
          return [id, payout.id, JSON.stringify(payload), now];
        }),
      );
    }
    await query('COMMIT');
    return { count: due.length, amount: due.reduce((sum, payout) => sum + payout.amount, 0n) };
  } catch (error) {
    await connection.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

async function child(side: Side): Promise<void> {
  const databaseUrl = process.env.BENCH_DATABASE_URL!;
  const prefix = process.env.BENCH_QUEUE_PREFIX!;
  const now = new Date(process.env.BENCH_NOW!);
  const config = testConfig(databaseUrl, prefix);
  const dataSource = await createDataSource({ databaseUrl, poolSize: 4 }).initialize();
  const queues = new QueueRegistry(config);
  const pool = createPool({
    ...parseDatabaseUrl(databaseUrl),
    connectionLimit: 2,
    timezone: 'Z',
    charset: 'utf8mb4_unicode_ci',
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  try {
    const work =
      side === 'run'
        ? await runSide(dataSource, queues, config, now)
        : rawSide(pool, BigInt(config.payoutMinimum), now);
    // Untimed, alike for both sides: connections open, the small tables read once.
    const db = databaseOf(dataSource);
    for (const table of ['ledger_balances', 'seller_settlements', 'payouts', 'payout_runs']) {
      await db.query(`SELECT COUNT(*) FROM ${table}`);
    }
    await (await pool.getConnection()).release();
    if (side === 'run') await queues.get(SETTLEMENT_QUEUE).waitUntilReady();
    (globalThis as { gc?: () => void }).gc?.();
    const base = process.memoryUsage();
    const memory = sampleMemory();
    const started = performance.now();
    const done = await work();
    const seconds = (performance.now() - started) / 1000;
    const peak = memory.stop();
    (globalThis as { gc?: () => void }).gc?.();
    const retainedHeap = process.memoryUsage().heapUsed;
    const result: SideResult = {
      side,
      seconds,
      ...done,
      baseRss: base.rss,
      peakRss: peak.rss,
      baseHeap: base.heapUsed,
      peakHeap: peak.heap,
      retainedHeap,
    };
    process.stdout.write(`${RESULT}${JSON.stringify(result)}\n`);
  } finally {
    await queues.onApplicationShutdown();
    await pool.end();
    await dataSource.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// Parent: data, sides, checks, figures.

async function measureSide(side: Side, databaseUrl: string, prefix: string, now: Date): Promise<SideResult> {
  const running = startNode(
    [
      '--expose-gc',
      '-r',
      'ts-node/register/transpile-only',
      '-r',
      'tsconfig-paths/register',
      join(__dirname, 'run.ts'),
      'side',
      side,
    ],
    {
      ...process.env,
      BENCH_DATABASE_URL: databaseUrl,
      BENCH_QUEUE_PREFIX: prefix,
      BENCH_NOW: now.toISOString(),
    },
  );
  const code = await running.exited;
  const line = running
    .output()
    .split('\n')
    .find((text) => text.startsWith(RESULT));
  if (code !== 0 || !line)
    throw new Error(`${side} side failed (${code}):\n${running.output().slice(-3000)}`);
  return JSON.parse(line.slice(RESULT.length)) as SideResult;
}

/**
 * The books of a large database, checked in one snapshot on a sample where a full check would take
 * minutes: every currency's entries sum to zero (one pass); every journal transaction the run
 * wrote (ids from newId sort before the generated `ltx_b…`) has two or more entries summing to
 * zero and no entry of the run lacks its transaction; the balance rows of SAMPLE_SELLERS random
 * sellers' accounts and of the hot accounts equal their entries; no account that may not go
 * negative is negative.
 */
async function sampledCheck(tx: Tx): Promise<string[]> {
  const problems: string[] = [];
  const currencies = await tx.query<{ currency: string; total: string }[]>(
    'SELECT currency, SUM(amount) AS total FROM ledger_entries GROUP BY currency',
  );
  for (const row of currencies)
    if (BigInt(row.total) !== 0n) problems.push(`${row.currency} entries sum to ${row.total}`);
  const unbalanced = await tx.query<{ id: string }[]>(
    `SELECT t.id FROM ledger_transactions t LEFT JOIN ledger_entries e ON e.transaction_id = t.id
     WHERE t.id < 'ltx_b' GROUP BY t.id HAVING COUNT(e.id) < 2 OR SUM(e.amount) <> 0 LIMIT 10`,
  );
  for (const row of unbalanced) problems.push(`transaction ${row.id} is unbalanced or thin`);
  const orphans = await tx.query<{ id: string }[]>(
    `SELECT e.id FROM ledger_entries e LEFT JOIN ledger_transactions t ON t.id = e.transaction_id
     WHERE e.id < 'len_b' AND t.id IS NULL LIMIT 10`,
  );
  for (const row of orphans) problems.push(`entry ${row.id} has no transaction`);
  const sellers = await tx.query<{ seller_id: string }[]>(
    `SELECT seller_id FROM seller_settlements ORDER BY RAND() LIMIT ${SAMPLE_SELLERS}`,
  );
  const accounts = [
    ...sellers.flatMap(({ seller_id: id }) =>
      ['incoming', 'available', 'payout', 'receivable'].map((kind) => `seller:${id}:${kind}`),
    ),
    'channel:sandbox',
    'platform:fees',
    'bank:payouts',
  ];
  const mismatched = await tx.query<{ account_code: string; bucket: number }[]>(
    `SELECT account_code, bucket FROM (
       SELECT account_code, currency, bucket, balance, 0 AS amount FROM ledger_balances
       WHERE account_code IN (${accounts.map(() => '?').join(', ')})
       UNION ALL
       SELECT account_code, currency, bucket, 0, amount FROM ledger_entries
       WHERE account_code IN (${accounts.map(() => '?').join(', ')})
     ) AS combined GROUP BY account_code, currency, bucket HAVING SUM(balance) <> SUM(amount)`,
    [...accounts, ...accounts],
  );
  for (const row of mismatched) problems.push(`balance ${row.account_code} ${row.bucket} ≠ its entries`);
  const negative = await tx.query<{ account_code: string }[]>(
    'SELECT account_code FROM ledger_balances WHERE balance < 0',
  );
  for (const row of negative.filter((candidate) => accountPolicy(candidate.account_code).nonNegative))
    problems.push(`${row.account_code} is negative`);
  return problems;
}

async function checkBooks(databaseUrl: string, sellers: number): Promise<string> {
  const dataSource = await createDataSource({ databaseUrl, poolSize: 2 }).initialize();
  const started = performance.now();
  try {
    const db = databaseOf(dataSource);
    if (sellers <= FULL_CHECK_MAX) {
      const report = await new LedgerService(db).check();
      const verdict = report.balanced ? 'balanced' : `NOT BALANCED (${report.violations.length} violations)`;
      return `${verdict} (LedgerService.check, ${((performance.now() - started) / 1000).toFixed(1)} s)`;
    }
    const problems = await runInTransaction(db, sampledCheck, { isolation: 'REPEATABLE READ' });
    const verdict = problems.length === 0 ? 'balanced' : `NOT BALANCED: ${problems.slice(0, 5).join('; ')}`;
    return (
      `${verdict} (sampled: every currency, the run's transactions, ${SAMPLE_SELLERS} sellers' and the hot ` +
      `accounts' balance rows, negatives; ${((performance.now() - started) / 1000).toFixed(1)} s)`
    );
  } finally {
    await dataSource.destroy();
  }
}

const MB = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
const pad = (text: string | number, width: number) => String(text).padStart(width);

async function main(): Promise<void> {
  const sizes = [Math.max(1, Math.floor(SELLERS / 2)), SELLERS];
  console.log(
    `Payout bench: runPayouts at ${sizes.join(' and ')} sellers, page ${PAGE_SIZE}; each seller has a year of ` +
      `activity: ${WEEKS} cycles of ${CYCLE_DAYS} days (an order paid, released, matured; all but the last paid out), ` +
      `${ENTRIES_PER_SELLER} entries and ${TRANSACTIONS_PER_SELLER} journal transactions a seller` +
      (CYCLE_DAYS > 7
        ? ` (scaled down from weekly payouts, 579 entries a seller, which this shared machine generates too slowly; BENCH_CYCLE_DAYS=7 for those)`
        : ''),
  );
  const rows: { sellers: number; run: SideResult; raw: SideResult }[] = [];
  for (const [index, sellers] of sizes.entries()) {
    const id = randomBytes(4).toString('hex');
    const runUrl = withDatabase(BASE_URL, `danbao_bench_${id}_run`);
    const rawUrl = withDatabase(BASE_URL, `danbao_bench_${id}_raw`);
    const prefix = `danbao_bench_${id}`;
    try {
      await migrateDatabase(runUrl, allMigrations);
      const generated = await generateYear(runUrl, sellers, new Date());
      const copySeconds = await copyDatabase(runUrl, rawUrl);
      console.log('');
      console.log(
        `${sellers.toLocaleString('en-US')} sellers: generated ${generated.entries.toLocaleString('en-US')} entries, ` +
          `${generated.transactions.toLocaleString('en-US')} transactions in ${generated.seconds.toFixed(1)} s ` +
          `(${Math.round(generated.entries / generated.seconds).toLocaleString('en-US')} entries/s); twin copied in ${copySeconds.toFixed(1)} s`,
      );
      const now = new Date();
      // The sides take turns going first, so neither always finds the buffer pool warmer.
      const order: Side[] = index % 2 === 0 ? ['run', 'raw'] : ['raw', 'run'];
      const results: Partial<Record<Side, SideResult>> = {};
      for (const side of order) {
        results[side] = await measureSide(side, side === 'run' ? runUrl : rawUrl, prefix, now);
      }
      const run = results.run!;
      const raw = results.raw!;
      for (const result of [run, raw]) {
        console.log(
          `  ${result.side}: ${result.payouts} payouts, ${result.amount} CNY minor units, ${result.seconds.toFixed(2)} s ` +
            `(${result.pages} pages, ${(result.statements / Math.max(result.pages, 1)).toFixed(1)} statements a page` +
            (result.side === 'run'
              ? `, of which queuing send-payout jobs ${result.enqueueSeconds.toFixed(2)} s`
              : '') +
            `), RSS ${MB(result.baseRss)} → peak ${MB(result.peakRss)} MB, heap ${MB(result.baseHeap)} → peak ${MB(result.peakHeap)} MB, ${MB(result.retainedHeap)} MB after a full GC at the end`,
        );
      }
      if (run.payouts !== raw.payouts || run.amount !== raw.amount)
        throw new Error(
          `the sides differ: run ${run.payouts}/${run.amount}, raw ${raw.payouts}/${raw.amount}`,
        );
      if (run.payouts !== sellers) throw new Error(`${run.payouts} payouts for ${sellers} sellers`);
      console.log(`  books after the run: ${await checkBooks(runUrl, sellers)}`);
      rows.push({ sellers, run, raw });
    } finally {
      for (const url of [runUrl, rawUrl]) await dropDatabase(url).catch(() => undefined);
      await deleteQueueKeys(REDIS_URL, prefix).catch((error: unknown) =>
        process.stderr.write(`bench cleanup: ${String(error)}\n`),
      );
    }
  }

  console.log('');
  console.log(
    'sellers   payouts/s  raw payouts/s  run s  raw s  run/raw  enqueue s  peak RSS MB  peak heap MB  raw peak RSS MB',
  );
  for (const { sellers, run, raw } of rows) {
    console.log(
      `${pad(sellers, 7)}  ${pad(Math.round(run.payouts / run.seconds), 10)}  ${pad(Math.round(raw.payouts / raw.seconds), 13)}` +
        `  ${pad(run.seconds.toFixed(1), 5)}  ${pad(raw.seconds.toFixed(1), 5)}  ${pad((run.seconds / raw.seconds).toFixed(2), 7)}` +
        `  ${pad(run.enqueueSeconds.toFixed(2), 9)}  ${pad(MB(run.peakRss), 11)}  ${pad(MB(run.peakHeap), 12)}  ${pad(MB(raw.peakRss), 15)}`,
    );
  }
  const [small, large] = rows;
  console.log('');
  console.log(
    `memory as the sellers double (${small.sellers} → ${large.sellers}): peak RSS ×${(large.run.peakRss / small.run.peakRss).toFixed(2)}, ` +
      `peak heap ×${(large.run.peakHeap / small.run.peakHeap).toFixed(2)}, ` +
      `heap after a full GC ×${(large.run.retainedHeap / small.run.retainedHeap).toFixed(2)} (flat ≈ ×1.00); ` +
      `run/raw at ${large.sellers}: ${(large.run.seconds / large.raw.seconds).toFixed(2)} (target ≤ 3)`,
  );
}

if (process.argv[2] === 'side') {
  child(process.argv[3] as Side).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}

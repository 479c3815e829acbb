/**
 * A year of seller activity written by set-based SQL (INSERT … SELECT over MariaDB's Sequence
 * engine tables, seq_1_to_N), not through the API: valid double-entry books that LedgerService.check
 * accepts. For each seller and each cycle (CYCLE_DAYS, 28 by default; 7 is production's weekly
 * payouts) of a year, one order:
 *
 *   payment      channel:sandbox (hot)   → escrow:<order>               (day 0)
 *   release      escrow:<order>          → seller:<id>:incoming + fee to platform:fees (hot)  (day 2)
 *   maturation   seller:<id>:incoming    → seller:<id>:available        (day 3, reference mature:<entry>)
 * and for every cycle but the last the payout of that cycle's net, paid by the channel:
 *   payout       seller:<id>:available   → seller:<id>:payout           (day 5, a `paid` payouts row)
 *   payout_paid  seller:<id>:payout      → bank:payouts (hot)           (day 6)
 * The last cycle is not paid out yet: each seller ends with its net on available, above
 * PAYOUT_MINIMUM, so the next run pays every seller. 11 entries and 5 journal transactions a cycle:
 * 150 entries a seller a year by default (14 cycles), 579 with weekly cycles (BENCH_CYCLE_DAYS=7,
 * at least 7), which this shared two-core machine generated too slowly for 10,000 sellers and their
 * twin.
 *
 * Ids are seller-major (`ltx_b<seller><week><k>`), so every table is filled in primary-key order;
 * they are unique and at most 40 characters, which is all the code needs of an id. ledger_balances
 * is written last, as the sums of the entries (one INSERT … SELECT … GROUP BY).
 */
import { Connection, createConnection } from 'mysql2/promise';
import { parseDatabaseUrl } from '@danbao/platform';

/** Days between a seller's orders and between its payouts (7: weekly, as in production). */
export const CYCLE_DAYS = Number(process.env.BENCH_CYCLE_DAYS ?? 28);
/** Cycles of activity (a year by default); the last one is not paid out yet. */
export const WEEKS = Number(process.env.BENCH_CYCLES ?? Math.ceil(365 / CYCLE_DAYS));
export const ENTRIES_PER_SELLER = 11 * (WEEKS - 1) + 7;
export const TRANSACTIONS_PER_SELLER = 5 * (WEEKS - 1) + 3;

const DAY = 86_400;
/** Seconds after the week's start at which each of the five transactions (k = 1..5) happens. */
const OFFSETS = [0, 2 * DAY, 3 * DAY, 5 * DAY, 6 * DAY];

// SQL fragments over bench_orders o (seller, week, t, amount, fee) and, where used, k (1..5).
const S6 = "LPAD(o.seller, 6, '0')";
const W2 = "LPAD(o.week, 2, '0')";
const SELLER = `CONCAT('bs', ${S6})`;
const ORDER = `CONCAT('bo', ${S6}, ${W2})`;
const HOLD = `CONCAT('bh', ${S6}, ${W2})`;
const PAYMENT = `CONCAT('bp', ${S6}, ${W2})`;
const PAYOUT = `CONCAT('po_b', ${S6}, ${W2})`;
const NET = '(o.amount - o.fee)';
const txId = (k: string) => `CONCAT('ltx_b', ${S6}, ${W2}, ${k})`;
const atOffset = (k: string) => `TIMESTAMPADD(SECOND, ELT(${k}, ${OFFSETS.join(', ')}), o.t)`;
const HOT_BUCKET = '((o.seller + o.week) MOD 16)';

export interface Generated {
  sellers: number;
  transactions: number;
  entries: number;
  seconds: number;
}

async function connect(databaseUrl: string): Promise<Connection> {
  const target = parseDatabaseUrl(databaseUrl);
  return createConnection({
    ...target,
    timezone: 'Z',
    charset: 'utf8mb4_unicode_ci',
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
}

/** Fills a migrated, empty database with a year of `sellers` sellers' activity ending at `now`. */
export async function generateYear(databaseUrl: string, sellers: number, now: Date): Promise<Generated> {
  const started = performance.now();
  const connection = await connect(databaseUrl);
  try {
    let last = performance.now();
    const run = async (sql: string, values: unknown[] = []) => {
      await connection.query(sql, values);
      if (process.env.BENCH_VERBOSE) {
        const at = performance.now();
        process.stderr.write(
          `  ${((at - last) / 1000).toFixed(1)} s  ${sql.trim().slice(0, 60).replace(/\s+/g, ' ')}\n`,
        );
        last = at;
      }
    };
    // Room for the GROUP BY and ORDER BY below to stay in memory (this session only).
    await run(
      'SET SESSION tmp_table_size = 1073741824, max_heap_table_size = 1073741824, sort_buffer_size = 268435456',
    );
    // The first cycle starts WEEKS cycles ago, so the last one is the last CYCLE_DAYS days.
    const start = new Date(now.getTime() - WEEKS * CYCLE_DAYS * DAY * 1000);
    await run(`CREATE TABLE bench_orders (
        seller INT NOT NULL, week INT NOT NULL, t DATETIME(6) NOT NULL, amount BIGINT NOT NULL,
        fee BIGINT NOT NULL, PRIMARY KEY (seller, week)) ENGINE=InnoDB`);
    // amount: 10.00-909.99 CNY, spread by seller and week; fee 2 % (rounded down).
    await run(
      `INSERT INTO bench_orders (seller, week, t, amount, fee)
       SELECT s.seq, w.seq, TIMESTAMPADD(SECOND, (w.seq - 1) * ${CYCLE_DAYS * DAY} + s.seq MOD 3600, ?),
              1000 + (s.seq * 7919 + w.seq * 104729) MOD 90000,
              (1000 + (s.seq * 7919 + w.seq * 104729) MOD 90000) DIV 50
       FROM seq_1_to_${sellers} s JOIN seq_1_to_${WEEKS} w ORDER BY s.seq, w.seq`,
      [start],
    );

    // Journal transactions: k = 1 payment, 2 release, 3 maturation, 4 payout, 5 payout_paid.
    await run(
      `INSERT INTO ledger_transactions (id, reference, kind, order_id, metadata, created_at)
       SELECT ${txId('k.seq')},
         CASE k.seq
           WHEN 1 THEN CONCAT('payment:', ${PAYMENT})
           WHEN 2 THEN CONCAT('release:', ${HOLD})
           WHEN 3 THEN CONCAT('mature:len_b', ${S6}, ${W2}, '22')
           WHEN 4 THEN CONCAT('payout:', ${PAYOUT})
           ELSE CONCAT('payout_paid:', ${PAYOUT}) END,
         ELT(k.seq, 'payment', 'release', 'maturation', 'payout', 'payout_paid'),
         IF(k.seq <= 3, ${ORDER}, NULL),
         CASE k.seq
           WHEN 1 THEN CONCAT('{"payment_id":"', ${PAYMENT}, '","orders":1}')
           WHEN 2 THEN CONCAT('{"hold_id":"', ${HOLD}, '","fee_bps":200,"seller_id":"', ${SELLER},
                              '","gross":"', o.amount, '","fee":"', o.fee, '"}')
           WHEN 3 THEN CONCAT('{"seller_id":"', ${SELLER}, '","release_entry":"len_b', ${S6}, ${W2},
                              '22","release_transaction":"ltx_b', ${S6}, ${W2}, '2"}')
           WHEN 4 THEN CONCAT('{"payout_id":"', ${PAYOUT}, '","seller_id":"', ${SELLER}, '","method":"scheduled"}')
           ELSE CONCAT('{"payout_id":"', ${PAYOUT}, '","seller_id":"', ${SELLER}, '"}') END,
         ${atOffset('k.seq')}
       FROM bench_orders o JOIN seq_1_to_5 k
       WHERE o.week < ${WEEKS} OR k.seq <= 3
       ORDER BY o.seller, o.week, k.seq`,
    );

    // Entries: j = 1..11 over the five transactions (k, n): (1,1) (1,2) (2,1) (2,2) (2,3) (3,1)
    // (3,2) (4,1) (4,2) (5,1) (5,2). Each transaction sums to zero.
    const k = 'ELT(j.seq, 1, 1, 2, 2, 2, 3, 3, 4, 4, 5, 5)';
    const n = 'ELT(j.seq, 1, 2, 1, 2, 3, 1, 2, 1, 2, 1, 2)';
    await run(
      `INSERT INTO ledger_entries (id, transaction_id, account_code, currency, bucket, amount, created_at)
       SELECT CONCAT('len_b', ${S6}, ${W2}, ${k}, ${n}), ${txId(k)},
         ELT(j.seq, 'channel:sandbox', CONCAT('escrow:', ${ORDER}), CONCAT('escrow:', ${ORDER}),
             CONCAT('seller:', ${SELLER}, ':incoming'), 'platform:fees',
             CONCAT('seller:', ${SELLER}, ':incoming'), CONCAT('seller:', ${SELLER}, ':available'),
             CONCAT('seller:', ${SELLER}, ':available'), CONCAT('seller:', ${SELLER}, ':payout'),
             CONCAT('seller:', ${SELLER}, ':payout'), 'bank:payouts'),
         'CNY',
         IF(j.seq IN (1, 5, 11), ${HOT_BUCKET}, 0),
         CASE j.seq
           WHEN 1 THEN -o.amount WHEN 2 THEN o.amount WHEN 3 THEN -o.amount
           WHEN 4 THEN ${NET} WHEN 5 THEN o.fee
           WHEN 6 THEN -${NET} WHEN 7 THEN ${NET}
           WHEN 8 THEN -${NET} WHEN 9 THEN ${NET}
           WHEN 10 THEN -${NET} ELSE ${NET} END,
         ${atOffset(k)}
       FROM bench_orders o JOIN seq_1_to_11 j
       WHERE o.week < ${WEEKS} OR j.seq <= 7
       ORDER BY o.seller, o.week, j.seq`,
    );

    // The weekly payouts, paid; settles_from is what the seller's earlier payouts took.
    await run(
      `INSERT INTO payouts (id, seller_id, currency, amount, status, method, run_date, settles_from,
         channel, channel_reference, failure_code, sent_at, resolved_at, created_at, updated_at)
       SELECT ${PAYOUT}, ${SELLER}, 'CNY', ${NET}, 'paid', 'scheduled', DATE(${atOffset('4')}),
         COALESCE(SUM(${NET}) OVER (PARTITION BY o.seller ORDER BY o.week
                                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0),
         'sandbox', CONCAT('sbx_', ${PAYOUT}), NULL, ${atOffset('4')}, ${atOffset('5')},
         ${atOffset('4')}, ${atOffset('5')}
       FROM bench_orders o WHERE o.week < ${WEEKS} ORDER BY o.seller, o.week`,
    );
    await run(
      `INSERT INTO seller_settlements (seller_id, currency, matured_through, debited_total, updated_at)
       SELECT ${SELLER}, 'CNY', MAX(${atOffset('3')}), SUM(IF(o.week < ${WEEKS}, ${NET}, 0)), MAX(${atOffset('3')})
       FROM bench_orders o GROUP BY o.seller ORDER BY o.seller`,
    );
    // Balance rows are the sums of their entries.
    await run(
      `INSERT INTO ledger_balances (account_code, currency, bucket, balance, version, updated_at)
       SELECT account_code, currency, bucket, SUM(amount), COUNT(*), MAX(created_at)
       FROM ledger_entries GROUP BY account_code, currency, bucket ORDER BY account_code, currency, bucket`,
    );
    await run('DROP TABLE bench_orders');
    const [[counts]] = (await connection.query(
      `SELECT (SELECT COUNT(*) FROM ledger_transactions) AS transactions,
              (SELECT COUNT(*) FROM ledger_entries) AS entries`,
    )) as unknown as [{ transactions: string; entries: string }[]];
    return {
      sellers,
      transactions: Number(counts.transactions),
      entries: Number(counts.entries),
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await connection.end();
  }
}

/** A twin of a database: every table created LIKE its original and filled from it. */
export async function copyDatabase(fromUrl: string, toUrl: string): Promise<number> {
  const started = performance.now();
  const from = parseDatabaseUrl(fromUrl).database;
  const to = parseDatabaseUrl(toUrl).database;
  const connection = await connect(fromUrl);
  try {
    await connection.query(`CREATE DATABASE \`${to}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    const [tables] = (await connection.query('SHOW FULL TABLES WHERE Table_type = ?', [
      'BASE TABLE',
    ])) as unknown as [Record<string, string>[]];
    for (const row of tables) {
      const table = Object.values(row)[0];
      await connection.query(`CREATE TABLE \`${to}\`.\`${table}\` LIKE \`${from}\`.\`${table}\``);
      await connection.query(`INSERT INTO \`${to}\`.\`${table}\` SELECT * FROM \`${from}\`.\`${table}\``);
    }
    return (performance.now() - started) / 1000;
  } finally {
    await connection.end();
  }
}

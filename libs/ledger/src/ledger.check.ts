import { type Tx } from '@danbao/platform';
import { accountPolicy } from './accounts';
import type { LedgerCheckReport, LedgerViolation } from './ledger.types';

/** Each kind of violation lists at most this many rows, so a broken ledger still gives a short report. */
const MAX_ROWS_PER_KIND = 100;

/**
 * Checks the books from the rows themselves, not from anything the application believes:
 * - per currency, the entries sum to zero (debits equal credits);
 * - every journal transaction sums to zero per currency and has at least two entries, and every
 *   entry belongs to a transaction;
 * - every balance row equals the sum of its entries (a row edited or an entry deleted by hand
 *   shows up here, naming the account);
 * - no account that may not go negative has a negative balance row.
 * Run it inside one transaction (LedgerService.check opens a REPEATABLE READ one) so that every
 * query sees the same snapshot and posts committing meanwhile cannot cause a false alarm.
 */
export async function checkLedger(tx: Tx, now: Date = new Date()): Promise<LedgerCheckReport> {
  const violations: LedgerViolation[] = [];

  const currencyRows: { currency: string; debits: string | null; credits: string | null }[] = await tx.query(
    `SELECT currency,
              SUM(CASE WHEN amount < 0 THEN -amount ELSE 0 END) AS debits,
              SUM(CASE WHEN amount > 0 THEN amount ELSE 0 END) AS credits
       FROM ledger_entries GROUP BY currency ORDER BY currency`,
  );
  const currencies = currencyRows.map((row) => ({
    currency: row.currency,
    debits: BigInt(row.debits ?? '0').toString(),
    credits: BigInt(row.credits ?? '0').toString(),
  }));
  for (const row of currencies) {
    if (row.debits !== row.credits) {
      violations.push({
        kind: 'currency_unbalanced',
        detail: `${row.currency} entries do not sum to zero: debits ${row.debits}, credits ${row.credits}`,
      });
    }
  }

  const unbalanced: { transaction_id: string; currency: string; total: string }[] = await tx.query(
    `SELECT transaction_id, currency, SUM(amount) AS total FROM ledger_entries
     GROUP BY transaction_id, currency HAVING SUM(amount) <> 0
     ORDER BY transaction_id, currency LIMIT ${MAX_ROWS_PER_KIND}`,
  );
  for (const row of unbalanced) {
    violations.push({
      kind: 'transaction_unbalanced',
      transaction: row.transaction_id,
      detail: `transaction ${row.transaction_id} ${row.currency} entries sum to ${BigInt(row.total)}, not 0`,
    });
  }

  const thin: { id: string; entries: string }[] = await tx.query(
    `SELECT t.id, COUNT(e.id) AS entries FROM ledger_transactions t
     LEFT JOIN ledger_entries e ON e.transaction_id = t.id
     GROUP BY t.id HAVING COUNT(e.id) < 2 ORDER BY t.id LIMIT ${MAX_ROWS_PER_KIND}`,
  );
  for (const row of thin) {
    violations.push({
      kind: 'transaction_too_few_entries',
      transaction: row.id,
      detail: `transaction ${row.id} has ${Number(row.entries)} entries; a journal transaction needs at least 2`,
    });
  }

  const orphans: { id: string; transaction_id: string; account_code: string }[] = await tx.query(
    `SELECT e.id, e.transaction_id, e.account_code FROM ledger_entries e
     LEFT JOIN ledger_transactions t ON t.id = e.transaction_id
     WHERE t.id IS NULL ORDER BY e.id LIMIT ${MAX_ROWS_PER_KIND}`,
  );
  for (const row of orphans) {
    violations.push({
      kind: 'orphan_entry',
      account: row.account_code,
      transaction: row.transaction_id,
      detail: `entry ${row.id} of ${row.account_code} names transaction ${row.transaction_id}, which does not exist`,
    });
  }

  // One pass over both tables: each balance row against the sum of its entries, including entries
  // whose balance row is missing and balance rows that have no entries at all.
  const mismatched: {
    account_code: string;
    currency: string;
    bucket: number;
    balance: string;
    entries_total: string;
    balance_rows: string;
  }[] = await tx.query(
    `SELECT account_code, currency, bucket, SUM(balance) AS balance, SUM(amount) AS entries_total,
            SUM(is_balance_row) AS balance_rows
     FROM (
       SELECT account_code, currency, bucket, balance, 0 AS amount, 1 AS is_balance_row FROM ledger_balances
       UNION ALL
       SELECT account_code, currency, bucket, 0 AS balance, amount, 0 AS is_balance_row FROM ledger_entries
     ) AS combined
     GROUP BY account_code, currency, bucket
     HAVING SUM(balance) <> SUM(amount)
     ORDER BY account_code, currency, bucket LIMIT ${MAX_ROWS_PER_KIND}`,
  );
  for (const row of mismatched) {
    const where = `${row.account_code} ${row.currency} bucket ${Number(row.bucket)}`;
    const balance = Number(row.balance_rows) > 0 ? `is ${BigInt(row.balance)}` : 'is missing';
    violations.push({
      kind: 'balance_mismatch',
      account: row.account_code,
      detail: `balance row ${where} ${balance} but its entries sum to ${BigInt(row.entries_total)}`,
    });
  }

  const negative: { account_code: string; currency: string; bucket: number; balance: string }[] =
    await tx.query(
      `SELECT account_code, currency, bucket, balance FROM ledger_balances WHERE balance < 0
       ORDER BY account_code, currency, bucket`,
    );
  for (const row of negative.filter((candidate) => accountPolicy(candidate.account_code).nonNegative)) {
    if (violations.filter((violation) => violation.kind === 'negative_balance').length >= MAX_ROWS_PER_KIND)
      break;
    violations.push({
      kind: 'negative_balance',
      account: row.account_code,
      detail: `${row.account_code} ${row.currency} bucket ${Number(row.bucket)} is ${BigInt(row.balance)}, and this account may not go negative`,
    });
  }

  return { balanced: violations.length === 0, checked_at: now.toISOString(), currencies, violations };
}

/** The short text report `npm run ledger:check` prints. */
export function formatLedgerCheckReport(report: LedgerCheckReport): string {
  const lines = [
    `Ledger check at ${report.checked_at}: ${
      report.balanced ? 'balanced' : `NOT BALANCED, ${report.violations.length} violation(s)`
    }`,
  ];
  if (report.currencies.length === 0) lines.push('  no entries yet');
  for (const row of report.currencies) {
    lines.push(`  ${row.currency}: debits ${row.debits}, credits ${row.credits}`);
  }
  for (const violation of report.violations) {
    const subject = [
      violation.account ? `account ${violation.account}` : undefined,
      violation.transaction ? `transaction ${violation.transaction}` : undefined,
    ]
      .filter(Boolean)
      .join(', ');
    lines.push(`  ${violation.kind}${subject ? ` (${subject})` : ''}: ${violation.detail}`);
  }
  return `${lines.join('\n')}\n`;
}

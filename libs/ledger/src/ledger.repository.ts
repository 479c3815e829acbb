import { type Tx } from '@danbao/platform';
import type { BalanceDelta } from './posting-plan';

/*
 * Every SQL statement of the ledger, each taking the caller's Tx. Raw SQL rather than
 * entities, so that a post costs the fewest round trips: one multi-row INSERT per table and one
 * statement per run of balance rows. BIGINT values are passed as bigint (mysql2 writes them as
 * integer literals, never through a double) and read back as strings (bigNumberStrings).
 *
 * Statements go through the platform's Tx: straight to the transaction's mysql2 connection,
 * without TypeORM's per-statement wrapper, which on these CPU-bound machines cost more than the
 * ledger's own logic.
 *
 * Only INSERT and SELECT touch ledger_transactions and ledger_entries: they are append-only, and
 * the application's database user has no UPDATE or DELETE on them (GRANTS.md).
 */

export interface TransactionRow {
  id: string;
  reference: string;
  kind: string;
  orderId: string | null;
  metadata: string | null;
}

export interface EntryInsert {
  id: string;
  transactionId: string;
  account: string;
  currency: string;
  bucket: number;
  amount: bigint;
}

function placeholders(rowCount: number, row: string): string {
  return new Array<string>(rowCount).fill(row).join(', ');
}

/** Inserts transaction rows; a reference that exists makes the whole statement fail with 1062. */
export async function insertTransactions(
  tx: Tx,
  rows: TransactionRow[],
  createdAt: Date,
  ignoreDuplicates = false,
): Promise<void> {
  const values = rows.flatMap((row) => [
    row.id,
    row.reference,
    row.kind,
    row.orderId,
    row.metadata,
    createdAt,
  ]);
  await tx.query(
    `INSERT ${ignoreDuplicates ? 'IGNORE ' : ''}INTO ledger_transactions
       (id, reference, kind, order_id, metadata, created_at)
     VALUES ${placeholders(rows.length, '(?, ?, ?, ?, ?, ?)')}`,
    values,
  );
}

/** A transaction found by its reference, with the net of its entries per account and currency. */
export interface StoredTransaction {
  id: string;
  /** `account|currency` → the sum of its entries (a bucketed debit may be several entries). */
  nets: Map<string, bigint>;
}

/**
 * The transactions with these references and the nets of their entries, read as committed now (a
 * shared locking read sees rows committed after this transaction's snapshot was taken; a plain
 * read might not). Shared, not exclusive: posts racing on one reference all hold a shared lock on
 * it already from their duplicate-key check, and asking for an exclusive one would deadlock them
 * with each other. One statement: the entries come with their transaction (none yet for the
 * caller's own new rows).
 */
export async function findTransactionsByReference(
  tx: Tx,
  references: string[],
): Promise<Map<string, StoredTransaction>> {
  const rows: {
    id: string;
    reference: string;
    account_code: string | null;
    currency: string | null;
    net: string | null;
  }[] = await tx.query(
    `SELECT t.id, t.reference, e.account_code, e.currency, SUM(e.amount) AS net
     FROM ledger_transactions t LEFT JOIN ledger_entries e ON e.transaction_id = t.id
     WHERE t.reference IN (${placeholders(references.length, '?')})
     GROUP BY t.id, t.reference, e.account_code, e.currency LOCK IN SHARE MODE`,
    references,
  );
  const found = new Map<string, StoredTransaction>();
  for (const row of rows) {
    let transaction = found.get(row.reference);
    if (!transaction) {
      transaction = { id: row.id, nets: new Map() };
      found.set(row.reference, transaction);
    }
    if (row.account_code !== null) {
      transaction.nets.set(`${row.account_code}|${row.currency}`, BigInt(row.net ?? '0'));
    }
  }
  return found;
}

export async function insertEntries(tx: Tx, rows: EntryInsert[], createdAt: Date): Promise<void> {
  const values = rows.flatMap((row) => [
    row.id,
    row.transactionId,
    row.account,
    row.currency,
    row.bucket,
    row.amount,
    createdAt,
  ]);
  await tx.query(
    `INSERT INTO ledger_entries (id, transaction_id, account_code, currency, bucket, amount, created_at)
     VALUES ${placeholders(rows.length, '(?, ?, ?, ?, ?, ?, ?)')}`,
    values,
  );
}

/**
 * Adds deltas to balance rows, creating the rows that do not exist yet, in the order given (the
 * order the rows are locked in). Only for changes that cannot break a guard: credits, debits of
 * accounts that may go negative, and bucket debits already checked under lock.
 */
export async function upsertBalances(tx: Tx, rows: BalanceDelta[], updatedAt: Date): Promise<void> {
  const values = rows.flatMap((row) => [row.account, row.currency, row.bucket, row.delta, updatedAt]);
  await tx.query(
    `INSERT INTO ledger_balances (account_code, currency, bucket, balance, version, updated_at)
     VALUES ${placeholders(rows.length, '(?, ?, ?, ?, 1, ?)')}
     ON DUPLICATE KEY UPDATE balance = balance + VALUES(balance), version = version + 1,
       updated_at = VALUES(updated_at)`,
    values,
  );
}

/**
 * Applies a run of balance changes with one upsert, in the order given (the order the rows are
 * locked in), creating the rows that do not exist yet. `guarded` are the debits of accounts that
 * may not go negative: they are read back under the locks just taken, and the first one (in the
 * order given) that went below zero is returned; the caller throws, and its transaction must be
 * rolled back, as after any failed post. Two statements however many rows: a page of payouts
 * interleaves each seller's guarded debit with a credit, which per-row guarded UPDATEs would
 * have made two statements a seller.
 */
export async function applyBalances(
  tx: Tx,
  rows: BalanceDelta[],
  guarded: BalanceDelta[],
  updatedAt: Date,
): Promise<BalanceDelta | undefined> {
  await upsertBalances(tx, rows, updatedAt);
  if (guarded.length === 0) return undefined;
  const negative: { account_code: string; currency: string; bucket: number }[] = await tx.query(
    `SELECT account_code, currency, bucket FROM ledger_balances
     WHERE account_code IN (${placeholders(guarded.length, '?')}) AND balance < 0 FOR UPDATE`,
    guarded.map((row) => row.account),
  );
  if (negative.length === 0) return undefined;
  const key = (account: string, currency: string, bucket: number) =>
    `${account}\u0000${currency}\u0000${bucket}`;
  const short = new Set(negative.map((row) => key(row.account_code, row.currency, Number(row.bucket))));
  return guarded.find((row) => short.has(key(row.account, row.currency, row.bucket)));
}

/** Locks every bucket row of an account (by primary key range) and returns their balances. */
export async function lockBuckets(tx: Tx, account: string, currency: string): Promise<Map<number, bigint>> {
  const rows: { bucket: number; balance: string }[] = await tx.query(
    `SELECT bucket, balance FROM ledger_balances WHERE account_code = ? AND currency = ?
     ORDER BY bucket FOR UPDATE`,
    [account, currency],
  );
  return new Map(rows.map((row) => [Number(row.bucket), BigInt(row.balance)]));
}

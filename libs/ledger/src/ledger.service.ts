import { Inject, Injectable } from '@nestjs/common';
import {
  isDuplicateKeyError,
  newId,
  runInTransaction,
  TransactionOptions,
  type Tx,
  Database,
} from '@danbao/platform';
import { randomInt } from 'node:crypto';
import { HOT_ACCOUNT_BUCKETS } from './accounts';
import { checkLedger } from './ledger.check';
import { InsufficientFundsError, ReferenceConflictError } from './ledger.errors';
import {
  applyBalances,
  EntryInsert,
  findTransactionsByReference,
  insertEntries,
  insertTransactions,
  lockBuckets,
  TransactionRow,
  upsertBalances,
} from './ledger.repository';
import type {
  AccountBalance,
  AccountEntry,
  LedgerCheckReport,
  LedgerMetadata,
  LedgerReconciler,
  LedgerTransaction,
  PostInput,
  PostResult,
  Statement,
  StatementOptions,
} from './ledger.types';
import { allocateSpreadDebit, BalanceDelta, EntryRow, planPostings, validatePostInput } from './posting-plan';

const DEFAULT_STATEMENT_LIMIT = 1000;
const MAX_STATEMENT_LIMIT = 10_000;

/**
 * The double-entry ledger. Every movement of money is one journal transaction of balanced
 * postings, written inside the caller's database transaction together with the state change that
 * causes it; entries are only ever inserted; balances are kept in rows (bucketed for hot accounts)
 * and can always be rebuilt from the entries, which check() proves.
 */
@Injectable()
export class LedgerService {
  constructor(@Inject(Database) private readonly db: Database) {}

  /**
   * Posts one journal transaction inside the caller's transaction. A reference posted before
   * (committed, or earlier in this same transaction) with the same postings (the same net per
   * account and currency) returns that transaction with created: false and writes nothing; with
   * other postings it throws ReferenceConflictError. Throws UnbalancedTransactionError /
   * InvalidTransactionError for malformed input and InsufficientFundsError when an account that
   * may not go negative would; after any error the caller's transaction must be rolled back, as
   * with any failed statement.
   */
  async post(tx: Tx, input: PostInput): Promise<PostResult> {
    const [result] = await this.postMany(tx, [input]);
    return result;
  }

  /**
   * Posts several journal transactions in the caller's transaction with as few statements as one:
   * one INSERT of transactions, one of entries, and one statement per run of balance rows, each
   * row's deltas summed. A reference posted before is skipped on its own (created: false), and a
   * reference repeated within the batch is posted once. If any guarded debit fails, the whole call
   * throws InsufficientFundsError; roll back and post the members one by one to find which.
   */
  async postMany(tx: Tx, inputs: PostInput[]): Promise<PostResult[]> {
    if (!tx.inTransaction) {
      throw new Error('LedgerService.post must run inside the caller’s database transaction.');
    }
    if (inputs.length === 0) return [];
    const metadata = inputs.map((input) => validatePostInput(input));
    const now = new Date();

    // A reference names one transaction: a batch that names it twice is a caller's mistake (the
    // later member would silently not be posted), refused before anything is written.
    const seen = new Set<string>();
    for (const input of inputs) {
      if (seen.has(input.reference))
        throw new ReferenceConflictError(input.reference, 'is named twice in one batch');
      seen.add(input.reference);
    }
    const rows: TransactionRow[] = inputs.map((input, index) => ({
      id: newId('ltx', now.getTime()),
      reference: input.reference,
      kind: input.kind,
      orderId: input.orderId ?? null,
      metadata: metadata[index],
    }));

    const existing = await this.insertTransactionRows(tx, inputs, rows, now);
    const created = inputs.filter((input) => !existing.has(input.reference));
    if (created.length > 0) {
      await this.writeEntriesAndBalances(
        tx,
        created,
        rows.filter((row) => !existing.has(row.reference)),
        now,
      );
    }
    return rows.map((row) => {
      const existingId = existing.get(row.reference);
      return existingId !== undefined
        ? { transactionId: existingId, created: false }
        : { transactionId: row.id, created: true };
    });
  }

  /**
   * post() in a transaction of its own, run again (a bounded number of times, with jitter) when
   * the database aborts it for a deadlock or a lock-wait timeout, so that neither reaches the
   * caller unless it persists. A repeat is safe: the reference makes the post idempotent.
   */
  async postInOwnTransaction(input: PostInput, options: TransactionOptions = {}): Promise<PostResult> {
    return runInTransaction(this.db, (tx) => this.post(tx, input), options);
  }

  /** The account's balance in minor units, summed over its bucket rows (0 before its first posting). */
  async balance(account: string, currency: string, tx?: Tx): Promise<bigint> {
    const [row]: { balance: string | null }[] = await (tx ?? this.db).query(
      'SELECT SUM(balance) AS balance FROM ledger_balances WHERE account_code = ? AND currency = ?',
      [account, currency],
    );
    return BigInt(row?.balance ?? '0');
  }

  /**
   * The net of the account's entries per UTC day in [from, to), keyed by `YYYY-MM-DD` (days without
   * an entry are absent): with the balance before `from`, a daily balance series in one GROUP BY
   * over the entries' (account, currency, created_at) index.
   */
  async dailyTotals(
    account: string,
    currency: string,
    from: Date,
    to: Date,
    tx?: Tx,
  ): Promise<Map<string, bigint>> {
    const rows: { day: string; total: string }[] = await (tx ?? this.db).query(
      `SELECT DATE_FORMAT(created_at, '%Y-%m-%d') AS day, SUM(amount) AS total FROM ledger_entries
       WHERE account_code = ? AND currency = ? AND created_at >= ? AND created_at < ?
       GROUP BY day ORDER BY day`,
      [account, currency, from, to],
    );
    return new Map(rows.map((row) => [row.day, BigInt(row.total)]));
  }

  /**
   * The balances of every account whose code starts with `prefix` (e.g. `seller:sel_1:`), in every
   * currency, sorted by account and currency.
   */
  async balances(prefix: string, tx?: Tx): Promise<AccountBalance[]> {
    const pattern = `${prefix.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
    const rows: { account_code: string; currency: string; balance: string }[] = await (tx ?? this.db).query(
      `SELECT account_code, currency, SUM(balance) AS balance FROM ledger_balances
       WHERE account_code LIKE ? GROUP BY account_code, currency ORDER BY account_code, currency`,
      [pattern],
    );
    return rows.map((row) => ({
      account: row.account_code,
      currency: row.currency,
      balance: BigInt(row.balance),
    }));
  }

  /** The balances of these accounts, every currency, in one statement (accounts with no posting are absent). */
  async balancesOf(accounts: string[], tx?: Tx): Promise<AccountBalance[]> {
    if (accounts.length === 0) return [];
    const rows: { account_code: string; currency: string; balance: string }[] = await (tx ?? this.db).query(
      `SELECT account_code, currency, SUM(balance) AS balance FROM ledger_balances
       WHERE account_code IN (${accounts.map(() => '?').join(', ')}) GROUP BY account_code, currency`,
      accounts,
    );
    return rows.map((row) => ({
      account: row.account_code,
      currency: row.currency,
      balance: BigInt(row.balance),
    }));
  }

  /**
   * A page of the accounts whose code starts with `prefix` and ends with `suffix` (e.g. every
   * `seller:*:available`) and whose balance is at least `min`, in account and currency order; page
   * on with `after` (the last account and currency of the previous page).
   */
  async accountsWithBalance(
    prefix: string,
    suffix: string,
    options: { min: bigint; after?: { account: string; currency: string }; limit: number },
    tx?: Tx,
  ): Promise<AccountBalance[]> {
    const escape = (text: string) => text.replace(/[\\%_]/g, (character) => `\\${character}`);
    const parameters: unknown[] = [`${escape(prefix)}%${escape(suffix)}`];
    let after = '';
    if (options.after) {
      after = 'AND (account_code > ? OR (account_code = ? AND currency > ?))';
      parameters.push(options.after.account, options.after.account, options.after.currency);
    }
    parameters.push(options.min.toString());
    const rows: { account_code: string; currency: string; balance: string }[] = await (tx ?? this.db).query(
      `SELECT account_code, currency, SUM(balance) AS balance FROM ledger_balances
       WHERE account_code LIKE ? ${after}
       GROUP BY account_code, currency HAVING SUM(balance) >= ?
       ORDER BY account_code, currency LIMIT ${Math.max(1, Math.floor(options.limit))}`,
      parameters,
    );
    return rows.map((row) => ({
      account: row.account_code,
      currency: row.currency,
      balance: BigInt(row.balance),
    }));
  }

  /** The account's balance as of `at` (entries created at or before it), computed from the entries. */
  async balanceAsOf(account: string, currency: string, at: Date, tx?: Tx): Promise<bigint> {
    const [row]: { total: string | null }[] = await (tx ?? this.db).query(
      `SELECT SUM(amount) AS total FROM ledger_entries
       WHERE account_code = ? AND currency = ? AND created_at <= ?`,
      [account, currency, at],
    );
    return BigInt(row?.total ?? '0');
  }

  /**
   * The sum of the entries of some accounts in one currency created before `at` (strictly): the
   * opening balance of a statement over those accounts that starts at `at`. One SUM, whatever the
   * number of entries.
   */
  async sumBefore(accounts: string[], currency: string, at: Date, tx?: Tx): Promise<bigint> {
    if (accounts.length === 0) return 0n;
    const [row]: { total: string | null }[] = await (tx ?? this.db).query(
      `SELECT SUM(amount) AS total FROM ledger_entries
       WHERE account_code IN (${accounts.map(() => '?').join(', ')}) AND currency = ? AND created_at < ?`,
      [...accounts, currency, at],
    );
    return BigInt(row?.total ?? '0');
  }

  /**
   * The account's entries in [from, to), oldest first, each with the balance after it, between an
   * opening balance (entries before `from`) and a closing balance (entries before `to`), all
   * computed from the entries.
   */
  async statement(
    account: string,
    currency: string,
    options: StatementOptions = {},
    tx?: Tx,
  ): Promise<Statement> {
    const limit = Math.min(
      Math.max(1, Math.floor(options.limit ?? DEFAULT_STATEMENT_LIMIT)),
      MAX_STATEMENT_LIMIT,
    );
    const run = async (reader: Tx): Promise<Statement> => {
      const sumBefore = async (at: Date | undefined): Promise<bigint> => {
        const [row]: { total: string | null }[] = await reader.query(
          `SELECT SUM(amount) AS total FROM ledger_entries
           WHERE account_code = ? AND currency = ?${at ? ' AND created_at < ?' : ''}`,
          at ? [account, currency, at] : [account, currency],
        );
        return BigInt(row?.total ?? '0');
      };
      const openingBalance = options.from ? await sumBefore(options.from) : 0n;
      const closingBalance = await sumBefore(options.to);
      const conditions = ['e.account_code = ?', 'e.currency = ?'];
      const parameters: unknown[] = [account, currency];
      if (options.from) {
        conditions.push('e.created_at >= ?');
        parameters.push(options.from);
      }
      if (options.to) {
        conditions.push('e.created_at < ?');
        parameters.push(options.to);
      }
      const rows: {
        id: string;
        transaction_id: string;
        kind: string;
        order_id: string | null;
        amount: string;
        created_at: Date;
      }[] = await reader.query(
        `SELECT e.id, e.transaction_id, t.kind, t.order_id, e.amount, e.created_at
         FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id
         WHERE ${conditions.join(' AND ')}
         ORDER BY e.created_at, e.id LIMIT ${limit + 1}`,
        parameters,
      );
      let running = openingBalance;
      const entries = rows.slice(0, limit).map((row) => {
        const amount = BigInt(row.amount);
        running += amount;
        return {
          id: row.id,
          transactionId: row.transaction_id,
          kind: row.kind,
          orderId: row.order_id,
          amount,
          balanceAfter: running,
          createdAt: row.created_at,
        };
      });
      return { account, currency, openingBalance, closingBalance, entries, hasMore: rows.length > limit };
    };
    // Several reads that must agree: one snapshot, unless the caller already has a transaction.
    return tx ? run(tx) : runInTransaction(this.db, run, { isolation: 'REPEATABLE READ' });
  }

  /**
   * One page of the entries of some accounts in one currency, oldest first (by created_at, then
   * transaction, then entry id, so a transaction's entries come together), with their journal
   * transaction's kind, order and metadata. Page on with `after` (the last entry of the previous
   * page): a reader can walk years of entries in bounded memory.
   */
  async entriesOf(
    accounts: string[],
    currency: string,
    options: {
      from?: Date;
      to?: Date;
      after?: { createdAt: Date; transactionId: string; id: string };
      /** Only entries that increase the balance (credits to a liability). */
      increasesOnly?: boolean;
      limit: number;
    },
    tx?: Tx,
  ): Promise<AccountEntry[]> {
    if (accounts.length === 0) return [];
    const conditions = [`e.account_code IN (${accounts.map(() => '?').join(', ')})`, 'e.currency = ?'];
    const parameters: unknown[] = [...accounts, currency];
    if (options.from) {
      conditions.push('e.created_at >= ?');
      parameters.push(options.from);
    }
    if (options.to) {
      conditions.push('e.created_at < ?');
      parameters.push(options.to);
    }
    if (options.increasesOnly) conditions.push('e.amount > 0');
    if (options.after) {
      conditions.push(
        '(e.created_at > ? OR (e.created_at = ? AND (e.transaction_id > ? OR (e.transaction_id = ? AND e.id > ?))))',
      );
      const { createdAt, transactionId, id } = options.after;
      parameters.push(createdAt, createdAt, transactionId, transactionId, id);
    }
    const limit = Math.min(Math.max(1, Math.floor(options.limit)), MAX_STATEMENT_LIMIT);
    const rows: {
      id: string;
      transaction_id: string;
      account_code: string;
      kind: string;
      reference: string;
      order_id: string | null;
      metadata: string | null;
      amount: string;
      created_at: Date;
    }[] = await (tx ?? this.db).query(
      `SELECT e.id, e.transaction_id, e.account_code, t.kind, t.reference, t.order_id, t.metadata, e.amount, e.created_at
       FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id
       WHERE ${conditions.join(' AND ')}
       ORDER BY e.created_at, e.transaction_id, e.id LIMIT ${limit}`,
      parameters,
    );
    return rows.map((row) => ({
      id: row.id,
      transactionId: row.transaction_id,
      account: row.account_code,
      kind: row.kind,
      reference: row.reference,
      orderId: row.order_id,
      metadata: row.metadata ? (JSON.parse(row.metadata) as LedgerMetadata) : null,
      amount: BigInt(row.amount),
      createdAt: row.created_at,
    }));
  }

  /** A journal transaction with its entries, by its reference; null when never posted. */
  async findTransaction(reference: string, tx?: Tx): Promise<LedgerTransaction | null> {
    const found = await this.readTransactions(tx ?? this.db, 't.reference = ?', [reference]);
    return found[0] ?? null;
  }

  /**
   * Which of these references have been posted (a report's read: reconciliation looks for the
   * transaction each confirmed payment, refund and payout must have). Read in chunks of 1000.
   */
  async postedReferences(references: string[], tx?: Tx): Promise<Set<string>> {
    const posted = new Set<string>();
    const unique = [...new Set(references)];
    for (let start = 0; start < unique.length; start += 1000) {
      const chunk = unique.slice(start, start + 1000);
      const rows = await (tx ?? this.db).query<{ reference: string }[]>(
        `SELECT reference FROM ledger_transactions WHERE reference IN (${chunk.map(() => '?').join(', ')})`,
        chunk,
      );
      for (const row of rows) posted.add(row.reference);
    }
    return posted;
  }

  /** Every journal transaction of an order with its entries, oldest first. */
  async transactionsForOrder(orderId: string, tx?: Tx): Promise<LedgerTransaction[]> {
    return this.readTransactions(tx ?? this.db, 't.order_id = ?', [orderId]);
  }

  /**
   * Checks the books (see checkLedger) in one consistent snapshot, or in the caller's transaction;
   * `reconcilers` add what other libs know the balances must be (e.g. suspense against the
   * refunds it owes), checked in the same snapshot.
   * The result is the body of `GET /v1/admin/ledger/check`; amounts are decimal strings.
   */
  async check(tx?: Tx, reconcilers: LedgerReconciler[] = []): Promise<LedgerCheckReport> {
    const run = async (reader: Tx): Promise<LedgerCheckReport> => {
      const report = await checkLedger(reader);
      for (const reconcile of reconcilers) report.violations.push(...(await reconcile(reader)));
      return { ...report, balanced: report.violations.length === 0 };
    };
    if (tx) return run(tx);
    return runInTransaction(this.db, run, { isolation: 'REPEATABLE READ' });
  }

  /**
   * Inserts the transaction rows; returns the references that already existed with their ids.
   * The common case is one INSERT. When a reference exists (a repeat), the statement fails alone
   * (InnoDB rolls back just the statement, not the caller's transaction), and the rows are written
   * again skipping the duplicates. A repeat must carry the stored transaction's postings (the same
   * net per account and currency; a bucketed debit may be stored as several entries), else
   * ReferenceConflictError.
   */
  private async insertTransactionRows(
    tx: Tx,
    inputs: PostInput[],
    rows: TransactionRow[],
    now: Date,
  ): Promise<Map<string, string>> {
    try {
      await insertTransactions(tx, rows, now);
      return new Map();
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    if (rows.length > 1) await insertTransactions(tx, rows, now, true);
    const found = await findTransactionsByReference(
      tx,
      rows.map((row) => row.reference),
    );
    const existing = new Map<string, string>();
    rows.forEach((row, index) => {
      const stored = found.get(row.reference);
      if (stored === undefined)
        throw new Error(`Ledger reference ${row.reference} vanished after a duplicate-key error.`);
      if (stored.id === row.id) return;
      if (!sameNets(stored.nets, netsOf(inputs[index])))
        throw new ReferenceConflictError(row.reference, 'was posted before with other postings');
      existing.set(row.reference, stored.id);
    });
    return existing;
  }

  private async writeEntriesAndBalances(
    tx: Tx,
    inputs: PostInput[],
    rows: TransactionRow[],
    now: Date,
  ): Promise<void> {
    const plan = planPostings(inputs, () => randomInt(HOT_ACCOUNT_BUCKETS));
    const toInsert = (entries: EntryRow[]): EntryInsert[] =>
      entries.map((entry) => ({
        id: newId('len', now.getTime()),
        transactionId: rows[entry.transactionIndex].id,
        account: entry.account,
        currency: entry.currency,
        bucket: entry.bucket,
        amount: entry.amount,
      }));
    const hasSpreadDebit = plan.steps.some((step) => step.kind === 'spread-debit');

    // Entries first when they are all known, so that the balance rows (hot ones last) stay locked
    // for as short a time as possible before the commit.
    const entries = [...plan.entries];
    if (!hasSpreadDebit) await insertEntries(tx, toInsert(entries), now);

    for (let index = 0; index < plan.steps.length; index += 1) {
      const step = plan.steps[index];
      if (step.kind === 'spread-debit') {
        const buckets = await lockBuckets(tx, step.debit.account, step.debit.currency);
        const allocation = allocateSpreadDebit(step.debit, buckets);
        await upsertBalances(tx, allocation.rows, now);
        entries.push(...allocation.entries);
        continue;
      }
      // A run of credits and guarded debits (e.g. a page of payouts: each seller's available
      // debited, its payout account credited, interleaved in lock order) is one upsert that locks
      // the rows in the plan's order, then one read of the debited rows under those locks.
      const rows: BalanceDelta[] = [];
      const guarded: BalanceDelta[] = [];
      for (; index < plan.steps.length; index += 1) {
        const run = plan.steps[index];
        if (run.kind === 'spread-debit') break;
        if (run.kind === 'upsert') {
          rows.push(...run.rows);
        } else {
          rows.push(run.row);
          guarded.push(run.row);
        }
      }
      index -= 1;
      const short = await applyBalances(tx, rows, guarded, now);
      if (short) throw new InsufficientFundsError(short.account, short.currency);
    }
    if (hasSpreadDebit) await insertEntries(tx, toInsert(entries), now);
  }

  private async readTransactions(
    tx: Tx,
    condition: string,
    parameters: unknown[],
  ): Promise<LedgerTransaction[]> {
    const rows: {
      id: string;
      reference: string;
      kind: string;
      order_id: string | null;
      metadata: string | null;
      created_at: Date;
      entry_id: string | null;
      account_code: string | null;
      currency: string | null;
      bucket: number | null;
      amount: string | null;
    }[] = await tx.query(
      `SELECT t.id, t.reference, t.kind, t.order_id, t.metadata, t.created_at,
              e.id AS entry_id, e.account_code, e.currency, e.bucket, e.amount
       FROM ledger_transactions t LEFT JOIN ledger_entries e ON e.transaction_id = t.id
       WHERE ${condition} ORDER BY t.created_at, t.id, e.id`,
      parameters,
    );
    const byId = new Map<string, LedgerTransaction>();
    for (const row of rows) {
      let transaction = byId.get(row.id);
      if (!transaction) {
        transaction = {
          id: row.id,
          reference: row.reference,
          kind: row.kind,
          orderId: row.order_id,
          metadata: row.metadata === null ? null : (JSON.parse(row.metadata) as LedgerMetadata),
          createdAt: row.created_at,
          entries: [],
        };
        byId.set(row.id, transaction);
      }
      if (row.entry_id !== null) {
        transaction.entries.push({
          id: row.entry_id,
          account: row.account_code!,
          currency: row.currency!,
          bucket: Number(row.bucket),
          amount: BigInt(row.amount!),
        });
      }
    }
    return [...byId.values()];
  }
}

/** The net of an input's postings per `account|currency`. */
function netsOf(input: PostInput): Map<string, bigint> {
  const nets = new Map<string, bigint>();
  for (const posting of input.postings) {
    const key = `${posting.account}|${posting.currency}`;
    nets.set(key, (nets.get(key) ?? 0n) + posting.amount);
  }
  return nets;
}

function sameNets(a: Map<string, bigint>, b: Map<string, bigint>): boolean {
  if (a.size !== b.size) return false;
  for (const [key, value] of a) if (b.get(key) !== value) return false;
  return true;
}

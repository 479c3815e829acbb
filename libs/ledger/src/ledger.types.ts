import type { Tx } from '@danbao/platform';

/** One line of a journal transaction: the signed change to one account's balance. */
export interface Posting {
  account: string;
  currency: string;
  /** Minor units; positive increases the account's balance, negative decreases it. Never zero. */
  amount: bigint;
}

export type LedgerMetadata = Record<string, string | number | boolean | null>;

export interface PostInput {
  /** Idempotency reference, unique across the ledger (e.g. `payment:<id>`, `release:<holdId>`). */
  reference: string;
  /** What the transaction is (`payment`, `release`, `refund`, `payout`, ...). */
  kind: string;
  orderId?: string;
  metadata?: LedgerMetadata;
  /** Two or more postings that sum to zero per currency. */
  postings: Posting[];
}

export interface PostResult {
  transactionId: string;
  /** False when the reference had been posted before: then nothing was written. */
  created: boolean;
}

export interface AccountBalance {
  account: string;
  currency: string;
  balance: bigint;
}

export interface StatementOptions {
  /** Inclusive. */
  from?: Date;
  /** Exclusive. */
  to?: Date;
  /** At most this many entries (default 1,000, at most 10,000). */
  limit?: number;
}

export interface StatementEntry {
  id: string;
  transactionId: string;
  kind: string;
  orderId: string | null;
  amount: bigint;
  /** The account's balance (over all its buckets) just after this entry. */
  balanceAfter: bigint;
  createdAt: Date;
}

/** An entry of an account with its journal transaction's facts (LedgerService.entriesOf). */
export interface AccountEntry {
  id: string;
  transactionId: string;
  account: string;
  kind: string;
  reference: string;
  orderId: string | null;
  metadata: LedgerMetadata | null;
  amount: bigint;
  createdAt: Date;
}

export interface Statement {
  account: string;
  currency: string;
  /** The balance from entries before `from`. */
  openingBalance: bigint;
  /** The balance from entries before `to` (or all entries): opening plus every entry of the period. */
  closingBalance: bigint;
  /** Oldest first. */
  entries: StatementEntry[];
  /** True when the period has more entries than `limit`. */
  hasMore: boolean;
}

export interface LedgerTransaction {
  id: string;
  reference: string;
  kind: string;
  orderId: string | null;
  metadata: LedgerMetadata | null;
  createdAt: Date;
  entries: { id: string; account: string; currency: string; bucket: number; amount: bigint }[];
}

export type LedgerViolationKind =
  | 'currency_unbalanced'
  | 'transaction_unbalanced'
  | 'transaction_too_few_entries'
  | 'orphan_entry'
  | 'balance_mismatch'
  | 'negative_balance'
  /** An account's balance disagrees with what its owning lib says it must be (a reconciler). */
  | 'balance_unexplained';

export interface LedgerViolation {
  kind: LedgerViolationKind;
  account?: string;
  transaction?: string;
  detail: string;
}

/**
 * A check another lib adds to the books check: it reads, in the check's own snapshot, what its
 * accounts' balances must be and answers the violations it finds.
 */
export type LedgerReconciler = (tx: Tx) => Promise<LedgerViolation[]>;

/**
 * What check() finds, in the shape of `GET /v1/admin/ledger/check`. Amounts are decimal strings of
 * minor units, so the JSON never loses precision whatever their size.
 */
export interface LedgerCheckReport {
  balanced: boolean;
  /** ISO 8601 UTC. */
  checked_at: string;
  currencies: { currency: string; debits: string; credits: string }[];
  violations: LedgerViolation[];
}

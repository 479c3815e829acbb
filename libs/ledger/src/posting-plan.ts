import { isKnownCurrency } from '@danbao/money';
import { accountPolicy, isValidAccountCode } from './accounts';
import { InsufficientFundsError, InvalidTransactionError, UnbalancedTransactionError } from './ledger.errors';
import type { PostInput } from './ledger.types';

/*
 * The pure half of posting: validating journal transactions and turning a batch of them into the
 * rows to insert and the balance statements to run, in the one fixed order every post locks
 * balance rows in. Nothing here touches the database, so all of it is unit- and property-tested.
 */

export const MAX_REFERENCE_LENGTH = 191;
export const MAX_POSTINGS = 1000;
const KIND = /^[a-z][a-z0-9_.:-]{0,63}$/;
const ORDER_ID = /^[A-Za-z0-9_.:-]{1,64}$/;
const MAX_METADATA_LENGTH = 16_000;

/** Throws InvalidTransactionError or UnbalancedTransactionError; returns the metadata as JSON text. */
export function validatePostInput(input: PostInput): string | null {
  if (typeof input !== 'object' || input === null) throw new InvalidTransactionError('no input');
  const { reference, kind, orderId, metadata, postings } = input;
  if (
    typeof reference !== 'string' ||
    reference.length === 0 ||
    reference.length > MAX_REFERENCE_LENGTH ||
    /\p{Cc}/u.test(reference)
  ) {
    throw new InvalidTransactionError(`reference must be 1-${MAX_REFERENCE_LENGTH} printable characters`);
  }
  if (typeof kind !== 'string' || !KIND.test(kind)) {
    throw new InvalidTransactionError(`kind ${JSON.stringify(kind)} must be a short lower-case word`);
  }
  if (orderId !== undefined && (typeof orderId !== 'string' || !ORDER_ID.test(orderId))) {
    throw new InvalidTransactionError(`orderId ${JSON.stringify(orderId)} is not an id`);
  }
  const metadataJson = metadataText(metadata);
  if (!Array.isArray(postings) || postings.length < 2 || postings.length > MAX_POSTINGS) {
    throw new InvalidTransactionError(`${reference} needs 2 to ${MAX_POSTINGS} postings`);
  }
  const sums = new Map<string, bigint>();
  for (const posting of postings) {
    if (!isValidAccountCode(posting?.account)) {
      throw new InvalidTransactionError(
        `${reference}: ${JSON.stringify(posting?.account)} is not an account code`,
      );
    }
    if (!isKnownCurrency(posting.currency)) {
      throw new InvalidTransactionError(
        `${reference}: ${JSON.stringify(posting.currency)} is not a known currency`,
      );
    }
    if (typeof posting.amount !== 'bigint' || posting.amount === 0n) {
      throw new InvalidTransactionError(
        `${reference}: the amount for ${posting.account} must be a nonzero bigint`,
      );
    }
    sums.set(posting.currency, (sums.get(posting.currency) ?? 0n) + posting.amount);
  }
  for (const [currency, sum] of sums) {
    if (sum !== 0n)
      throw new UnbalancedTransactionError(`${reference}: ${currency} postings sum to ${sum}, not 0`);
  }
  return metadataJson;
}

function metadataText(metadata: PostInput['metadata']): string | null {
  if (metadata === undefined || metadata === null) return null;
  if (typeof metadata !== 'object' || Array.isArray(metadata)) {
    throw new InvalidTransactionError('metadata must be an object');
  }
  for (const [key, value] of Object.entries(metadata)) {
    const ok =
      value === null ||
      typeof value === 'string' ||
      typeof value === 'boolean' ||
      (typeof value === 'number' && Number.isFinite(value));
    if (!ok)
      throw new InvalidTransactionError(`metadata.${key} must be a string, finite number, boolean or null`);
  }
  const text = JSON.stringify(metadata);
  if (text.length > MAX_METADATA_LENGTH) throw new InvalidTransactionError('metadata is too large');
  return text;
}

/** One row of ledger_entries to insert; `transactionIndex` points into the planned batch. */
export interface EntryRow {
  transactionIndex: number;
  account: string;
  currency: string;
  bucket: number;
  amount: bigint;
}

/** A net change to one balance row. */
export interface BalanceDelta {
  account: string;
  currency: string;
  bucket: number;
  delta: bigint;
}

/**
 * A net debit of a hot account that may not go negative (the fee account paying something out).
 * Which buckets pay is only known once they are locked and read, so the debit entries are made
 * then, by allocateSpreadDebit.
 */
export interface SpreadDebit {
  account: string;
  currency: string;
  /** The bucket this batch's credits to the account land in. */
  creditBucket: number;
  credits: bigint;
  debits: { transactionIndex: number; amount: bigint }[];
}

export type BalanceStep =
  /** Rows that cannot fail: credits, and debits of accounts that may go negative. One statement. */
  | { kind: 'upsert'; rows: BalanceDelta[] }
  /** A debit of an account that may not go negative: a guarded UPDATE that must match one row. */
  | { kind: 'debit'; row: BalanceDelta }
  | { kind: 'spread-debit'; debit: SpreadDebit };

export interface PostingPlan {
  /** Every entry whose bucket is already known (all of them unless there is a spread debit). */
  entries: EntryRow[];
  /** In lock order: accounts that are not hot first, then hot ones; each by code, currency, bucket. */
  steps: BalanceStep[];
}

/** Picks a bucket of a hot account: 0 ≤ bucket < HOT_ACCOUNT_BUCKETS. */
export type BucketPicker = () => number;

interface AccountGroup {
  account: string;
  currency: string;
  hot: boolean;
  nonNegative: boolean;
  postings: { transactionIndex: number; amount: bigint }[];
}

/**
 * Plans a batch of validated journal transactions: one entry per posting, balance changes summed
 * per (account, currency, bucket), and the statements that apply them. Accounts that are not hot
 * use bucket 0; a hot account gets one random bucket for the whole batch (so its deltas are summed
 * into one row). The steps run in a fixed order — accounts that are not hot first, hot ones last
 * (their locks are then held for the shortest time), each sorted by code, currency and bucket — so
 * two posts never wait on each other's balance rows in opposite orders.
 */
export function planPostings(transactions: PostInput[], pickBucket: BucketPicker): PostingPlan {
  const groups = new Map<string, AccountGroup>();
  transactions.forEach((transaction, transactionIndex) => {
    for (const posting of transaction.postings) {
      const key = `${posting.account}\u0000${posting.currency}`;
      let group = groups.get(key);
      if (!group) {
        const policy = accountPolicy(posting.account);
        group = { account: posting.account, currency: posting.currency, ...policy, postings: [] };
        groups.set(key, group);
      }
      group.postings.push({ transactionIndex, amount: posting.amount });
    }
  });

  const entries: EntryRow[] = [];
  const ordered: { key: SortKey; step: BalanceStep | BalanceDelta }[] = [];
  for (const group of groups.values()) {
    const net = group.postings.reduce((sum, posting) => sum + posting.amount, 0n);
    const bucket = group.hot ? pickBucket() : 0;
    if (group.hot && group.nonNegative && net < 0n) {
      const credits = group.postings.filter((posting) => posting.amount > 0n);
      for (const credit of credits)
        entries.push(entry(group, credit.transactionIndex, bucket, credit.amount));
      const debit: SpreadDebit = {
        account: group.account,
        currency: group.currency,
        creditBucket: bucket,
        credits: credits.reduce((sum, credit) => sum + credit.amount, 0n),
        debits: group.postings
          .filter((posting) => posting.amount < 0n)
          .map((posting) => ({ transactionIndex: posting.transactionIndex, amount: -posting.amount })),
      };
      ordered.push({ key: sortKey(group, -1), step: { kind: 'spread-debit', debit } });
      continue;
    }
    for (const posting of group.postings)
      entries.push(entry(group, posting.transactionIndex, bucket, posting.amount));
    if (net === 0n) continue;
    const row: BalanceDelta = { account: group.account, currency: group.currency, bucket, delta: net };
    ordered.push({
      key: sortKey(group, bucket),
      step: group.nonNegative && net < 0n ? { kind: 'debit', row } : row,
    });
  }

  ordered.sort((a, b) => compareKeys(a.key, b.key));
  const steps: BalanceStep[] = [];
  let upsert: BalanceDelta[] = [];
  for (const { step } of ordered) {
    if ('kind' in step) {
      if (upsert.length > 0) steps.push({ kind: 'upsert', rows: upsert });
      upsert = [];
      steps.push(step);
    } else {
      upsert.push(step);
    }
  }
  if (upsert.length > 0) steps.push({ kind: 'upsert', rows: upsert });
  return { entries, steps };
}

/**
 * Decides which buckets of a hot, non-negative account pay a net debit, given the buckets' locked
 * balances: the fullest buckets first. Returns the bucket deltas (none of which takes a bucket
 * below zero) and the debit entries, split by bucket, whose sums per bucket match the deltas.
 * Throws InsufficientFundsError when all the buckets together cannot pay.
 */
export function allocateSpreadDebit(
  debit: SpreadDebit,
  bucketBalances: ReadonlyMap<number, bigint>,
): { rows: BalanceDelta[]; entries: EntryRow[] } {
  const available = new Map(bucketBalances);
  available.set(debit.creditBucket, (available.get(debit.creditBucket) ?? 0n) + debit.credits);
  const needed = debit.debits.reduce((sum, item) => sum + item.amount, 0n);
  const total = [...available.values()].reduce((sum, balance) => sum + (balance > 0n ? balance : 0n), 0n);
  if (total < needed) throw new InsufficientFundsError(debit.account, debit.currency);

  const pieces: { bucket: number; amount: bigint }[] = [];
  let remaining = needed;
  const fullestFirst = [...available.entries()]
    .filter(([, balance]) => balance > 0n)
    .sort(([bucketA, a], [bucketB, b]) => (a === b ? bucketA - bucketB : a > b ? -1 : 1));
  for (const [bucket, balance] of fullestFirst) {
    if (remaining === 0n) break;
    const take = balance < remaining ? balance : remaining;
    pieces.push({ bucket, amount: take });
    remaining -= take;
  }

  const deltas = new Map<number, bigint>();
  if (debit.credits !== 0n) deltas.set(debit.creditBucket, debit.credits);
  for (const piece of pieces) deltas.set(piece.bucket, (deltas.get(piece.bucket) ?? 0n) - piece.amount);
  const rows = [...deltas.entries()]
    .filter(([, delta]) => delta !== 0n)
    .sort(([a], [b]) => a - b)
    .map(([bucket, delta]) => ({ account: debit.account, currency: debit.currency, bucket, delta }));

  // Walk the debits and the pieces together, so each debit's entries come from the pieces in turn.
  const entries: EntryRow[] = [];
  let pieceIndex = 0;
  let pieceLeft = pieces[0]?.amount ?? 0n;
  for (const item of debit.debits) {
    let owed = item.amount;
    while (owed > 0n) {
      const take = pieceLeft < owed ? pieceLeft : owed;
      entries.push({
        transactionIndex: item.transactionIndex,
        account: debit.account,
        currency: debit.currency,
        bucket: pieces[pieceIndex].bucket,
        amount: -take,
      });
      owed -= take;
      pieceLeft -= take;
      if (pieceLeft === 0n && pieceIndex + 1 < pieces.length) {
        pieceIndex += 1;
        pieceLeft = pieces[pieceIndex].amount;
      }
    }
  }
  return { rows, entries };
}

type SortKey = [number, string, string, number];

function sortKey(group: AccountGroup, bucket: number): SortKey {
  return [group.hot ? 1 : 0, group.account, group.currency, bucket];
}

function compareKeys(a: SortKey, b: SortKey): number {
  for (let i = 0; i < a.length; i += 1) {
    if (a[i] < b[i]) return -1;
    if (a[i] > b[i]) return 1;
  }
  return 0;
}

function entry(group: AccountGroup, transactionIndex: number, bucket: number, amount: bigint): EntryRow {
  return { transactionIndex, account: group.account, currency: group.currency, bucket, amount };
}

/*
 * Reconciliation's rules, pure: how our records and the channel's settlement report are matched,
 * what counts as a mismatch, which ledger transaction a confirmed record must have, and which dates
 * can be reconciled. The service only reads both sides and stores what this decides.
 */

export type ReconciliationLineType = 'payment' | 'refund' | 'payout';

/** What a record's status means for the money: decided either way, or still on its way. */
export type LineOutcome = 'succeeded' | 'failed' | 'pending';

/** A payment, refund or payout, ours or as the channel reported it. */
export interface ReconciliationLine {
  type: ReconciliationLineType;
  /** Our id of it (the channel's report names our id too). */
  reference: string;
  /** The channel's id of it: on the channel's lines always; on ours once the channel answered. */
  channelReference: string | null;
  amount: bigint;
  currency: string;
  /**
   * The record's own status word: ours `processing|succeeded|failed` (payments),
   * `requested|succeeded|failed` (refunds), `pending|in_transit|paid|failed` (payouts); the
   * channel's `succeeded|failed`.
   */
  status: string;
  outcome: LineOutcome;
}

export const MISMATCH_KINDS = [
  'missing_ours',
  'missing_theirs',
  'amount_mismatch',
  'status_mismatch',
  'duplicate',
  'missing_ledger',
] as const;

/**
 * - `missing_ours`: the channel has it, we do not;
 * - `missing_theirs`: we have it (and it is not a failure the channel never saw), the channel does not;
 * - `amount_mismatch`: both have it, with another amount or currency;
 * - `status_mismatch`: both have it, and the channel decided otherwise than we recorded (or we
 *   never recorded its answer);
 * - `duplicate`: a reference twice on one side, or two of our records naming one channel record;
 * - `missing_ledger`: a confirmed record of ours without its ledger transaction.
 */
export type MismatchKind = (typeof MISMATCH_KINDS)[number];

export interface Mismatch {
  kind: MismatchKind;
  reference: string;
  ours?: ReconciliationLine;
  theirs?: ReconciliationLine;
}

export interface MatchResult {
  mismatches: Mismatch[];
  /** References whose two sides agree. */
  matched: number;
}

const keyOf = (line: { type: string; reference: string }): string => `${line.type} ${line.reference}`;

/**
 * Matches our lines against the channel's, by type and reference (our id, which the channel keeps
 * as its idempotency key). A reference twice on one side is a `duplicate` (its first line is still
 * matched); so is one of our records naming a channel record another of ours already names (the
 * channel moved the money once, we recorded it twice): that record is not matched further. One of
 * ours that failed and that the channel never recorded is no mismatch: no money moved (e.g. a
 * payment failed by the sweep because the process died before calling the channel).
 */
export function matchReport(ours: ReconciliationLine[], theirs: ReconciliationLine[]): MatchResult {
  const mismatches: Mismatch[] = [];
  const theirsByKey = new Map<string, ReconciliationLine>();
  for (const line of theirs) {
    if (theirsByKey.has(keyOf(line)))
      mismatches.push({ kind: 'duplicate', reference: line.reference, theirs: line });
    else theirsByKey.set(keyOf(line), line);
  }
  const oursByKey = new Map<string, ReconciliationLine>();
  const channelReferences = new Set<string>();
  for (const line of ours) {
    const channelKey = line.channelReference === null ? null : `${line.type} ${line.channelReference}`;
    if (oursByKey.has(keyOf(line)) || (channelKey !== null && channelReferences.has(channelKey))) {
      mismatches.push({ kind: 'duplicate', reference: line.reference, ours: line });
      continue;
    }
    oursByKey.set(keyOf(line), line);
    if (channelKey !== null) channelReferences.add(channelKey);
  }
  let matched = 0;
  for (const [key, line] of oursByKey) {
    const other = theirsByKey.get(key);
    if (!other) {
      if (line.outcome !== 'failed')
        mismatches.push({ kind: 'missing_theirs', reference: line.reference, ours: line });
    } else if (line.amount !== other.amount || line.currency !== other.currency) {
      mismatches.push({ kind: 'amount_mismatch', reference: line.reference, ours: line, theirs: other });
    } else if (line.outcome !== other.outcome) {
      mismatches.push({ kind: 'status_mismatch', reference: line.reference, ours: line, theirs: other });
    } else {
      matched += 1;
    }
  }
  for (const [key, line] of theirsByKey) {
    if (!oursByKey.has(key))
      mismatches.push({ kind: 'missing_ours', reference: line.reference, theirs: line });
  }
  return { mismatches: sortMismatches(mismatches), matched };
}

/**
 * The ledger transactions one of ours must have once it succeeded (any one of them): a payment's
 * pay-in (`payment:<id>`) or, when no order could take it, its suspense booking (`suspense:<id>`);
 * a refund's `refund:<id>` (suspense and escrow refunds alike); a paid payout's `payout_paid:<id>`.
 */
export function ledgerReferencesOf(line: ReconciliationLine): string[] {
  switch (line.type) {
    case 'payment':
      return [`payment:${line.reference}`, `suspense:${line.reference}`];
    case 'refund':
      return [`refund:${line.reference}`];
    case 'payout':
      return [`payout_paid:${line.reference}`];
  }
}

/** `missing_ledger` for each succeeded line of ours none of whose ledger references was posted. */
export function missingLedger(ours: ReconciliationLine[], posted: ReadonlySet<string>): Mismatch[] {
  return ours
    .filter((line) => line.outcome === 'succeeded')
    .filter((line) => !ledgerReferencesOf(line).some((reference) => posted.has(reference)))
    .map((line) => ({ kind: 'missing_ledger' as const, reference: line.reference, ours: line }));
}

/** By reference, then kind: the same report reads the same however its lines came. */
export function sortMismatches(mismatches: Mismatch[]): Mismatch[] {
  const order = (kind: MismatchKind) => MISMATCH_KINDS.indexOf(kind);
  return [...mismatches].sort((a, b) =>
    a.reference === b.reference ? order(a.kind) - order(b.kind) : a.reference < b.reference ? -1 : 1,
  );
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** The UTC day of an instant, `YYYY-MM-DD`. */
export const utcDay = (at: Date): string => at.toISOString().slice(0, 10);

/** The day before `now`'s, UTC: what the daily job reconciles and the default of the route. */
export const yesterdayOf = (now: Date): string => utcDay(new Date(now.getTime() - DAY_MS));

/** `date` moved by `days` days. */
export const addDays = (date: string, days: number): string =>
  utcDay(new Date(Date.parse(`${date}T00:00:00.000Z`) + days * DAY_MS));

/** The first instant of a day and of the next (created_at >= from AND created_at < to). */
export function dayBounds(date: string): { from: Date; to: Date } {
  const from = new Date(`${date}T00:00:00.000Z`);
  return { from, to: new Date(from.getTime() + DAY_MS) };
}

/**
 * Why a date cannot be reconciled (not a real `YYYY-MM-DD`, or after today, UTC), or undefined
 * when it can. Today can: its report is partial until the day ends (and is not kept until then).
 */
export function invalidDate(date: string, now: Date): string | undefined {
  const parts = DATE.exec(date);
  const parsed = Date.parse(`${date}T00:00:00.000Z`);
  if (!parts || Number.isNaN(parsed) || utcDay(new Date(parsed)) !== date) {
    return 'date must be a UTC date, YYYY-MM-DD';
  }
  if (date > utcDay(now)) return 'date must not be in the future';
  return undefined;
}

/** Whether the day is over, so its report can no longer change by new records (and is kept). */
export const dayEnded = (date: string, now: Date): boolean => date < utcDay(now);

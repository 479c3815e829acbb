/**
 * The pure decisions of settlement: which payout delay a seller has, what a channel's answer does
 * to a payout, when the daily run is, and which credits a payout settles. No I/O here.
 */

export const RISK_TIERS = ['new', 'standard', 'trusted'] as const;
export type RiskTier = (typeof RISK_TIERS)[number];

export const PAYOUT_STATUSES = ['pending', 'in_transit', 'paid', 'failed'] as const;
/** `pending → in_transit → paid | failed` (DESIGN.md); a failed payout's money is back in available. */
export type PayoutStatus = (typeof PAYOUT_STATUSES)[number];

/** A payout made by the daily run, or asked for by the seller. */
export type PayoutMethod = 'scheduled' | 'manual';

export interface PayoutDelays {
  standardMs: number;
  newMs: number;
  trustedMs: number;
}

export interface SellerSettings {
  sellerId: string;
  riskTier: RiskTier | null;
  payoutDelayMs: number | null;
  updatedAt: Date;
}

/** A seller's own delay wins; else its tier's; else the standard delay (PAYOUT_DELAY). */
export function payoutDelayOf(
  settings: Pick<SellerSettings, 'riskTier' | 'payoutDelayMs'> | undefined,
  delays: PayoutDelays,
): number {
  if (settings?.payoutDelayMs !== null && settings?.payoutDelayMs !== undefined)
    return settings.payoutDelayMs;
  switch (settings?.riskTier) {
    case 'new':
      return delays.newMs;
    case 'trusted':
      return delays.trustedMs;
    default:
      return delays.standardMs;
  }
}

export type PayoutResultDecision =
  | { kind: 'paid' }
  | { kind: 'failed'; failureCode: string }
  | { kind: 'duplicate' }
  | { kind: 'flagged'; reason: 'amount_mismatch' | 'late_contradiction' };

/**
 * What the channel's answer does: the first final answer stands; the same answer again is a
 * duplicate; a different one later, or one for other money than we sent, is flagged and moves nothing.
 */
export function decidePayoutResult(
  payout: { status: PayoutStatus; amount: bigint; currency: string },
  result: { succeeded: boolean; amount: bigint; currency: string; failureCode?: string },
): PayoutResultDecision {
  if (payout.amount !== result.amount || payout.currency !== result.currency) {
    return { kind: 'flagged', reason: 'amount_mismatch' };
  }
  const answered = result.succeeded ? 'paid' : 'failed';
  if (payout.status === 'paid' || payout.status === 'failed') {
    return payout.status === answered
      ? { kind: 'duplicate' }
      : { kind: 'flagged', reason: 'late_contradiction' };
  }
  return result.succeeded
    ? { kind: 'paid' }
    : { kind: 'failed', failureCode: result.failureCode ?? 'payout_failed' };
}

/** `HH:MM` (UTC) as minutes after midnight. */
function minutesOf(runAt: string): number {
  const [hours, minutes] = runAt.split(':').map(Number);
  return hours * 60 + minutes;
}

/**
 * The run a moment belongs to: the UTC date of the latest daily run time at or before `now`. Two
 * runs with the same date are the same run, so a seller is paid by it once.
 */
export function runDateOf(now: Date, runAt: string): string {
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const runToday = midnight + minutesOf(runAt) * 60_000;
  const day = now.getTime() >= runToday ? midnight : midnight - 86_400_000;
  return new Date(day).toISOString().slice(0, 10);
}

/** The next daily run strictly after `now`. */
export function nextRunAt(now: Date, runAt: string): Date {
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const runToday = midnight + minutesOf(runAt) * 60_000;
  return new Date(now.getTime() < runToday ? runToday : runToday + 86_400_000);
}

/** A credit to a seller's available balance, with the running total of credits up to it. */
export interface Credit {
  entryId: string;
  amount: bigint;
  /** Sum of this and every earlier credit. */
  cumulative: bigint;
}

/**
 * What a payout settles: debits of available consume its credits first in, first out, so a payout
 * whose money is the slice (from, from + amount] of all credits ever settles the part of each
 * credit inside that slice.
 */
export function settledSlices(
  credits: Credit[],
  from: bigint,
  amount: bigint,
): { entryId: string; amount: bigint }[] {
  const to = from + amount;
  const slices: { entryId: string; amount: bigint }[] = [];
  for (const credit of credits) {
    const start = credit.cumulative - credit.amount;
    const overlap = (credit.cumulative < to ? credit.cumulative : to) - (start > from ? start : from);
    if (overlap > 0n) slices.push({ entryId: credit.entryId, amount: overlap });
  }
  return slices;
}

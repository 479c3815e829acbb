/*
 * The dispute lifecycle of DESIGN.md and API.md as pure functions: the transition table, who may
 * do what in which status, the deadlines each status runs, and the money each ending moves. The
 * service decides nothing itself: it locks the rows and asks here.
 */

export const DISPUTE_STATUSES = [
  'awaiting_seller',
  'awaiting_return',
  'awaiting_return_confirmation',
  'rejected',
  'escalated',
  'awaiting_approval',
  'refunded',
  'partially_refunded',
  'released',
  'withdrawn',
  'closed',
] as const;
export type DisputeStatus = (typeof DISPUTE_STATUSES)[number];

export const DISPUTE_REASONS = [
  'not_received',
  'not_as_described',
  'damaged',
  'wrong_item',
  'other',
] as const;
export type DisputeReason = (typeof DISPUTE_REASONS)[number];

export const RULING_OUTCOMES = ['refund', 'release', 'partial_refund'] as const;
export type RulingOutcome = (typeof RULING_OUTCOMES)[number];

/** A buyer may open at most this many disputes on one order (API.md). */
export const MAX_DISPUTES_PER_ORDER = 2;

const TRANSITIONS: Record<DisputeStatus, readonly DisputeStatus[]> = {
  awaiting_seller: ['awaiting_return', 'refunded', 'partially_refunded', 'rejected', 'withdrawn'],
  awaiting_return: ['awaiting_return_confirmation', 'closed', 'withdrawn'],
  awaiting_return_confirmation: ['refunded', 'partially_refunded', 'withdrawn'],
  rejected: ['escalated', 'closed', 'withdrawn'],
  escalated: ['awaiting_approval', 'refunded', 'partially_refunded', 'released', 'withdrawn'],
  awaiting_approval: ['refunded', 'partially_refunded', 'released'],
  refunded: [],
  partially_refunded: [],
  released: [],
  withdrawn: [],
  closed: [],
};

export function canTransitionDispute(from: DisputeStatus, to: DisputeStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Refunded, partially refunded, released, withdrawn and closed are final. */
export function isFinalDispute(status: DisputeStatus): boolean {
  return TRANSITIONS[status].length === 0;
}

export const OPEN_DISPUTE_STATUSES: readonly DisputeStatus[] = DISPUTE_STATUSES.filter(
  (status) => !isFinalDispute(status),
);

/** What someone does to a dispute (opening it is canOpen's). */
export type DisputeAction =
  | 'accept'
  | 'reject'
  | 'ship_return'
  | 'confirm_return'
  | 'escalate'
  | 'withdraw'
  | 'resolve'
  | 'approve'
  | 'message';

export type DisputeActor = 'buyer' | 'seller' | 'admin';

/** The role that may take each action: the order's buyer, its seller, or an admin. */
const ACTORS: Record<DisputeAction, readonly DisputeActor[]> = {
  accept: ['seller'],
  reject: ['seller'],
  confirm_return: ['seller'],
  ship_return: ['buyer'],
  escalate: ['buyer'],
  withdraw: ['buyer'],
  resolve: ['admin'],
  approve: ['admin'],
  message: ['buyer', 'seller', 'admin'],
};

/** The statuses each action is taken from. */
const FROM: Record<DisputeAction, readonly DisputeStatus[]> = {
  accept: ['awaiting_seller'],
  reject: ['awaiting_seller'],
  ship_return: ['awaiting_return'],
  confirm_return: ['awaiting_return_confirmation'],
  escalate: ['rejected'],
  // Before a ruling (DESIGN.md): not once an admin's ruling waits for approval.
  withdraw: ['awaiting_seller', 'awaiting_return', 'awaiting_return_confirmation', 'rejected', 'escalated'],
  resolve: ['escalated'],
  approve: ['awaiting_approval'],
  message: OPEN_DISPUTE_STATUSES,
};

/** The 409 code of an action refused in the wrong status. */
const WRONG_STATUS: Record<DisputeAction, DisputeRefusalCode> = {
  accept: 'dispute_not_awaiting_seller',
  reject: 'dispute_not_awaiting_seller',
  ship_return: 'dispute_not_awaiting_return',
  confirm_return: 'dispute_not_awaiting_return_confirmation',
  escalate: 'dispute_not_rejected',
  withdraw: 'dispute_not_withdrawable',
  resolve: 'dispute_not_escalated',
  approve: 'dispute_not_awaiting_approval',
  message: 'dispute_not_open',
};

export type DisputeRefusalCode =
  | 'dispute_already_open'
  | 'dispute_limit_reached'
  | 'dispute_not_open'
  | 'dispute_not_awaiting_seller'
  | 'dispute_not_awaiting_return'
  | 'dispute_not_awaiting_return_confirmation'
  | 'dispute_not_rejected'
  | 'dispute_not_withdrawable'
  | 'dispute_not_escalated'
  | 'dispute_not_awaiting_approval'
  | 'dispute_already_resolved';

export type DisputeVerdict =
  | { ok: true }
  | { ok: false; status: 403; code: 'forbidden' }
  | { ok: false; status: 409; code: DisputeRefusalCode };

const ok: DisputeVerdict = { ok: true };
const conflict = (code: DisputeRefusalCode): DisputeVerdict => ({ ok: false, status: 409, code });
const forbidden: DisputeVerdict = { ok: false, status: 403, code: 'forbidden' };

/** Statuses that carry an admin's ruling (waiting, or applied). */
const RULED: readonly DisputeStatus[] = ['awaiting_approval', 'refunded', 'partially_refunded', 'released'];

/**
 * Whether `actor` may take `action` on a dispute in `status` (ownership is the service's: a dispute
 * that is not the caller's is 404 before this is asked). A role that may never act is 403; the
 * right role in the wrong status is 409 with a code naming the status it needed.
 */
export function canAct(action: DisputeAction, actor: DisputeActor, status: DisputeStatus): DisputeVerdict {
  if (!ACTORS[action].includes(actor)) return forbidden;
  if (FROM[action].includes(status)) return ok;
  // Two admins resolving at once: the second finds the first's ruling (T15).
  if (action === 'resolve' && RULED.includes(status)) return conflict('dispute_already_resolved');
  if (isFinalDispute(status) && action !== 'approve') return conflict('dispute_not_open');
  return conflict(WRONG_STATUS[action]);
}

/** At most one open dispute and two in all per order (the order's lock makes this race-free, T19). */
export function canOpen(earlier: readonly { status: DisputeStatus }[]): DisputeVerdict {
  if (earlier.some((dispute) => !isFinalDispute(dispute.status))) return conflict('dispute_already_open');
  if (earlier.length >= MAX_DISPUTES_PER_ORDER) return conflict('dispute_limit_reached');
  return ok;
}

/** The admin approving a ruling must not be the admin who made it (four eyes). */
export function canApprove(rulingBy: string | null, approver: string): DisputeVerdict {
  return rulingBy === approver ? forbidden : ok;
}

/** Whether a refund amount is one the held money allows: 1 to all of it. */
export function refundWithinHold(refund: bigint, held: bigint): boolean {
  return refund >= 1n && refund <= held;
}

/** The deadline a status runs, if any: what happens when it passes is decideDeadline's. */
export const DEADLINE_KINDS = ['seller_response', 'escalation', 'return_ship', 'return_confirm'] as const;
export type DeadlineKind = (typeof DEADLINE_KINDS)[number];

export function deadlineKindOf(status: DisputeStatus): DeadlineKind | null {
  switch (status) {
    case 'awaiting_seller':
      return 'seller_response';
    case 'rejected':
      return 'escalation';
    case 'awaiting_return':
      return 'return_ship';
    case 'awaiting_return_confirmation':
      return 'return_confirm';
    default:
      return null;
  }
}

export interface DisputeWindows {
  sellerResponseWindowMs: number;
  escalationWindowMs: number;
  returnShipWindowMs: number;
  returnConfirmWindowMs: number;
}

/** The deadline of a dispute entering `status` at `now` (null: nothing waits on a clock). */
export function deadlineFor(
  status: DisputeStatus,
  now: Date,
  windows: DisputeWindows,
): { kind: DeadlineKind; at: Date } | null {
  const kind = deadlineKindOf(status);
  if (kind === null) return null;
  const windowMs = {
    seller_response: windows.sellerResponseWindowMs,
    escalation: windows.escalationWindowMs,
    return_ship: windows.returnShipWindowMs,
    return_confirm: windows.returnConfirmWindowMs,
  }[kind];
  return { kind, at: new Date(now.getTime() + windowMs) };
}

export type DeadlineSkip = 'missing' | 'no_deadline' | 'not_due' | 'stale';
export type DeadlineDecision =
  | { kind: 'skip'; reason: DeadlineSkip }
  /** The seller stayed silent: taken to accept. */
  | { kind: 'accept' }
  /** The return parcel's confirmation window passed: taken as received. */
  | { kind: 'confirm_return' }
  /** Not escalated, or the return never shipped: closed, the hold back to held. */
  | { kind: 'close' };

/**
 * What a deadline job does, decided under the dispute's lock. Anything but an action is a
 * harmless no-op: a job that arrives twice, early, or after the dispute moved on changes nothing.
 */
export function decideDeadline(
  dispute: { status: DisputeStatus; deadlineKind: DeadlineKind | null; deadlineAt: Date | null } | undefined,
  now: Date,
): DeadlineDecision {
  if (!dispute) return { kind: 'skip', reason: 'missing' };
  if (dispute.deadlineKind === null || dispute.deadlineAt === null)
    return { kind: 'skip', reason: 'no_deadline' };
  if (dispute.deadlineKind !== deadlineKindOf(dispute.status)) return { kind: 'skip', reason: 'stale' };
  if (dispute.deadlineAt.getTime() > now.getTime()) return { kind: 'skip', reason: 'not_due' };
  switch (dispute.deadlineKind) {
    case 'seller_response':
      return { kind: 'accept' };
    case 'return_confirm':
      return { kind: 'confirm_return' };
    case 'escalation':
    case 'return_ship':
      return { kind: 'close' };
  }
}

/** Where an accepted dispute goes: first the return of the goods, if asked, else the refund. */
export function afterAccept(returnGoods: boolean): 'awaiting_return' | 'refund' {
  return returnGoods ? 'awaiting_return' : 'refund';
}

/** The final status of a dispute whose refund of `refund` out of `held` is decided. */
export function settledStatus(refund: bigint, held: bigint): 'refunded' | 'partially_refunded' | 'released' {
  if (refund === 0n) return 'released';
  return refund === held ? 'refunded' : 'partially_refunded';
}

/** The ruling's outcome as the resolution shows it, for a refund of `refund` out of `held`. */
export function outcomeOf(refund: bigint, held: bigint): RulingOutcome {
  if (refund === 0n) return 'release';
  return refund === held ? 'refund' : 'partial_refund';
}

export type RulingRefund = { ok: true; refund: bigint } | { ok: false; message: string };

/**
 * The refund an admin's ruling moves: all of the hold for `refund`, none for `release`, and for
 * `partial_refund` the amount given, which must leave something on each side (1 to held − 1).
 */
export function rulingRefund(outcome: RulingOutcome, held: bigint, refundAmount?: bigint): RulingRefund {
  if (outcome === 'refund') return { ok: true, refund: held };
  if (outcome === 'release') return { ok: true, refund: 0n };
  if (refundAmount === undefined)
    return { ok: false, message: 'refund_amount is required for partial_refund' };
  if (refundAmount < 1n || refundAmount > held - 1n) {
    return {
      ok: false,
      message: `refund_amount of a partial_refund must be between 1 and ${held - 1n} (the amount held less 1)`,
    };
  }
  return { ok: true, refund: refundAmount };
}

/** A ruling refunding more than the threshold waits for a second admin and moves no money before. */
export function needsApproval(refund: bigint, threshold: bigint): boolean {
  return refund > threshold;
}

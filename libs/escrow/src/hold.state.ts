import type { OrderStatus } from '@danbao/orders';
import type { HoldStatus } from './hold.types';

/*
 * The hold lifecycle of DESIGN.md and the rules of the escrow use cases, as pure functions: every
 * decision the services take under their row locks is made here, so it can be tested on its own.
 */

const TRANSITIONS: Record<HoldStatus, readonly HoldStatus[]> = {
  held: ['released', 'refunded', 'partially_refunded', 'frozen'],
  frozen: ['held', 'released', 'refunded', 'partially_refunded'],
  released: [],
  refunded: [],
  partially_refunded: [],
};

export function canTransitionHold(from: HoldStatus, to: HoldStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** A hold resolves exactly once: released, refunded or partially refunded are final. */
export function isFinalHold(status: HoldStatus): boolean {
  return TRANSITIONS[status].length === 0;
}

const DAY_MS = 86_400_000;

export const SHIPMENT_METHODS = ['express', 'surface_mail', 'virtual', 'pickup'] as const;
export type ShipmentMethod = (typeof SHIPMENT_METHODS)[number];

/** Methods whose parcel can be tracked: these need a carrier and a tracking number. */
export const TRACKED_METHODS: readonly ShipmentMethod[] = ['express', 'surface_mail'];

/** The days a seller may add to the buyer's receipt deadline (API.md). */
export const SELLER_EXTENSION_DAYS = [3, 5, 7, 10] as const;

export interface ReceiptWindows {
  autoConfirmAfterMs: number;
  autoConfirmSurfaceMailMs: number;
  autoConfirmVirtualMs: number;
  autoConfirmPickupMs: number;
}

/** How long the buyer has to confirm receipt: the order's own days, or the method's default. */
export function receiptWindowMs(
  method: ShipmentMethod,
  autoConfirmDays: number | null,
  windows: ReceiptWindows,
): number {
  if (autoConfirmDays !== null) return autoConfirmDays * DAY_MS;
  switch (method) {
    case 'express':
      return windows.autoConfirmAfterMs;
    case 'surface_mail':
      return windows.autoConfirmSurfaceMailMs;
    case 'virtual':
      return windows.autoConfirmVirtualMs;
    case 'pickup':
      return windows.autoConfirmPickupMs;
  }
}

/** Why a request on an order's hold is refused: the `code` of a 409 answer (API.md). */
export type RefusalCode =
  | 'order_not_paid'
  | 'order_already_shipped'
  | 'order_not_shippable'
  | 'order_not_shipped'
  | 'order_in_dispute'
  | 'order_refunded'
  | 'hold_already_released'
  | 'receipt_already_confirmed'
  | 'receipt_deadline_passed'
  | 'receipt_already_extended';

export type Verdict = { ok: true } | { ok: false; code: RefusalCode };

const ok: Verdict = { ok: true };
const refuse = (code: RefusalCode): Verdict => ({ ok: false, code });

/** The state a shipment, confirmation or extension looks at: the order's status and its hold. */
export interface HoldView {
  status: HoldStatus;
  confirmedAt: Date | null;
}

/** Ending states first (money has moved), then a dispute, then where the order is. */
function settled(orderStatus: OrderStatus, hold: HoldView | undefined): Verdict | undefined {
  if (orderStatus === 'completed' || hold?.status === 'released') return refuse('hold_already_released');
  if (orderStatus === 'refunded' || hold?.status === 'refunded' || hold?.status === 'partially_refunded') {
    return refuse('order_refunded');
  }
  if (hold?.status === 'frozen') return refuse('order_in_dispute');
  return undefined;
}

/** A seller (or the marketplace) ships a paid, undisputed order. */
export function canShip(orderStatus: OrderStatus, hold: HoldView | undefined): Verdict {
  if (orderStatus === 'awaiting_payment') return refuse('order_not_paid');
  if (orderStatus === 'shipped') return refuse('order_already_shipped');
  const ended = settled(orderStatus, hold);
  if (ended) return ended;
  if (orderStatus !== 'paid' || hold?.status !== 'held') return refuse('order_not_shippable');
  return ok;
}

/**
 * The buyer confirms receipt of a shipped order. A second confirmation while the release is
 * still pending is accepted again (the same answer); after the release it is refused.
 */
export function canConfirmReceipt(orderStatus: OrderStatus, hold: HoldView | undefined): Verdict {
  const ended = settled(orderStatus, hold);
  if (ended) return ended;
  if (orderStatus !== 'shipped' || hold?.status !== 'held') return refuse('order_not_shipped');
  return ok;
}

/** The buyer or the seller extends the receipt deadline: once each, only while shipped and undisputed. */
export function canExtendReceipt(
  orderStatus: OrderStatus,
  hold: HoldView | undefined,
  alreadyExtended: boolean,
): Verdict {
  const ended = settled(orderStatus, hold);
  if (ended) return ended;
  if (orderStatus !== 'shipped' || hold?.status !== 'held') return refuse('order_not_shipped');
  if (hold.confirmedAt !== null) return refuse('receipt_already_confirmed');
  if (alreadyExtended) return refuse('receipt_already_extended');
  return ok;
}

export type ReleaseSkip =
  'missing' | 'already_released' | 'resolved' | 'frozen' | 'not_due' | 'order_not_releasable';
export type ReleaseDecision = { kind: 'release' } | { kind: 'skip'; reason: ReleaseSkip };

/** Orders whose hold may be released: shipped ones, and paid ones a later flow releases on purpose. */
const RELEASABLE_ORDER_STATUSES: readonly OrderStatus[] = ['shipped', 'paid'];

/**
 * Whether a release job may release this hold now, decided under the locks of the hold and its
 * order. Anything but a release is a harmless no-op: a job that arrives twice, late or early
 * changes nothing.
 */
export function decideRelease(
  hold: { status: HoldStatus; releaseDueAt: Date | null } | undefined,
  orderStatus: OrderStatus | undefined,
  now: Date,
): ReleaseDecision {
  if (!hold || !orderStatus) return { kind: 'skip', reason: 'missing' };
  if (hold.status === 'released') return { kind: 'skip', reason: 'already_released' };
  if (hold.status === 'frozen') return { kind: 'skip', reason: 'frozen' };
  if (hold.status !== 'held') return { kind: 'skip', reason: 'resolved' };
  if (hold.releaseDueAt === null || hold.releaseDueAt.getTime() > now.getTime()) {
    return { kind: 'skip', reason: 'not_due' };
  }
  if (!RELEASABLE_ORDER_STATUSES.includes(orderStatus))
    return { kind: 'skip', reason: 'order_not_releasable' };
  return { kind: 'release' };
}

export type ExpiryDecision = { kind: 'refund' } | { kind: 'flag' } | { kind: 'none' };

/**
 * What happens to a hold at MAX_HOLD: a never-shipped, undisputed order is refunded to the buyer;
 * any other hold still open is flagged for a person (once).
 */
export function decideExpiry(
  hold: { status: HoldStatus; expiresAt: Date; overdueAt: Date | null },
  orderStatus: OrderStatus,
  now: Date,
): ExpiryDecision {
  if (isFinalHold(hold.status) || hold.expiresAt.getTime() > now.getTime()) return { kind: 'none' };
  if (hold.status === 'held' && orderStatus === 'paid') return { kind: 'refund' };
  return hold.overdueAt === null ? { kind: 'flag' } : { kind: 'none' };
}

/**
 * Whether `hold.expiring` is due: HOLD_EXPIRY_NOTICE before the hold's horizon, or at once when
 * the whole hold is shorter than the notice; once per hold, and only for holds still open.
 */
export function expiryNoticeDue(
  hold: { status: HoldStatus; expiresAt: Date; expiryNotifiedAt: Date | null },
  noticeMs: number,
  now: Date,
): boolean {
  return (
    !isFinalHold(hold.status) &&
    hold.expiryNotifiedAt === null &&
    hold.expiresAt.getTime() - noticeMs <= now.getTime()
  );
}

/**
 * Whether a dispute may freeze the hold: only a held hold whose receipt the buyer has not already
 * confirmed and whose receipt deadline has not passed (either makes the release due: money on its
 * way to the seller, which a late dispute must not stop — the dispute loses that race, T14).
 */
export function canFreeze(
  orderStatus: OrderStatus,
  hold: (HoldView & { releaseDueAt: Date | null }) | undefined,
  now: Date,
): Verdict {
  const ended = settled(orderStatus, hold);
  if (ended) return ended;
  if (orderStatus === 'awaiting_payment') return refuse('order_not_paid');
  if (hold?.status !== 'held' || (orderStatus !== 'paid' && orderStatus !== 'shipped')) {
    return refuse('order_not_shippable');
  }
  if (hold.confirmedAt !== null) return refuse('receipt_already_confirmed');
  if (hold.releaseDueAt !== null && hold.releaseDueAt.getTime() <= now.getTime()) {
    return refuse('receipt_deadline_passed');
  }
  return ok;
}

export interface HoldSplit {
  status: 'released' | 'refunded' | 'partially_refunded';
  /** Back to the buyer, through the payment's channel. */
  refund: bigint;
  /** Released to the seller, before the fee. */
  releasedGross: bigint;
  fee: bigint;
  /** Released to the seller, after the fee. */
  net: bigint;
}

/**
 * How a hold ends when part of it (0 to all) goes back to the buyer: the rest is released to the
 * seller, with the fee charged on the released part only. Throws on a refund outside 0..amount.
 */
export function splitResolution(
  amount: bigint,
  refund: bigint,
  fee: (releasedGross: bigint) => { fee: bigint; net: bigint },
): HoldSplit {
  if (refund < 0n || refund > amount) {
    throw new RangeError(`A refund of ${refund} is outside 0..${amount}, the amount held.`);
  }
  const releasedGross = amount - refund;
  const released = releasedGross > 0n ? fee(releasedGross) : { fee: 0n, net: 0n };
  return {
    status: refund === amount ? 'refunded' : refund === 0n ? 'released' : 'partially_refunded',
    refund,
    releasedGross,
    fee: released.fee,
    net: released.net,
  };
}

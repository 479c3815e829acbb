import { toJsonAmount } from '@danbao/money';
import type { HoldSummary } from '@danbao/orders';

export const HOLD_STATUSES = ['held', 'frozen', 'released', 'refunded', 'partially_refunded'] as const;
export type HoldStatus = (typeof HOLD_STATUSES)[number];

export interface Hold {
  id: string;
  orderId: string;
  sellerId: string;
  amount: bigint;
  currency: string;
  feeBps: number;
  status: HoldStatus;
  fee: bigint;
  released: bigint;
  /** Confirmed by the channel as back with the buyer. */
  refunded: bigint;
  /** Decided to go back to the buyer (refunded once the channel confirms all of it). */
  refundDue: bigint;
  paymentId: string;
  /** The payment channel the money came through (and goes back through). */
  channel: string;
  expiresAt: Date;
  createdAt: Date;
  updatedAt: Date;
  resolvedAt: Date | null;
  /** When the release falls due: the receipt deadline, or the buyer's confirmation. */
  releaseDueAt: Date | null;
  /** When the buyer confirmed receipt (null before, and for releases by deadline). */
  confirmedAt: Date | null;
  /** When `hold.expiring` was recorded. */
  expiryNotifiedAt: Date | null;
  /** When the hold was flagged past MAX_HOLD for a person to look at. */
  overdueAt: Date | null;
  /** When a dispute froze it (null while not frozen). */
  frozenAt: Date | null;
  /** What was left of the receipt deadline when it was frozen (null: no deadline ran). */
  deadlineLeftMs: number | null;
}

/** A successful payment whose money escrow takes in: one hold per order it paid. */
export interface PayIn {
  paymentId: string;
  channel: string;
  amount: bigint;
  currency: string;
  orders: { orderId: string; sellerId: string; amount: bigint; feeBps: number }[];
}

/** A hold as events and the admin API show it (API.md, Events): amounts are JSON integers. */
export interface HoldObject {
  id: string;
  order_id: string;
  amount: number;
  fee: number;
  net: number;
  refunded: number;
  currency: string;
  status: HoldStatus;
}

export function toHoldObject(hold: Hold): HoldObject {
  return {
    id: hold.id,
    order_id: hold.orderId,
    amount: toJsonAmount(hold.amount),
    fee: toJsonAmount(hold.fee),
    net: toJsonAmount(hold.released),
    refunded: toJsonAmount(hold.refunded),
    currency: hold.currency,
    status: hold.status,
  };
}

/** What the order resource embeds about its hold (API.md). */
export function toHoldSummary(hold: Hold): HoldSummary {
  return {
    amount: toJsonAmount(hold.amount),
    released: toJsonAmount(hold.released),
    refunded: toJsonAmount(hold.refunded),
    status: hold.status,
  };
}

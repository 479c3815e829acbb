import { toJsonAmount } from '@danbao/money';
import type { PayoutMethod, PayoutStatus } from './payout.state';

export interface Payout {
  id: string;
  sellerId: string;
  currency: string;
  amount: bigint;
  status: PayoutStatus;
  method: PayoutMethod;
  /** The daily run that made it (UTC date), null for a manual payout. */
  runDate: string | null;
  /** Where it starts in the sum of every credit to the seller's available balance (what it settles). */
  settlesFrom: bigint;
  channel: string;
  channelReference: string | null;
  failureCode: string | null;
  sentAt: Date | null;
  resolvedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A payout as the API, the console and its events show it. */
export function toPayoutObject(payout: Payout) {
  return {
    id: payout.id,
    object: 'payout' as const,
    seller_id: payout.sellerId,
    amount: toJsonAmount(payout.amount),
    currency: payout.currency,
    status: payout.status,
    method: payout.method,
    failure_code: payout.failureCode,
    created_at: new Date(payout.createdAt).toISOString(),
    paid_at: payout.status === 'paid' && payout.resolvedAt ? new Date(payout.resolvedAt).toISOString() : null,
    failed_at:
      payout.status === 'failed' && payout.resolvedAt ? new Date(payout.resolvedAt).toISOString() : null,
  };
}

export type PayoutObject = ReturnType<typeof toPayoutObject>;

/** One credit (a part of it) that a payout pays out, traced to its order. */
export interface SettledCredit {
  entryId: string;
  transactionId: string;
  /** `sale` (released funds that matured) or `payout_returned` (a failed payout's money back). */
  type: 'sale' | 'payout_returned' | 'adjustment';
  orderId: string | null;
  payoutId: string | null;
  amount: bigint;
}

/** A seller's money in one currency, in minor units (API.md `GET /v1/balance`). */
export interface SellerBalance {
  currency: string;
  incoming: bigint;
  available: bigint;
  inPayout: bigint;
  /** What the seller owes (a refund after release not yet netted): zero or positive. */
  owed: bigint;
}

import { toJsonAmount } from '@danbao/money';

export type RefundStatus = 'requested' | 'succeeded' | 'failed';
/**
 * Where a refund's money came from: `suspense` (a captured payment no order could take), `escrow`
 * (an order's held funds; escrow books it out) or `released` (money already released to the seller,
 * taken back by settlement into `suspense:<payment>`). Suspense and released refunds wait in
 * `suspense:<payment>` until the channel confirms them, and this lib books them out.
 */
export type RefundSource = 'suspense' | 'escrow' | 'released';

export interface Refund {
  id: string;
  paymentId: string;
  channel: string;
  source: RefundSource;
  orderId: string | null;
  amount: bigint;
  currency: string;
  status: RefundStatus;
  reason: string;
  /** The failed refund this one retries (an admin's retry), if any. */
  retryOf: string | null;
  failureCode: string | null;
  channelReference: string | null;
  sentAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A refund as admins and the `refund.failed` event show it (amounts as JSON integers). */
export function toRefundObject(refund: Refund) {
  return {
    id: refund.id,
    object: 'refund' as const,
    status: refund.status,
    amount: toJsonAmount(refund.amount),
    currency: refund.currency,
    reason: refund.reason,
    failure_code: refund.failureCode,
    payment_id: refund.paymentId,
    order_id: refund.orderId,
    source: refund.source,
    retry_of: refund.retryOf,
    created_at: new Date(refund.createdAt).toISOString(),
  };
}

export type RefundObject = ReturnType<typeof toRefundObject>;

/** A refund's result as the channel's notification tells it. */
export interface RefundResult {
  succeeded: boolean;
  amount: bigint;
  currency: string;
  channelReference: string;
  failureCode?: string;
}

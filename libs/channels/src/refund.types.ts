export type RefundStatus = 'requested' | 'succeeded' | 'failed';
/** Where a refund's money waits until the channel confirms it. */
export type RefundSource = 'suspense';

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
  failureCode: string | null;
  channelReference: string | null;
  sentAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A refund's result as the channel's notification tells it. */
export interface RefundResult {
  succeeded: boolean;
  amount: bigint;
  currency: string;
  channelReference: string;
  failureCode?: string;
}

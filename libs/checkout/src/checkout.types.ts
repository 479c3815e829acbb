export type SessionStatus = 'open' | 'paid' | 'expired';
export type PaymentStatus = 'processing' | 'succeeded' | 'failed';

export interface CheckoutSession {
  id: string;
  kind: 'order' | 'cart';
  buyerId: string;
  amount: bigint;
  currency: string;
  status: SessionStatus;
  returnUrl: string | null;
  paymentId: string | null;
  expiresAt: Date;
  paidAt: Date | null;
  createdAt: Date;
  orderIds: string[];
}

export interface Payment {
  id: string;
  sessionId: string;
  channel: string;
  amount: bigint;
  currency: string;
  status: PaymentStatus;
  cardBrand: string;
  cardLast4: string;
  failureCode: string | null;
  channelReference: string | null;
  /** Every reason the payment was flagged for review, oldest first (empty: never flagged). */
  reviewReasons: string[];
  createdAt: Date;
  updatedAt: Date;
}

import type { OrderStatus } from './order.state';

/** What an order shows of its latest payment (`latest_payment` in API.md); kept on the order row. */
export interface PaymentSummary {
  id: string;
  status: 'processing' | 'succeeded' | 'failed';
  card_brand: string;
  card_last4: string;
  failure_code?: string;
}

export interface Order {
  id: string;
  buyerId: string;
  sellerId: string;
  amount: bigint;
  currency: string;
  description: string;
  feeBps: number;
  autoConfirmDays: number | null;
  returnUrl: string | null;
  metadata: Record<string, string> | null;
  status: OrderStatus;
  checkoutSessionId: string;
  /** The latest payment submitted for this order (its own session or a cart), as it stands. */
  latestPayment: PaymentSummary | null;
  pendingPaymentId: string | null;
  shipmentMethod: string | null;
  shipmentCarrier: string | null;
  shipmentTrackingNumber: string | null;
  shippedAt: Date | null;
  autoConfirmAt: Date | null;
  buyerExtended: boolean;
  sellerExtended: boolean;
  paidAt: Date | null;
  cancelledAt: Date | null;
  expiredAt: Date | null;
  completedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewOrder {
  id: string;
  buyerId: string;
  sellerId: string;
  amount: bigint;
  currency: string;
  description: string;
  feeBps: number;
  autoConfirmDays: number | null;
  returnUrl: string | null;
  metadata: Record<string, string> | null;
  checkoutSessionId: string;
}

export interface OrderFilter {
  buyerId?: string;
  sellerId?: string;
  status?: OrderStatus;
}

export interface Page<T> {
  data: T[];
  hasMore: boolean;
}

/** The shipment an order records when it ships. */
export interface Shipment {
  method: string;
  carrier: string | null;
  trackingNumber: string | null;
}

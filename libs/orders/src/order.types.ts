import type { OrderStatus } from './order.state';

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
  latestPaymentId: string | null;
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

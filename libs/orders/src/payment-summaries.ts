import { type Tx } from '@danbao/platform';
import type { PaymentSummary } from './order.resource';

/**
 * The `latest_payment` of order objects, for the domains that write order events but do not own
 * payments (escrow ships and completes orders). Checkout owns the payments and provides this
 * under PAYMENT_SUMMARIES, so every event shows the order as GET /v1/orders/:id does.
 */
export interface PaymentSummaries {
  /** The summaries of these payments, by id; ids without a payment are left out. */
  byId(tx: Tx, paymentIds: string[]): Promise<Map<string, PaymentSummary>>;
}

export const PAYMENT_SUMMARIES = Symbol('PAYMENT_SUMMARIES');

/** The order's latest payment out of a `byId` answer (undefined before the buyer submitted). */
export function latestPaymentOf(
  summaries: Map<string, PaymentSummary>,
  order: { latestPaymentId: string | null },
): PaymentSummary | undefined {
  return order.latestPaymentId ? summaries.get(order.latestPaymentId) : undefined;
}

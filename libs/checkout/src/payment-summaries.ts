import type { PaymentSummaries, PaymentSummary } from '@danbao/orders';
import { CheckoutRepository } from './checkout.repository';
import type { Payment } from './checkout.types';

/** A payment as order objects show it (`latest_payment`). */
export function paymentSummary(payment: Payment): PaymentSummary {
  return {
    id: payment.id,
    status: payment.status,
    card_brand: payment.cardBrand,
    card_last4: payment.cardLast4,
    ...(payment.failureCode ? { failure_code: payment.failureCode } : {}),
  };
}

const repository = new CheckoutRepository();

/** Payments are checkout's rows: their summaries, one query for any number of them. */
export const checkoutPaymentSummaries: PaymentSummaries = {
  async byId(tx, paymentIds) {
    const payments = await repository.findPayments(tx, [...new Set(paymentIds)]);
    return new Map(payments.map((payment) => [payment.id, paymentSummary(payment)]));
  },
};

import type { PaymentSummary } from '@danbao/orders';
import type { Payment } from './checkout.types';

/** A payment as order objects show it (`latest_payment`); kept on the order row by checkout. */
export function paymentSummary(payment: Payment): PaymentSummary {
  return {
    id: payment.id,
    status: payment.status,
    card_brand: payment.cardBrand,
    card_last4: payment.cardLast4,
    ...(payment.failureCode ? { failure_code: payment.failureCode } : {}),
  };
}

import { Global, Module } from '@nestjs/common';
import { PAYMENT_SUMMARIES } from '@danbao/orders';
import { checkoutPaymentSummaries } from './payment-summaries';

/**
 * Global, because escrow (which checkout builds on, so cannot import) writes order events that
 * show the latest payment.
 */
@Global()
@Module({
  providers: [{ provide: PAYMENT_SUMMARIES, useValue: checkoutPaymentSummaries }],
  exports: [PAYMENT_SUMMARIES],
})
export class PaymentSummariesModule {}

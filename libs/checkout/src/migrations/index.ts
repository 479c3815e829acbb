import { Checkout1764000430000 } from './1764000430000-checkout';
import { BackfillOrderLatestPayment1764000600100 } from './1764000600100-backfill-order-latest-payment';
import { PaymentReviewReasons1764000700100 } from './1764000700100-payment-review-reasons';

export const checkoutMigrations = [
  Checkout1764000430000,
  BackfillOrderLatestPayment1764000600100,
  PaymentReviewReasons1764000700100,
];

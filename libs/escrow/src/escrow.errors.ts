import { DomainError } from '@danbao/platform';
import type { RefusalCode } from './hold.state';

const MESSAGES: Record<RefusalCode, string> = {
  order_not_paid: 'The order has not been paid yet.',
  order_already_shipped: 'The order has already been shipped.',
  order_not_shippable: 'The order can no longer be shipped.',
  order_not_shipped: 'The order has not been shipped, so its receipt cannot be confirmed or extended.',
  order_in_dispute: 'A dispute is open on this order.',
  order_refunded: 'The order has been refunded.',
  hold_already_released: 'The held funds of this order have already been released.',
  receipt_already_confirmed: 'The buyer has already confirmed receipt of this order.',
  receipt_deadline_passed: 'The receipt deadline has passed; the held funds are being released.',
  receipt_already_extended: 'The receipt deadline has already been extended once by this party.',
};

/** A request the order's state does not allow: 409 with a code saying which rule (API.md). */
export class EscrowStateError extends DomainError {
  constructor(readonly refusal: RefusalCode) {
    super(409, refusal, MESSAGES[refusal]);
  }
}

/** A seller's extension of a number of days that API.md does not offer. */
export class InvalidExtensionError extends DomainError {
  constructor(message: string) {
    super(400, 'parameter_invalid', message, 'days');
  }
}

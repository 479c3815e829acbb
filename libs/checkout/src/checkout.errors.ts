import { DomainError } from '@danbao/platform';

export class CartError extends DomainError {}

export const cartErrors = {
  mixedBuyers: () =>
    new CartError(400, 'cart_mixed_buyers', 'All orders of a cart must belong to one buyer.', 'order_ids'),
  mixedCurrencies: () =>
    new CartError(400, 'cart_mixed_currencies', 'All orders of a cart must be in one currency.', 'order_ids'),
  unknownOrder: (id: string) => new CartError(404, 'resource_missing', `No such order: ${id}.`, 'order_ids'),
  notPayable: (id: string) => new CartError(409, 'order_not_payable', `Order ${id} is not awaiting payment.`),
};

/** Refusals of a notification that is not authentic or not well-formed: 400, nothing stored. */
export class NotificationRejectedError extends DomainError {
  constructor(reason: string) {
    super(400, 'notification_rejected', `Notification rejected: ${reason}.`);
  }
}

/** A notification to a channel we do not have: 404 (API.md: unknown is not found), nothing stored. */
export class UnknownChannelError extends DomainError {
  constructor(channel: string) {
    super(404, 'resource_missing', `No such payment channel: ${channel}.`, 'channel');
  }
}

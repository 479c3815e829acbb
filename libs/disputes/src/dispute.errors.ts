import { DomainError } from '@danbao/platform';
import type { DisputeRefusalCode } from './dispute.state';

const MESSAGES: Record<DisputeRefusalCode, string> = {
  dispute_already_open: 'A dispute is already open on this order.',
  dispute_limit_reached: 'This order has had two disputes, the most a buyer may open.',
  dispute_not_open: 'This dispute has ended.',
  dispute_not_awaiting_seller: "This dispute no longer waits for the seller's answer.",
  dispute_not_awaiting_return: 'This dispute does not wait for a return shipment.',
  dispute_not_awaiting_return_confirmation: 'This dispute does not wait for a returned parcel.',
  dispute_not_rejected: 'Only a dispute the seller rejected can be escalated.',
  dispute_not_withdrawable: 'This dispute can no longer be withdrawn.',
  dispute_not_escalated: 'Only an escalated dispute can be resolved by an admin.',
  dispute_not_awaiting_approval: 'This dispute has no ruling waiting for approval.',
  dispute_already_resolved: 'This dispute has already been resolved.',
};

export class DisputeNotFoundError extends DomainError {
  constructor(param = 'id') {
    super(404, 'resource_missing', 'No such dispute.', param);
  }
}

/** A request the dispute's (or its order's) state does not allow: 409 with a code naming the rule. */
export class DisputeStateError extends DomainError {
  constructor(
    readonly refusal: DisputeRefusalCode,
    message = MESSAGES[refusal],
  ) {
    super(409, refusal, message);
  }
}

/** A role that may never take this action on a dispute. */
export class DisputeForbiddenError extends DomainError {
  constructor(message = 'This role may not take this action on a dispute.') {
    super(403, 'forbidden', message);
  }
}

/** A value the dispute's money does not allow (a refund above the amount held): 400 naming the field. */
export class DisputeInputError extends DomainError {
  constructor(message: string, param: string) {
    super(400, 'parameter_invalid', message, param);
  }
}

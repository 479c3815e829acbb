import { DomainError } from '@danbao/platform';

export class OrderNotFoundError extends DomainError {
  constructor(param = 'id') {
    super(404, 'resource_missing', 'No such order.', param);
  }
}

/** A new order the platform refuses (400, naming the field). */
export class InvalidOrderError extends DomainError {
  constructor(code: string, message: string, param: string) {
    super(400, code, message, param);
  }
}

/** The order is not in a state that allows this (409, with a code saying which rule). */
export class OrderStateError extends DomainError {
  constructor(code: string, message: string) {
    super(409, code, message);
  }
}

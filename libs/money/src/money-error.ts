/**
 * Money's own error for a value a request gave that is not valid money: `code` is API.md's error
 * code and `param` names the field. Money imports nothing of the project, so this is a plain
 * Error; the platform's HTTP error mapping recognizes its shape (an `InvalidParameter`) and answers
 * 400 `parameter_invalid` naming the field.
 */
export class MoneyError extends Error {
  constructor(
    readonly code: 'parameter_invalid',
    message: string,
    readonly param: string,
  ) {
    super(message);
    this.name = 'MoneyError';
  }
}

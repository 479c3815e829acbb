// Proves the one mapping from errors to API.md's error answer for an error of a lib that cannot
// extend ApiError (libs/money imports nothing of the project): the InvalidParameter shape answers
// 400 naming the field, and errors that merely carry a `code` (a driver's, the system's) stay 500s.
// Real: toErrorBody; the errors are plain Errors shaped as such a lib throws them.
import { ApiError, DomainError } from './api-error';
import { isInvalidParameter, toErrorBody } from './api-exception.filter';

class ShapedLikeMoneyError extends Error {
  readonly code = 'parameter_invalid';
  constructor(
    message: string,
    readonly param: string,
  ) {
    super(message);
  }
}

const internalError = {
  status: 500,
  headers: {},
  body: {
    error: { type: 'api_error', code: 'internal_error', message: 'Something went wrong on our side.' },
  },
};

describe('toErrorBody', () => {
  it('answers an InvalidParameter as the 400 parameter_invalid an ApiError would, naming the field', () => {
    const sut = toErrorBody(new ShapedLikeMoneyError('amount must be a whole number.', 'refund_amount'));
    expect(sut).toEqual(
      toErrorBody(
        new DomainError(400, 'parameter_invalid', 'amount must be a whole number.', 'refund_amount'),
      ),
    );
    expect(sut).toEqual({
      status: 400,
      headers: {},
      body: {
        error: {
          type: 'invalid_request_error',
          code: 'parameter_invalid',
          message: 'amount must be a whole number.',
          param: 'refund_amount',
        },
      },
    });
  });

  it('keeps an ApiError with code parameter_invalid as it is (its own status and headers)', () => {
    const error = new ApiError(422, 'parameter_invalid', 'Mismatch.', 'amount', { 'x-why': 'test' });
    expect(toErrorBody(error)).toMatchObject({ status: 422, headers: { 'x-why': 'test' } });
  });

  it.each([
    [
      'a database error with a code and no param',
      Object.assign(new Error('Duplicate entry'), { code: 'ER_DUP_ENTRY' }),
    ],
    ['a system error', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })],
    [
      'another code with a param',
      Object.assign(new Error('x'), { code: 'amount_too_large', param: 'amount' }),
    ],
    [
      'parameter_invalid with a non-string param',
      Object.assign(new Error('x'), { code: 'parameter_invalid', param: 1 }),
    ],
    [
      'a plain object of the right shape (not an Error)',
      { code: 'parameter_invalid', param: 'amount', message: 'x' },
    ],
  ])('answers %s as 500, not as a client error', (_label, error) => {
    expect(isInvalidParameter(error)).toBe(false);
    expect(toErrorBody(error)).toEqual(internalError);
  });
});

// Proves that money's errors for invalid amounts and currencies answer HTTP 400
// invalid_request_error, parameter_invalid, naming the field, as they did when they extended the
// platform's DomainError: money imports nothing of the project, so this is where both meet.
// Real: libs/money's parsers and the platform's toErrorBody (what the exception filter answers).
import {
  InvalidAmountError,
  InvalidCurrencyError,
  MoneyError,
  parseAmount,
  parseCurrency,
} from '@danbao/money';
import { isInvalidParameter, toErrorBody } from '@danbao/platform';

function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('money errors over HTTP', () => {
  it.each([
    ['a negative amount', -1],
    ['zero', 0],
    ['a fractional minor unit', 0.5],
    ['a decimal string', '10.00'],
    ['null', null],
    ['a bigint (never produced by JSON)', 5n],
    ['10^12 + 1', 1_000_000_000_001],
  ])('answers an amount that is %s with 400 parameter_invalid naming the field', (_label, value) => {
    const error = thrownBy(() => parseAmount(value, 'refund_amount'));
    expect(error).toBeInstanceOf(InvalidAmountError);
    expect(error).toBeInstanceOf(MoneyError);
    expect(isInvalidParameter(error)).toBe(true);
    const sut = toErrorBody(error);
    expect(sut.status).toBe(400);
    expect(sut.body.error).toEqual({
      type: 'invalid_request_error',
      code: 'parameter_invalid',
      message: (error as Error).message,
      param: 'refund_amount',
    });
  });

  it.each([
    ['lower case', 'cny'],
    ['not configured', 'KWD'],
    ['a number', 156],
  ])('answers a currency that is %s with 400 parameter_invalid naming the field', (_label, value) => {
    const error = thrownBy(() => parseCurrency(value, ['CNY', 'USD'], 'currency'));
    expect(error).toBeInstanceOf(InvalidCurrencyError);
    const sut = toErrorBody(error);
    expect(sut.status).toBe(400);
    expect(sut.body.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'parameter_invalid',
      param: 'currency',
    });
  });
});

import { InvalidAmountError, InvalidCurrencyError, parseAmount, parseCurrency } from './amount';
import { MoneyError } from './money-error';

// What these errors answer over HTTP (400 invalid_request_error, parameter_invalid, the field in
// param) is proved where money meets the platform: apps/api/src/common/money-errors.spec.ts.

describe('parseAmount', () => {
  it('accepts whole numbers from 1 to 10^12 and returns them as bigint', () => {
    expect(parseAmount(1)).toBe(1n);
    expect(parseAmount(1999)).toBe(1999n);
    expect(parseAmount(1e3)).toBe(1000n);
    expect(parseAmount(1_000_000_000_000)).toBe(1_000_000_000_000n);
  });

  it.each([
    ['a negative amount', -1],
    ['zero', 0],
    ['negative zero', -0],
    ['a fractional minor unit', 0.5],
    ['a fraction above one', 19.99],
    ['a decimal string', '10.00'],
    ['a digit string', '5'],
    ['a signed string', '+5'],
    ['an empty string', ''],
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
    ['null', null],
    ['undefined', undefined],
    ['true', true],
    ['false', false],
    ['a bigint (never produced by JSON)', 5n],
    ['an object', { amount: 5 }],
    ['an array', [5]],
    ['10^12 + 1', 1_000_000_000_001],
    ['2^53 + 1', 2 ** 53 + 1],
    ['10^20', 1e20],
  ])('refuses %s with parameter_invalid naming the field', (_label, value) => {
    let thrown: unknown;
    try {
      parseAmount(value, 'refund_amount');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidAmountError);
    expect(thrown).toBeInstanceOf(MoneyError);
    expect(thrown).toMatchObject({ code: 'parameter_invalid', param: 'refund_amount' });
  });

  it('uses the bounds a route gives instead of the defaults', () => {
    expect(parseAmount(10, 'amount', { max: 10n })).toBe(10n);
    expect(() => parseAmount(11, 'amount', { max: 10n })).toThrow(InvalidAmountError);
    expect(() => parseAmount(4, 'amount', { min: 5n })).toThrow(InvalidAmountError);
  });

  it('names the field "amount" when the caller does not say', () => {
    expect(() => parseAmount('1')).toThrow(expect.objectContaining({ param: 'amount' }));
  });
});

describe('parseCurrency', () => {
  const configured = ['CNY', 'USD', 'EUR', 'JPY'];

  it('accepts a configured, known currency', () => {
    expect(parseCurrency('CNY', configured)).toBe('CNY');
    expect(parseCurrency('JPY', configured)).toBe('JPY');
  });

  it.each([
    ['lower case', 'cny'],
    ['not configured', 'KWD'],
    ['unknown to Danbao even if configured', 'XXX'],
    ['too long', 'CNYY'],
    ['a number', 156],
    ['null', null],
  ])('refuses a currency that is %s with parameter_invalid', (_label, value) => {
    const withUnknown = [...configured, 'XXX'];
    expect(() => parseCurrency(value, withUnknown)).toThrow(InvalidCurrencyError);
    expect(() => parseCurrency(value, withUnknown)).toThrow(MoneyError);
    expect(() => parseCurrency(value, withUnknown, 'currency')).toThrow(
      expect.objectContaining({ code: 'parameter_invalid', param: 'currency' }),
    );
  });
});

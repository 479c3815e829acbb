import { CURRENCY_EXPONENTS, currencyExponent, UnknownCurrencyError } from './currency';
import { splitFee } from './fees';
import { toJsonAmount } from './json';
import { CurrencyMismatchError, Money } from './money';

describe('currencyExponent', () => {
  it('knows the exponents of the issue: CNY/USD/EUR 2, JPY/KRW 0, KWD/BHD 3', () => {
    expect(['CNY', 'USD', 'EUR', 'JPY', 'KRW', 'KWD', 'BHD'].map(currencyExponent)).toEqual([
      2, 2, 2, 0, 0, 3, 3,
    ]);
  });

  it('throws for a code it does not know, including prototype keys', () => {
    expect(() => currencyExponent('XXX')).toThrow(UnknownCurrencyError);
    expect(() => currencyExponent('toString')).toThrow(UnknownCurrencyError);
    expect(() => currencyExponent('cny')).toThrow(UnknownCurrencyError);
  });

  it('cannot be changed at run time', () => {
    expect(Object.isFrozen(CURRENCY_EXPONENTS)).toBe(true);
  });
});

describe('Money', () => {
  it('adds and subtracts amounts of one currency into new values, leaving the operands alone', () => {
    const sut = Money.of(1999n, 'CNY');
    const sum = sut.add(Money.of(1n, 'CNY'));
    expect(sum.amount).toBe(2000n);
    expect(sut.subtract(Money.of(2000n, 'CNY')).amount).toBe(-1n);
    expect(sut.amount).toBe(1999n);
    expect(sum).not.toBe(sut);
  });

  it('refuses to combine currencies', () => {
    const sut = Money.of(1n, 'CNY');
    expect(() => sut.add(Money.of(1n, 'USD'))).toThrow(CurrencyMismatchError);
    expect(() => sut.compare(Money.of(1n, 'USD'))).toThrow(CurrencyMismatchError);
  });

  it('is immutable', () => {
    const sut = Money.of(5n, 'JPY');
    expect(() => {
      (sut as { amount: bigint }).amount = 6n;
    }).toThrow(TypeError);
    expect(sut.amount).toBe(5n);
  });

  it('refuses a number amount and an unknown currency', () => {
    expect(() => new Money(19.99 as unknown as bigint, 'CNY')).toThrow(TypeError);
    expect(() => Money.of(1n, 'XXX')).toThrow(UnknownCurrencyError);
  });

  it('compares, tests sign and equality', () => {
    const sut = Money.of(10n, 'EUR');
    expect(sut.compare(Money.of(11n, 'EUR'))).toBe(-1);
    expect(sut.compare(Money.of(10n, 'EUR'))).toBe(0);
    expect(sut.compare(Money.of(9n, 'EUR'))).toBe(1);
    expect(sut.equals(Money.of(10n, 'EUR'))).toBe(true);
    expect(sut.equals(Money.of(10n, 'USD'))).toBe(false);
    expect(Money.zero('EUR').isZero()).toBe(true);
    expect(sut.negate().isNegative()).toBe(true);
    expect(sut.isPositive()).toBe(true);
  });

  it('formats, splits its fee and serialises as API.md money', () => {
    const sut = Money.of(1999n, 'CNY');
    expect(sut.format()).toBe('¥19.99');
    expect(sut.splitFee(200)).toEqual({ fee: Money.of(40n, 'CNY'), net: Money.of(1959n, 'CNY') });
    expect(JSON.stringify(sut)).toBe('{"amount":1999,"currency":"CNY"}');
    expect(String(sut)).toBe('1999 CNY');
  });
});

describe('splitFee', () => {
  it.each([
    // amount, bps, fee: half-up at exactly half a minor unit, down below it.
    [1999n, 200, 40n], // 39.98 → 40
    [25n, 200, 1n], // 0.5 → 1 (half-up)
    [24n, 200, 0n], // 0.48 → 0
    [75n, 200, 2n], // 1.5 → 2
    [1n, 5000, 1n], // 0.5 → 1
    [1n, 4999, 0n], // 0.4999 → 0
    [0n, 200, 0n],
    [1000n, 0, 0n],
    [1000n, 10_000, 1000n],
    [1_000_000_000_000n, 1, 100_000_000n],
  ])('charges %s at %s bps a fee of %s and the rest as net', (amount, bps, fee) => {
    expect(splitFee(amount, bps)).toEqual({ fee, net: amount - fee });
  });

  it.each([[-1], [10_001], [1.5], [NaN]])('refuses fee_bps %s', (bps) => {
    expect(() => splitFee(100n, bps)).toThrow(RangeError);
  });

  it('refuses a negative or non-bigint amount', () => {
    expect(() => splitFee(-1n, 200)).toThrow(RangeError);
    expect(() => splitFee(100 as unknown as bigint, 200)).toThrow(RangeError);
  });
});

describe('toJsonAmount', () => {
  it('returns the exact number for API-sized amounts', () => {
    expect(toJsonAmount(1_000_000_000_000n)).toBe(1_000_000_000_000);
    expect(toJsonAmount(-5n)).toBe(-5);
  });

  it('throws instead of rounding beyond 2^53 - 1', () => {
    expect(toJsonAmount(BigInt(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => toJsonAmount(BigInt(Number.MAX_SAFE_INTEGER) + 1n)).toThrow(RangeError);
  });
});

import { currencyExponent } from './currency';
import { splitFee } from './fees';
import { formatMoney } from './format';
import { toJsonAmount } from './json';

/** Thrown when two amounts of different currencies are combined: a programming error. */
export class CurrencyMismatchError extends Error {
  constructor(left: string, right: string) {
    super(`Cannot combine ${left} and ${right} amounts.`);
    this.name = 'CurrencyMismatchError';
  }
}

/**
 * An amount of money: integer minor units as a bigint and an ISO 4217 currency Danbao knows.
 * Immutable; arithmetic only between amounts of the same currency, and never through a float.
 */
export class Money {
  readonly amount: bigint;
  readonly currency: string;

  constructor(amount: bigint, currency: string) {
    if (typeof amount !== 'bigint') throw new TypeError(`Money needs a bigint amount, got ${typeof amount}.`);
    currencyExponent(currency);
    this.amount = amount;
    this.currency = currency;
    Object.freeze(this);
  }

  static of(amount: bigint, currency: string): Money {
    return new Money(amount, currency);
  }

  static zero(currency: string): Money {
    return new Money(0n, currency);
  }

  add(other: Money): Money {
    return new Money(this.amount + this.sameCurrency(other).amount, this.currency);
  }

  subtract(other: Money): Money {
    return new Money(this.amount - this.sameCurrency(other).amount, this.currency);
  }

  negate(): Money {
    return new Money(-this.amount, this.currency);
  }

  isZero(): boolean {
    return this.amount === 0n;
  }

  isPositive(): boolean {
    return this.amount > 0n;
  }

  isNegative(): boolean {
    return this.amount < 0n;
  }

  /** -1, 0 or 1; only for the same currency. */
  compare(other: Money): -1 | 0 | 1 {
    const otherAmount = this.sameCurrency(other).amount;
    return this.amount < otherAmount ? -1 : this.amount > otherAmount ? 1 : 0;
  }

  equals(other: Money): boolean {
    return this.currency === other.currency && this.amount === other.amount;
  }

  /** The platform fee and the seller's net of this amount (see splitFee). */
  splitFee(feeBps: number): { fee: Money; net: Money } {
    const { fee, net } = splitFee(this.amount, feeBps);
    return { fee: new Money(fee, this.currency), net: new Money(net, this.currency) };
  }

  /** As pages show it: ¥19.99, ¥1,999, $19.99, €19.99. */
  format(): string {
    return formatMoney(this.amount, this.currency);
  }

  /** API.md's money object; the amount as a JSON integer (exact for amounts up to 2^53 - 1). */
  toJSON(): { amount: number; currency: string } {
    return { amount: toJsonAmount(this.amount), currency: this.currency };
  }

  toString(): string {
    return `${this.amount} ${this.currency}`;
  }

  private sameCurrency(other: Money): Money {
    if (other.currency !== this.currency) throw new CurrencyMismatchError(this.currency, other.currency);
    return other;
  }
}

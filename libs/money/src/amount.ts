import { isKnownCurrency } from './currency';
import { MoneyError } from './money-error';

/** API.md: an amount is an integer of minor units, 1 ≤ amount ≤ 10^12 unless a route says otherwise. */
export const MIN_API_AMOUNT = 1n;
export const MAX_API_AMOUNT = 1_000_000_000_000n;

/** 400 parameter_invalid, naming the field: an amount in a request that is not a valid amount. */
export class InvalidAmountError extends MoneyError {
  constructor(param: string, message: string) {
    super('parameter_invalid', message, param);
    this.name = 'InvalidAmountError';
  }
}

/** 400 parameter_invalid, naming the field: a currency that is malformed or not configured. */
export class InvalidCurrencyError extends MoneyError {
  constructor(param: string, message: string) {
    super('parameter_invalid', message, param);
    this.name = 'InvalidCurrencyError';
  }
}

export interface AmountBounds {
  /** Smallest accepted amount (default 1). */
  min?: bigint;
  /** Largest accepted amount (default 10^12). */
  max?: bigint;
}

/**
 * Reads an amount from a parsed JSON body. Only a JSON number that is a whole number within the
 * bounds passes: strings ("10.00", "5"), fractions (0.5), NaN, Infinity, null, booleans, zero,
 * negatives and anything above 10^12 are refused with InvalidAmountError. Numbers up to 10^12 are
 * exact in a double, so turning the validated number into a bigint loses nothing.
 */
export function parseAmount(value: unknown, param = 'amount', bounds: AmountBounds = {}): bigint {
  const min = bounds.min ?? MIN_API_AMOUNT;
  const max = bounds.max ?? MAX_API_AMOUNT;
  const rule = `${param} must be an integer number of minor units from ${min} to ${max}`;
  if (typeof value !== 'number') {
    throw new InvalidAmountError(param, `${rule}, given as a JSON number (not ${describe(value)}).`);
  }
  if (!Number.isSafeInteger(value)) {
    throw new InvalidAmountError(param, `${rule}; ${String(value)} is not a whole number of minor units.`);
  }
  const amount = BigInt(value);
  if (amount < min || amount > max) {
    throw new InvalidAmountError(param, `${rule}; got ${amount}.`);
  }
  return amount;
}

/**
 * Reads a currency from a request: an upper-case ISO 4217 code that Danbao knows and the platform
 * is configured for (CURRENCIES).
 */
export function parseCurrency(value: unknown, configured: readonly string[], param = 'currency'): string {
  if (typeof value !== 'string' || !/^[A-Z]{3}$/.test(value)) {
    throw new InvalidCurrencyError(param, `${param} must be an upper-case ISO 4217 code such as CNY.`);
  }
  if (!configured.includes(value) || !isKnownCurrency(value)) {
    throw new InvalidCurrencyError(
      param,
      `${param} ${value} is not accepted here; accepted: ${configured.join(', ')}.`,
    );
  }
  return value;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return 'a string';
  return typeof value;
}

/**
 * ISO 4217 codes Danbao knows, with their exponent: the number of decimal places of the minor
 * unit (CNY 1999 is ¥19.99; JPY 1999 is ¥1,999; KWD 1999 is 1.999 dinars). A currency missing
 * here cannot be configured, so no amount is ever read or shown with a guessed exponent.
 */
export const CURRENCY_EXPONENTS: Readonly<Record<string, number>> = Object.freeze({
  AUD: 2,
  BHD: 3,
  CAD: 2,
  CHF: 2,
  CNY: 2,
  EUR: 2,
  GBP: 2,
  HKD: 2,
  JOD: 3,
  JPY: 0,
  KRW: 0,
  KWD: 3,
  MOP: 2,
  NZD: 2,
  OMR: 3,
  SGD: 2,
  TND: 3,
  TWD: 2,
  USD: 2,
  VND: 0,
});

/** Thrown for a currency code that is not in CURRENCY_EXPONENTS: a programming or configuration error. */
export class UnknownCurrencyError extends Error {
  constructor(readonly currency: string) {
    super(`Unknown currency: ${JSON.stringify(currency)} (expected an ISO 4217 code Danbao knows).`);
    this.name = 'UnknownCurrencyError';
  }
}

export function isKnownCurrency(code: unknown): code is string {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(CURRENCY_EXPONENTS, code);
}

/** The exponent of a known currency; throws UnknownCurrencyError for anything else. */
export function currencyExponent(code: string): number {
  if (!isKnownCurrency(code)) throw new UnknownCurrencyError(String(code));
  return CURRENCY_EXPONENTS[code];
}

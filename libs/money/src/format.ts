import { currencyExponent } from './currency';

/** Symbols shown on pages; a known currency without one is shown as its code and a space. */
const SYMBOLS: Readonly<Record<string, string>> = {
  CNY: '¥',
  JPY: '¥',
  USD: '$',
  EUR: '€',
  KRW: '₩',
  GBP: '£',
};

function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * An amount of minor units as pages show it: the currency's symbol, thousands separated by commas,
 * and as many decimals as the currency's exponent (CNY 1999 → ¥19.99, JPY 1999 → ¥1,999,
 * KWD 1999 → KWD 1.999, CNY -5 → -¥0.05). Integer arithmetic only: the amount is never a float.
 */
export function formatMoney(amount: bigint, currency: string): string {
  if (typeof amount !== 'bigint')
    throw new TypeError(`formatMoney needs a bigint amount, got ${typeof amount}.`);
  const exponent = currencyExponent(currency);
  const negative = amount < 0n;
  const digits = (negative ? -amount : amount).toString().padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = exponent > 0 ? `.${digits.slice(digits.length - exponent)}` : '';
  const symbol = SYMBOLS[currency] ?? `${currency} `;
  return `${negative ? '-' : ''}${symbol}${groupThousands(whole)}${fraction}`;
}

export {
  MAX_API_AMOUNT,
  MIN_API_AMOUNT,
  InvalidAmountError,
  InvalidCurrencyError,
  parseAmount,
  parseCurrency,
} from './amount';
export type { AmountBounds } from './amount';
export { CURRENCY_EXPONENTS, UnknownCurrencyError, currencyExponent, isKnownCurrency } from './currency';
export { splitFee } from './fees';
export type { FeeSplit } from './fees';
export { formatMoney } from './format';
export { toJsonAmount } from './json';
export { CurrencyMismatchError, Money } from './money';
export { MoneyError } from './money-error';

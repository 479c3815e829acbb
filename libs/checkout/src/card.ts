/**
 * Card checks for the hosted form. The number itself is never stored or logged: only the brand
 * and the last four digits leave this file.
 */
export interface CardInput {
  number: string;
  expiry: string;
  cvc: string;
}

export interface CardSummary {
  brand: string;
  last4: string;
}

export type CardProblem = { field: 'card_number' | 'expiry' | 'cvc'; message: string };

function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

export function cardBrand(digits: string): string {
  if (/^4/.test(digits)) return 'visa';
  if (/^(5[1-5]|2(2[2-9]|[3-6]\d|7[01]|720))/.test(digits)) return 'mastercard';
  if (/^3[47]/.test(digits)) return 'amex';
  if (/^62/.test(digits)) return 'unionpay';
  if (/^35/.test(digits)) return 'jcb';
  return 'unknown';
}

/** Validates a card as typed into the form; returns the digits and summary, or the first problem. */
export function checkCard(
  input: CardInput,
  now = new Date(),
): { digits: string; summary: CardSummary } | { problem: CardProblem } {
  const digits = input.number.replace(/[\s-]/g, '');
  if (!/^\d{12,19}$/.test(digits) || !luhnValid(digits)) {
    return { problem: { field: 'card_number', message: 'The card number is not valid.' } };
  }
  const expiry = /^\s*(\d{1,2})\s*\/\s*(\d{2}|\d{4})\s*$/.exec(input.expiry);
  const month = expiry ? Number(expiry[1]) : 0;
  const year = expiry ? (expiry[2].length === 2 ? 2000 + Number(expiry[2]) : Number(expiry[2])) : 0;
  if (!expiry || month < 1 || month > 12) {
    return { problem: { field: 'expiry', message: 'Enter the expiry date as MM/YY.' } };
  }
  const endOfMonth = Date.UTC(year, month, 1);
  if (endOfMonth <= now.getTime()) {
    return { problem: { field: 'expiry', message: 'The card has expired.' } };
  }
  if (!/^\d{3,4}$/.test(input.cvc.trim())) {
    return { problem: { field: 'cvc', message: 'The security code is 3 or 4 digits.' } };
  }
  return { digits, summary: { brand: cardBrand(digits), last4: digits.slice(-4) } };
}

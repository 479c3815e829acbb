/**
 * The chart of accounts of DESIGN.md. An account is keyed by (code, currency) and exists from its
 * first posting on; codes are built only through these helpers so that every lib spells them alike.
 */
export const Accounts = {
  /** Money the payment channel owes us (asset); may go negative. */
  channel: (name: string): string => `channel:${segment(name, 'channel name')}`,
  /** One order's held funds: one account per order, so no hot row. */
  escrow: (orderId: string): string => `escrow:${segment(orderId, 'order id')}`,
  /** Released funds still inside the seller's payout delay (settlement moves them on to available). */
  sellerIncoming: (sellerId: string): string => `seller:${segment(sellerId, 'seller id')}:incoming`,
  /** Released funds the seller can be paid. */
  sellerAvailable: (sellerId: string): string => `seller:${segment(sellerId, 'seller id')}:available`,
  /** Funds in a payout on its way to the seller's bank. */
  sellerPayout: (sellerId: string): string => `seller:${segment(sellerId, 'seller id')}:payout`,
  /**
   * What the seller owes the platform (a refund after release its available balance could not
   * cover): an asset, so its balance is zero or negative, and it is netted from the seller's next
   * credits before anything is paid out.
   */
  sellerReceivable: (sellerId: string): string => `seller:${segment(sellerId, 'seller id')}:receivable`,
  /** The platform's fee revenue: hot, so spread over bucket rows. */
  platformFees: (): string => 'platform:fees',
  /** A captured payment no order could take, until it is refunded to the buyer. */
  suspense: (paymentId: string): string => `suspense:${segment(paymentId, 'payment id')}`,
  /** Money sent to sellers' banks; may go negative. */
  bankPayouts: (): string => 'bank:payouts',
} as const;

/** How many balance rows a hot account is spread over; a post picks one at random. */
export const HOT_ACCOUNT_BUCKETS = 16;

/** What the ledger enforces for an account, derived from its code alone. */
export interface AccountPolicy {
  /** A post that would take the balance below zero fails with InsufficientFundsError. */
  nonNegative: boolean;
  /** The balance is spread over HOT_ACCOUNT_BUCKETS rows, one picked at random per post. */
  hot: boolean;
}

const ACCOUNT_CODE = /^[a-z]+(:[A-Za-z0-9_.-]+)+$/;
const SEGMENT = /^[A-Za-z0-9_.-]+$/;
export const MAX_ACCOUNT_CODE_LENGTH = 191;

/**
 * The rules by account type. Accounts that every payment or payout touches (the channel, the bank
 * side of payouts and the fee account) are hot and bucketed; only the channel and the bank may go
 * negative (they mirror money held by someone else). An account of a type not listed here is
 * treated as non-negative, the safe default for a liability.
 */
export function accountPolicy(code: string): AccountPolicy {
  if (code.startsWith('channel:')) return { nonNegative: false, hot: true };
  if (code.startsWith('bank:')) return { nonNegative: false, hot: true };
  // A receivable is what a seller owes us: it goes below zero by design (settlement keeps it ≤ 0).
  if (code.startsWith('seller:') && code.endsWith(':receivable')) return { nonNegative: false, hot: false };
  if (code === 'platform:fees') return { nonNegative: true, hot: true };
  return { nonNegative: true, hot: false };
}

export function isValidAccountCode(code: unknown): code is string {
  return typeof code === 'string' && code.length <= MAX_ACCOUNT_CODE_LENGTH && ACCOUNT_CODE.test(code);
}

function segment(value: string, what: string): string {
  if (typeof value !== 'string' || !SEGMENT.test(value)) {
    throw new TypeError(
      `An account's ${what} must be letters, digits, _ . or -; got ${JSON.stringify(value)}.`,
    );
  }
  return value;
}

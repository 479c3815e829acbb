import { DomainError } from '@danbao/platform';

/**
 * A journal transaction whose postings do not sum to zero per currency. Callers build postings
 * from their own state, so this is a programming error: 500, and nothing is written.
 */
export class UnbalancedTransactionError extends DomainError {
  constructor(detail: string) {
    super(500, 'ledger_unbalanced', `Unbalanced journal transaction: ${detail}`);
    this.name = 'UnbalancedTransactionError';
  }
}

/** A journal transaction that is malformed (too few postings, a zero amount, a bad account code). */
export class InvalidTransactionError extends DomainError {
  constructor(detail: string) {
    super(500, 'ledger_invalid_transaction', `Invalid journal transaction: ${detail}`);
    this.name = 'InvalidTransactionError';
  }
}

/**
 * A post would take an account that may not go negative below zero. 409, carrying the account;
 * the caller's transaction must be rolled back (let the error propagate).
 */
export class InsufficientFundsError extends DomainError {
  readonly account: string;
  readonly currency: string;

  constructor(account: string, currency: string) {
    super(409, 'insufficient_funds', `Account ${account} has insufficient funds in ${currency}.`);
    this.name = 'InsufficientFundsError';
    this.account = account;
    this.currency = currency;
  }
}

/**
 * A reference posted before with other postings, or named twice in one postMany. A reference
 * names one journal transaction: a repeat must be that same transaction (then it is an idempotent
 * no-op), anything else is a caller's mistake that would lose or invent money if accepted. 500;
 * the caller's transaction must be rolled back (let the error propagate).
 */
export class ReferenceConflictError extends DomainError {
  readonly reference: string;

  constructor(reference: string, detail: string) {
    super(500, 'ledger_reference_conflict', `Ledger reference ${reference} ${detail}.`);
    this.name = 'ReferenceConflictError';
    this.reference = reference;
  }
}

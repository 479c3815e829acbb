export { Accounts, HOT_ACCOUNT_BUCKETS, accountPolicy, isValidAccountCode } from './accounts';
export type { AccountPolicy } from './accounts';
export { checkLedger, formatLedgerCheckReport } from './ledger.check';
export {
  InsufficientFundsError,
  InvalidTransactionError,
  ReferenceConflictError,
  UnbalancedTransactionError,
} from './ledger.errors';
export { LedgerModule } from './ledger.module';
export { LedgerService } from './ledger.service';
export type {
  AccountBalance,
  AccountEntry,
  LedgerCheckReport,
  LedgerMetadata,
  LedgerReconciler,
  LedgerTransaction,
  LedgerViolation,
  LedgerViolationKind,
  Posting,
  PostInput,
  PostResult,
  Statement,
  StatementEntry,
  StatementOptions,
} from './ledger.types';
export { ledgerMigrations } from './migrations';

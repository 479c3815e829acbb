export { settlementMigrations } from './migrations';
export {
  decidePayoutResult,
  nextRunAt,
  PAYOUT_STATUSES,
  payoutDelayOf,
  RISK_TIERS,
  runDateOf,
  settledSlices,
} from './payout.state';
export type { PayoutDelays, PayoutMethod, PayoutStatus, RiskTier, SellerSettings } from './payout.state';
export { PayoutService, SEND_PAYOUT_JOB } from './payout.service';
export type { PayoutResult, PayoutRunSummary } from './payout.service';
export { InsufficientAvailableError } from './settlement.errors';
export { SettlementModule } from './settlement.module';
export { MATURE_JOB, SETTLEMENT_QUEUE, SettlementService, statementAccounts } from './settlement.service';
export { settlementReconcilers } from './settlement.reconcilers';
export { lineOfTransaction, STATEMENT_LINE_TYPES, statementLines } from './statement.lines';
export type { StatementLine, StatementLineType } from './statement.lines';
export { STATEMENT_PAGE, StatementService } from './statement.service';
export { toPayoutObject } from './settlement.types';
export type { Payout, PayoutObject, SellerBalance, SettledCredit } from './settlement.types';
export { ReconciliationService } from './reconciliation.service';
export type { ReconciliationReport } from './reconciliation.service';
export { invalidDate, MISMATCH_KINDS, yesterdayOf } from './reconciliation.match';
export type { Mismatch, MismatchKind, ReconciliationLine } from './reconciliation.match';

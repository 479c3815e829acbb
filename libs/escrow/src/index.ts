export { EscrowStateError, InvalidExtensionError } from './escrow.errors';
export {
  deadlineJobId,
  ESCROW_JOBS,
  EscrowJobs,
  holdExpiryJobId,
  MONEY_JOB_OPTIONS,
  redriveFailedJobs,
  releaseJobId,
} from './escrow.jobs';
export type { HoldJobData } from './escrow.jobs';
export { EscrowModule } from './escrow.module';
export { EscrowService, payInPosting } from './escrow.service';
export { EscrowSweep } from './escrow.sweep';
export type { SweepReport } from './escrow.sweep';
export { HoldExpiryService } from './hold-expiry.service';
export type { ExpiryOutcome } from './hold-expiry.service';
export { HoldResolutionService } from './hold-resolution.service';
export type { Resolution } from './hold-resolution.service';
export type { HoldRef } from './hold.repository';
export {
  canConfirmReceipt,
  canFreeze,
  canExtendReceipt,
  canShip,
  canTransitionHold,
  decideExpiry,
  decideRelease,
  expiryNoticeDue,
  isFinalHold,
  receiptWindowMs,
  SELLER_EXTENSION_DAYS,
  SHIPMENT_METHODS,
  splitResolution,
  TRACKED_METHODS,
} from './hold.state';
export type { HoldSplit, RefusalCode, ReleaseDecision, ReleaseSkip, ShipmentMethod } from './hold.state';
export { escrowMigrations } from './migrations';
export { HOLD_STATUSES, toHoldObject, toHoldSummary } from './hold.types';
export type { Hold, HoldObject, HoldStatus, PayIn } from './hold.types';
export { ReceiptService } from './receipt.service';
export { feeShareOf, RefundAfterReleaseService } from './refund-after-release.service';
export type { RefundAfterReleaseRefusal } from './refund-after-release.service';
export type { ReceiptConfirmation, ShipmentInput } from './receipt.service';
export { releasePosting, ReleaseService } from './release.service';
export type { ReleaseHooks, ReleaseOutcome } from './release.service';

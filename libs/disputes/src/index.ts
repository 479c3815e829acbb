export { DisputeAudit } from './dispute.audit';
export type { AdminDisputeAction } from './dispute.audit';
export {
  DisputeForbiddenError,
  DisputeInputError,
  DisputeNotFoundError,
  DisputeStateError,
} from './dispute.errors';
export { DISPUTE_JOBS, disputeDeadlineJobId, DisputeJobs } from './dispute.jobs';
export type { DisputeJobData } from './dispute.jobs';
export {
  canAct,
  canApprove,
  canOpen,
  canTransitionDispute,
  DEADLINE_KINDS,
  decideDeadline,
  DISPUTE_REASONS,
  DISPUTE_STATUSES,
  isFinalDispute,
  MAX_DISPUTES_PER_ORDER,
  OPEN_DISPUTE_STATUSES,
  RULING_OUTCOMES,
} from './dispute.state';
export type {
  DeadlineDecision,
  DeadlineKind,
  DisputeAction,
  DisputeReason,
  DisputeRefusalCode,
  DisputeStatus,
  RulingOutcome,
} from './dispute.state';
export { toDisputeObject, toTimeline } from './dispute.types';
export type { Dispute, DisputeMessage, DisputeObject, TimelineEntry } from './dispute.types';
export { DisputesModule } from './disputes.module';
export { DisputesService } from './disputes.service';
export type { MessageInput, OpenDisputeInput, RulingInput } from './disputes.service';
export { disputesMigrations } from './migrations';

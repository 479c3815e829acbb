import { Injectable, Logger } from '@nestjs/common';
import type { Tx } from '@danbao/platform';

/** An admin's action on a dispute: a ruling, an approval, or either refused. */
export interface AdminDisputeAction {
  action: 'dispute.resolve' | 'dispute.approve';
  /** `admin:<id>` */
  actor: string;
  disputeId: string;
  /** applied (money decided), awaiting_approval (a ruling waits), or refused with the code. */
  result: 'applied' | 'awaiting_approval' | 'refused';
  before: { status: string };
  after?: { status: string; resolution_id: string | null };
  detail?: Record<string, unknown>;
}

/**
 * THE ONE PLACE admin actions on disputes go to the audit log. The audit log
 * (`AuditLog.record(tx, …)`, libs/platform/src/audit) is being built in branch `admins`, which had
 * not landed on main when disputes were built; until it does, this writes a log line. When it
 * lands, replace the body with `await this.auditLog.record(tx, {...})`: it is called in the
 * transaction of the action, refused attempts included (their transaction commits the audit row
 * and nothing else), so the audit row exists exactly when the action does (TEST-PLAN T15, T37).
 */
@Injectable()
export class DisputeAudit {
  private readonly logger = new Logger('DisputeAudit');

  async recordAdminAction(_tx: Tx, entry: AdminDisputeAction): Promise<void> {
    this.logger.log({ audit: entry }, `admin ${entry.action} ${entry.result}`);
  }
}

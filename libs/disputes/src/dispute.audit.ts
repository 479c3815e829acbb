import { Inject, Injectable } from '@nestjs/common';
import { AuditLog, type Principal, type Tx } from '@danbao/platform';

/** An admin's action on a dispute: a ruling, an approval, or either refused. */
export interface AdminDisputeAction {
  action: 'dispute.resolve' | 'dispute.approve';
  admin: Principal;
  disputeId: string;
  /** applied (money decided), awaiting_approval (a ruling waits), or refused with the code. */
  result: 'applied' | 'awaiting_approval' | 'refused';
  before: { status: string };
  after?: { status: string; resolution_id: string | null };
  detail?: Record<string, unknown>;
  /** The request that did it (the `X-Request-Id` of the logs). */
  requestId?: string | null;
}

/**
 * The one place admin actions on disputes reach the audit log (libs/platform's AuditLog), always
 * in the transaction of the action, refused attempts included: their transaction commits the
 * audit row and nothing else, so both of two admins racing to resolve are on record (T15, T37).
 */
@Injectable()
export class DisputeAudit {
  constructor(@Inject(AuditLog) private readonly audit: AuditLog) {}

  async recordAdminAction(tx: Tx, entry: AdminDisputeAction, now = new Date()): Promise<void> {
    await this.audit.record(
      tx,
      {
        actor: {
          type: 'admin',
          id: entry.admin.id,
          email: entry.admin.role === 'admin' ? (entry.admin.email ?? null) : null,
        },
        action: entry.action,
        subjectType: 'dispute',
        subjectId: entry.disputeId,
        before: entry.before,
        after: { result: entry.result, ...(entry.after ?? {}), ...(entry.detail ?? {}) },
        requestId: entry.requestId ?? null,
      },
      now,
    );
  }
}

import { Inject, Injectable, Logger } from '@nestjs/common';
import { MONEY_JOB_OPTIONS } from '@danbao/escrow';
import { QueueRegistry, QUEUES } from '@danbao/platform';
import type { DueDeadline } from './dispute.repository';

/** Job names of the disputes' work, on the payments queue (a deadline may move money). */
export const DISPUTE_JOBS = {
  /** A dispute's deadline (seller silence, escalation, return shipment or confirmation) passed. */
  deadline: 'dispute-deadline',
} as const;

/** Deterministic: every ring for the same deadline collapses into one job while it waits. */
export const disputeDeadlineJobId = (disputeId: string, dueAt: Date): string =>
  `dispute-deadline-${disputeId}-${dueAt.getTime()}`;

/** What a deadline job carries: the dispute's id only; the handler reloads and decides. */
export interface DisputeJobData {
  disputeId: string;
}

/**
 * Rings the doorbell for a dispute's deadline, after the commit that set it. A failure loses
 * nothing: the dispute sweep finds every passed deadline in MySQL.
 */
@Injectable()
export class DisputeJobs {
  private readonly logger = new Logger(DisputeJobs.name);

  constructor(@Inject(QueueRegistry) private readonly queues: QueueRegistry) {}

  async scheduleDeadlines(deadlines: DueDeadline[], now = Date.now()): Promise<void> {
    if (deadlines.length === 0) return;
    await this.queues.get(QUEUES.payments).addBulk(
      deadlines.map((deadline) => ({
        name: DISPUTE_JOBS.deadline,
        data: { disputeId: deadline.disputeId } satisfies DisputeJobData,
        opts: {
          ...MONEY_JOB_OPTIONS,
          jobId: disputeDeadlineJobId(deadline.disputeId, deadline.dueAt),
          delay: Math.max(0, deadline.dueAt.getTime() - now),
        },
      })),
    );
  }

  /** Schedules after a commit, logging instead of failing: the sweep is the backstop. */
  async afterCommit(deadline: DueDeadline | undefined): Promise<void> {
    if (!deadline) return;
    try {
      await this.scheduleDeadlines([deadline]);
    } catch (error) {
      this.logger.warn(
        { err: (error as Error).message, dispute: deadline.disputeId },
        'dispute deadline enqueue failed; the sweep will find it',
      );
    }
  }
}

import { Inject, Injectable, Logger } from '@nestjs/common';
import type { JobsOptions, Queue } from 'bullmq';
import { QueueRegistry, QUEUES } from '@danbao/platform';
import type { HoldRef } from './hold.repository';

/** Job names of the escrow's money work, all on the payments queue. */
export const ESCROW_JOBS = {
  /** Release one hold (batched with the others that are ready in the worker). */
  release: 'release',
  /** An order's receipt deadline: a delayed job that releases the hold if it is still due. */
  receiptDeadline: 'receipt-deadline',
  /** A hold past MAX_HOLD: refund a never-shipped order, or flag the hold for admins. */
  holdExpiry: 'hold-expiry',
} as const;

/**
 * Deterministic job ids, so that every enqueue of the same work collapses into one job while it
 * waits (BullMQ refuses ':' in custom ids, hence '-').
 */
export const releaseJobId = (holdId: string): string => `release-${holdId}`;
export const deadlineJobId = (orderId: string, dueAt: Date): string =>
  `deadline-${orderId}-${dueAt.getTime()}`;
export const holdExpiryJobId = (holdId: string): string => `hold-expiry-${holdId}`;

/** What a release, deadline or expiry job carries: ids only, never amounts. */
export interface HoldJobData {
  holdId: string;
  orderId: string;
}

/**
 * Money jobs retry with exponential backoff; one that keeps failing stays in the queue's failed
 * list (the dead letters shown at /admin/queues and in /metrics). Done jobs are removed, so a
 * later enqueue of the same id is never swallowed by an old one; the database guards repeats.
 */
export const MONEY_JOB_OPTIONS: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: true,
  removeOnFail: false,
};

/** Job states looked up in Redis at once. */
const LOOKUPS_AT_ONCE = 100;

/** What became of a money job a sweep looked at: none in Redis, sent back, or alive (waiting, running, cooling down). */
export type JobInspection = 'missing' | 'redriven' | 'live';

/**
 * A sweep's look at the jobs of work MySQL says is due: failed jobs go back to the queue (BullMQ
 * ignores a new add under a failed job's id, so re-adding alone would never run them). A job that
 * stalled more often than BullMQ allows (its worker died mid-job, again) goes back at once; one that
 * failed for a reason of its own (its attempts used up) stays in the failed list (the dead letters
 * of /admin/queues and /metrics) for `coolDownMs`, then is tried again with its attempts anew, so
 * that money due is never left behind for good.
 */
export async function redriveFailedJobs(
  queue: Queue,
  jobIds: string[],
  now: Date,
  coolDownMs: number,
): Promise<JobInspection[]> {
  const inspectOne = async (jobId: string): Promise<JobInspection> => {
    const job = await queue.getJob(jobId);
    if (!job) return 'missing';
    if (!(await job.isFailed())) return 'live';
    const stalled = /stalled/i.test(job.failedReason ?? '');
    if (!stalled && (job.finishedOn ?? 0) > now.getTime() - coolDownMs) return 'live';
    try {
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    } catch (error) {
      // Another worker's sweep sent it back first (it is no longer failed): nothing to do.
      if (await job.isFailed()) throw error;
      return 'live';
    }
    return 'redriven';
  };
  const states: JobInspection[] = [];
  for (let start = 0; start < jobIds.length; start += LOOKUPS_AT_ONCE) {
    states.push(...(await Promise.all(jobIds.slice(start, start + LOOKUPS_AT_ONCE).map(inspectOne))));
  }
  return states;
}

/**
 * Rings the doorbell for escrow work. Every call runs after the database commit that made the
 * work due, and a failure here loses nothing: the sweep finds due work in MySQL.
 */
@Injectable()
export class EscrowJobs {
  private readonly logger = new Logger(EscrowJobs.name);

  constructor(@Inject(QueueRegistry) private readonly queues: QueueRegistry) {}

  async enqueueReleases(refs: HoldRef[]): Promise<void> {
    if (refs.length === 0) return;
    await this.queues.get(QUEUES.payments).addBulk(
      refs.map((ref) => ({
        name: ESCROW_JOBS.release,
        data: { holdId: ref.holdId, orderId: ref.orderId } satisfies HoldJobData,
        opts: { ...MONEY_JOB_OPTIONS, jobId: releaseJobId(ref.holdId) },
      })),
    );
  }

  async scheduleDeadline(ref: HoldRef, dueAt: Date): Promise<void> {
    await this.queues
      .get(QUEUES.payments)
      .add(ESCROW_JOBS.receiptDeadline, { holdId: ref.holdId, orderId: ref.orderId } satisfies HoldJobData, {
        ...MONEY_JOB_OPTIONS,
        jobId: deadlineJobId(ref.orderId, dueAt),
        delay: Math.max(0, dueAt.getTime() - Date.now()),
      });
  }

  async enqueueExpiries(refs: HoldRef[]): Promise<void> {
    if (refs.length === 0) return;
    await this.queues.get(QUEUES.payments).addBulk(
      refs.map((ref) => ({
        name: ESCROW_JOBS.holdExpiry,
        data: { holdId: ref.holdId, orderId: ref.orderId } satisfies HoldJobData,
        opts: { ...MONEY_JOB_OPTIONS, jobId: holdExpiryJobId(ref.holdId) },
      })),
    );
  }

  /** Runs an enqueue after a commit, logging instead of failing: the sweep is the backstop. */
  async afterCommit(what: string, enqueue: () => Promise<void>): Promise<void> {
    try {
      await enqueue();
    } catch (error) {
      this.logger.warn(
        { err: (error as Error).message, what },
        'enqueue failed; the sweep will find the work',
      );
    }
  }
}

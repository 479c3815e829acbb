import { createHash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { QUEUES, QueueRegistry, redactSessionIds } from '@danbao/platform';
import type { CheckoutSession } from './checkout.types';

export const EXPIRE_SESSION_JOB = 'expire-checkout-session';

/**
 * The expiry job of sessions created together is named after the first of them without carrying
 * its id (the pay page's only credential): a hash of it, so the job can be taken back by name.
 */
export const expiryJobId = (firstSessionId: string) =>
  `expire-${createHash('sha256').update(firstSessionId).digest('hex').slice(0, 32)}`;

/**
 * What an expiry job carries: `dueAt`, when the last of its sessions is due (ms since the epoch);
 * the job expires the open sessions due by then. No session id goes to Redis. `sessionIds` and
 * `sessionId` are the shapes of jobs that older releases queued, still read.
 */
export interface ExpiryJobData {
  dueAt?: number;
  sessionIds?: string[];
  sessionId?: string;
}

/** The sessions an older release's job names (none for a job of this release). */
export const sessionIdsOf = (data: ExpiryJobData): string[] =>
  data.sessionIds ?? (data.sessionId ? [data.sessionId] : []);

/**
 * The one delayed job that expires the unpaid sessions created together (one order, or one
 * creation batch): due when the last of them is, a few milliseconds after the first. One job per
 * batch instead of one per session keeps Redis writes and BullMQ's per-job work off the order path.
 */
export function expiryJob(sessions: CheckoutSession[], nowMs = Date.now()) {
  const dueMs = Math.max(...sessions.map((session) => session.expiresAt.getTime()));
  return {
    name: EXPIRE_SESSION_JOB,
    data: { dueAt: dueMs } satisfies ExpiryJobData,
    opts: {
      jobId: expiryJobId(sessions[0].id),
      delay: Math.max(0, dueMs - nowMs),
      removeOnComplete: 1000,
      removeOnFail: 5000,
      attempts: 5,
      backoff: { type: 'exponential', delay: 1000 },
    },
  };
}

/**
 * Adds the expiry job of committed sessions in one call to Redis. A failure only logs: the sweep
 * finds open sessions past their expiry in MySQL whether or not their job exists.
 */
export async function scheduleExpiries(
  queues: QueueRegistry,
  sessions: CheckoutSession[],
  logger: Logger,
): Promise<void> {
  if (sessions.length === 0) return;
  const job = expiryJob(sessions);
  try {
    await queues.get(QUEUES.payments).add(job.name, job.data, job.opts);
  } catch (error) {
    logger.warn(
      { sessions: sessions.length, dueAt: job.data.dueAt, err: String(error) },
      'could not schedule checkout expiry; the sweep will',
    );
  }
}

/**
 * Takes back the expiry job of sessions none of which was committed (best effort). Of a batch that
 * partly failed the job stays: it finds nothing to expire for the members that were never stored.
 */
export async function unscheduleExpiries(
  queues: QueueRegistry,
  sessions: CheckoutSession[],
  logger: Logger,
): Promise<void> {
  if (sessions.length === 0) return;
  await queues
    .get(QUEUES.payments)
    .remove(expiryJobId(sessions[0].id))
    .catch((error: unknown) => {
      logger.warn(
        { session: redactSessionIds(sessions[0].id), err: String(error) },
        'could not remove an unused expiry job',
      );
    });
}

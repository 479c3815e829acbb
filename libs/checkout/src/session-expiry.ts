import { Logger } from '@nestjs/common';
import { QUEUES, QueueRegistry } from '@danbao/platform';
import type { CheckoutSession } from './checkout.types';

export const EXPIRE_SESSION_JOB = 'expire-checkout-session';

const expiryJobId = (firstSessionId: string) => `expire-${firstSessionId}`;

/** What an expiry job carries: the sessions it expires (`sessionId` is the shape of older jobs). */
export interface ExpiryJobData {
  sessionIds?: string[];
  sessionId?: string;
}

export const sessionIdsOf = (data: ExpiryJobData): string[] =>
  data.sessionIds ?? (data.sessionId ? [data.sessionId] : []);

/**
 * The one delayed job that expires the unpaid sessions created together (one order, or one
 * creation batch): due when the last of them is, a few milliseconds after the first, and named
 * after the first session. One job per batch instead of one per session keeps Redis writes and
 * BullMQ's per-job work off the order path.
 */
export function expiryJob(sessions: CheckoutSession[], nowMs = Date.now()) {
  const dueMs = Math.max(...sessions.map((session) => session.expiresAt.getTime()));
  return {
    name: EXPIRE_SESSION_JOB,
    data: { sessionIds: sessions.map((session) => session.id) } satisfies ExpiryJobData,
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
      { sessions: job.data.sessionIds, err: String(error) },
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
      logger.warn({ session: sessions[0].id, err: String(error) }, 'could not remove an unused expiry job');
    });
}

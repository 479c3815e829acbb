import { Logger } from '@nestjs/common';
import { QUEUES, QueueRegistry } from '@danbao/platform';
import type { CheckoutSession } from './checkout.types';

export const EXPIRE_SESSION_JOB = 'expire-checkout-session';

const expiryJobId = (sessionId: string) => `expire-${sessionId}`;

/** The delayed job that expires an unpaid session when it falls due; its id is the session's. */
export function expiryJob(session: CheckoutSession, nowMs = Date.now()) {
  return {
    name: EXPIRE_SESSION_JOB,
    data: { sessionId: session.id },
    opts: {
      jobId: expiryJobId(session.id),
      delay: Math.max(0, session.expiresAt.getTime() - nowMs),
      removeOnComplete: 1000,
      removeOnFail: 5000,
      attempts: 5,
      backoff: { type: 'exponential', delay: 1000 },
    },
  };
}

/**
 * Adds the expiry jobs of committed sessions in one call to Redis. A failure only logs: the sweep
 * finds open sessions past their expiry in MySQL whether or not their job exists.
 */
export async function scheduleExpiries(
  queues: QueueRegistry,
  sessions: CheckoutSession[],
  logger: Logger,
): Promise<void> {
  if (sessions.length === 0) return;
  const nowMs = Date.now();
  try {
    await queues.get(QUEUES.payments).addBulk(sessions.map((session) => expiryJob(session, nowMs)));
  } catch (error) {
    logger.warn(
      { sessions: sessions.map((session) => session.id), err: String(error) },
      'could not schedule checkout expiry; the sweep will',
    );
  }
}

/** Takes back the expiry jobs of sessions that were never committed (best effort: they find nothing). */
export async function unscheduleExpiries(
  queues: QueueRegistry,
  sessions: CheckoutSession[],
  logger: Logger,
): Promise<void> {
  const queue = queues.get(QUEUES.payments);
  await Promise.all(
    sessions.map((session) =>
      queue.remove(expiryJobId(session.id)).catch((error: unknown) => {
        logger.warn({ session: session.id, err: String(error) }, 'could not remove an unused expiry job');
      }),
    ),
  );
}

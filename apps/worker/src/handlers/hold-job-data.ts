import { UnrecoverableError } from 'bullmq';
import type { HoldJobData } from '@danbao/escrow';

const ID = /^[a-z]{2,5}_[0-9a-z]{10,40}$/;

/** The ids a hold job carries; a job without them can never succeed, so it is not retried. */
export function holdJobData(data: unknown): HoldJobData {
  const { holdId, orderId } = (data ?? {}) as Partial<HoldJobData>;
  if (typeof holdId !== 'string' || !ID.test(holdId) || typeof orderId !== 'string' || !ID.test(orderId)) {
    throw new UnrecoverableError(`A hold job needs holdId and orderId; got ${JSON.stringify(data)}`);
  }
  return { holdId, orderId };
}

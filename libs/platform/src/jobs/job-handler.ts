import type { Job } from 'bullmq';

/**
 * One kind of job on one queue. A handler parses ids from the job, calls the same service an
 * HTTP controller would, lets retryable errors throw, and ends jobs that can never succeed with
 * UnrecoverableError and a clear log line.
 */
export interface JobHandler {
  readonly queue: string;
  readonly jobName: string;
  /** When set, the worker keeps a BullMQ job scheduler that runs this job every so many ms. */
  readonly repeatEveryMs?: number;
  /** When set, a job scheduler runs this job on this cron pattern, in UTC (e.g. a daily run). */
  readonly repeatPattern?: string;
  /** `token` is the worker's lock on the job, for a handler that moves it (to wait, delayed). */
  handle(job: Job, token?: string): Promise<unknown>;
}

/** Queues split by priority, so payment work never waits behind webhooks or reports. */
export const QUEUES = {
  /** Releases, refunds, deadlines: the money path. */
  payments: 'payments',
  /** Outbox relay and outbound webhooks. */
  notifications: 'notifications',
  /** Sweeps, canaries, purges: housekeeping. */
  system: 'system',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

import { Inject, Injectable } from '@nestjs/common';
import { type Job, UnrecoverableError } from 'bullmq';
import { DISPUTE_JOBS, DisputeJobData, DisputesService } from '@danbao/disputes';
import { APP_CONFIG, AppConfig, JobHandler, QUEUES } from '@danbao/platform';

export const DISPUTE_SWEEP_JOB = 'sweep-disputes';

const ID = /^dsp_[0-9a-z]{10,40}$/;

/** The id a dispute job carries; a job without one can never succeed, so it is not retried. */
function disputeJobData(data: unknown): DisputeJobData {
  const { disputeId } = (data ?? {}) as Partial<DisputeJobData>;
  if (typeof disputeId !== 'string' || !ID.test(disputeId)) {
    throw new UnrecoverableError(`A dispute job needs disputeId; got ${JSON.stringify(data)}`);
  }
  return { disputeId };
}

/**
 * `dispute-deadline`: a delayed job at a dispute's deadline. The service reloads the dispute under
 * its order's lock and decides: seller silence accepts, an unconfirmed return is taken as
 * received, no escalation or no return shipment closes it; anything else (a repeat, a dispute that
 * moved on) is a no-op.
 */
@Injectable()
export class DisputeDeadlineJobHandler implements JobHandler {
  readonly queue = QUEUES.payments;
  readonly jobName = DISPUTE_JOBS.deadline;

  constructor(@Inject(DisputesService) private readonly disputes: DisputesService) {}

  async handle(job: Job): Promise<unknown> {
    return this.disputes.fireDeadline(disputeJobData(job.data).disputeId);
  }
}

/**
 * `sweep-disputes` (every SWEEP_INTERVAL, on the housekeeping queue): rings again for every
 * dispute deadline MySQL says has passed, so a deadline whose job Redis lost still fires.
 */
@Injectable()
export class DisputeSweepJobHandler implements JobHandler {
  readonly queue = QUEUES.system;
  readonly jobName = DISPUTE_SWEEP_JOB;
  readonly repeatEveryMs: number;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(DisputesService) private readonly disputes: DisputesService,
  ) {
    this.repeatEveryMs = config.sweepIntervalMs;
  }

  async handle(): Promise<{ deadlinesDue: number }> {
    return { deadlinesDue: await this.disputes.sweep() };
  }
}

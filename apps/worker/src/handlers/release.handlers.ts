import { Inject, Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { ESCROW_JOBS } from '@danbao/escrow';
import { JobHandler, QUEUES } from '@danbao/platform';
import { holdJobData } from './hold-job-data';
import { ReleaseBatcher, SettledRelease } from './release-batcher';

type JobResult = { status: 'released'; fee: string; net: string } | { status: 'skipped'; reason: string };

function result(outcome: SettledRelease): JobResult {
  return outcome.status === 'released'
    ? { status: 'released', fee: outcome.fee.toString(), net: outcome.net.toString() }
    : { status: 'skipped', reason: outcome.reason };
}

/** `release`: the buyer confirmed (or the sweep found the release due); release the hold once. */
@Injectable()
export class ReleaseJobHandler implements JobHandler {
  readonly queue = QUEUES.payments;
  readonly jobName = ESCROW_JOBS.release;

  constructor(@Inject(ReleaseBatcher) private readonly batcher: ReleaseBatcher) {}

  async handle(job: Job): Promise<JobResult> {
    return result(await this.batcher.release(holdJobData(job.data)));
  }
}

/**
 * `receipt-deadline`: a delayed job at an order's receipt deadline. The hold is released only if
 * it is still due (an extension moved the deadline: this job is then a no-op, and the job at the
 * new deadline releases).
 */
@Injectable()
export class ReceiptDeadlineJobHandler implements JobHandler {
  readonly queue = QUEUES.payments;
  readonly jobName = ESCROW_JOBS.receiptDeadline;

  constructor(@Inject(ReleaseBatcher) private readonly batcher: ReleaseBatcher) {}

  async handle(job: Job): Promise<JobResult> {
    return result(await this.batcher.release(holdJobData(job.data)));
  }
}

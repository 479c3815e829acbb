import { Inject, Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { ESCROW_JOBS, ExpiryOutcome, HoldExpiryService } from '@danbao/escrow';
import { OutboxRelay } from '@danbao/notifications';
import { JobHandler, QUEUES } from '@danbao/platform';
import { holdJobData } from './hold-job-data';

/** `hold-expiry`: a hold reached MAX_HOLD; refund a never-shipped order or flag the hold. */
@Injectable()
export class HoldExpiryJobHandler implements JobHandler {
  readonly queue = QUEUES.payments;
  readonly jobName = ESCROW_JOBS.holdExpiry;

  constructor(
    @Inject(HoldExpiryService) private readonly expiry: HoldExpiryService,
    @Inject(OutboxRelay) private readonly relay: OutboxRelay,
  ) {}

  async handle(job: Job): Promise<{ outcome: ExpiryOutcome }> {
    const outcome = await this.expiry.expire(holdJobData(job.data));
    if (outcome === 'refunded') await this.relay.kick();
    return { outcome };
  }
}

import { Inject, Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { ESCROW_JOBS, ExpiryOutcome, HoldExpiryService } from '@danbao/escrow';
import { OutboxRelay } from '@danbao/notifications';
import { APP_CONFIG, AppConfig, JobHandler, QUEUES } from '@danbao/platform';
import { holdJobData } from './hold-job-data';

/**
 * A fault for the test of re-driving failed money jobs (issue 11, item 5). Read only when
 * NODE_ENV=test: DANBAO_TEST_FAIL_HOLD_EXPIRY=<n> makes the first n hold expiries of this process
 * throw, as a database outage would, before anything is done.
 */
export function holdExpiryFault(config: AppConfig, env: NodeJS.ProcessEnv = process.env): () => void {
  const times = config.nodeEnv === 'test' ? Number(env.DANBAO_TEST_FAIL_HOLD_EXPIRY ?? 0) : 0;
  let failed = 0;
  return () => {
    if (failed >= times) return;
    failed += 1;
    process.stderr.write(`hold expiry: failing on purpose (${failed} of ${times})\n`);
    throw new Error(`hold expiry failed on purpose (DANBAO_TEST_FAIL_HOLD_EXPIRY, ${failed} of ${times})`);
  };
}

/** `hold-expiry`: a hold reached MAX_HOLD; refund a never-shipped order or flag the hold. */
@Injectable()
export class HoldExpiryJobHandler implements JobHandler {
  readonly queue = QUEUES.payments;
  readonly jobName = ESCROW_JOBS.holdExpiry;
  private readonly fault: () => void;

  constructor(
    @Inject(HoldExpiryService) private readonly expiry: HoldExpiryService,
    @Inject(OutboxRelay) private readonly relay: OutboxRelay,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.fault = holdExpiryFault(config);
  }

  async handle(job: Job): Promise<{ outcome: ExpiryOutcome }> {
    const ref = holdJobData(job.data);
    this.fault();
    const outcome = await this.expiry.expire(ref);
    if (outcome === 'refunded') await this.relay.kick();
    return { outcome };
  }
}

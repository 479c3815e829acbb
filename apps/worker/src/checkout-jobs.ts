import { Inject, Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { RefundService } from '@danbao/channels';
import { CheckoutService, EXPIRE_SESSION_JOB, ExpiryJobData } from '@danbao/checkout';
import { APP_CONFIG, AppConfig, IdempotencyService, JobHandler, QUEUES } from '@danbao/platform';

/**
 * The expiry of the checkout sessions created together, fired by the delayed job scheduled then:
 * the open sessions due by the job's time (or, for a job of an older release, the ones it names).
 */
@Injectable()
export class ExpireCheckoutSessionHandler implements JobHandler {
  readonly queue = QUEUES.payments;
  readonly jobName = EXPIRE_SESSION_JOB;

  constructor(@Inject(CheckoutService) private readonly checkout: CheckoutService) {}

  async handle(job: Job<ExpiryJobData>): Promise<number> {
    return this.checkout.expireSessionsOfJob(job.data);
  }
}

/** Sessions the checkout sweep expires per statement batch; it goes on until none are left. */
const SWEEP_PAGE = 500;

/**
 * The checkout's sweep (MySQL is the truth, Redis the doorbell): payments whose result never came
 * (their channel is asked), every open session past its expiry — the ones whose expiry job was
 * lost and the ones whose job failed for good, a page at a time, so a failed job has nothing left
 * to do — and refunds the channel never answered (sent again; the channel deduplicates by id).
 */
@Injectable()
export class CheckoutSweepHandler implements JobHandler {
  readonly queue = QUEUES.system;
  readonly jobName = 'sweep-checkout-sessions';
  readonly repeatEveryMs: number;

  constructor(
    @Inject(CheckoutService) private readonly checkout: CheckoutService,
    @Inject(RefundService) private readonly refunds: RefundService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.repeatEveryMs = config.sweepIntervalMs;
  }

  async handle(): Promise<number> {
    const resolved = await this.checkout.resolveStuckPayments();
    let expired = 0;
    for (;;) {
      // A full page may have more behind it; a short one (or one whose sessions were paid or
      // expired meanwhile) was the last.
      const page = await this.checkout.expireOverdueSessions(SWEEP_PAGE);
      expired += page;
      if (page < SWEEP_PAGE) break;
    }
    const resent = await this.refunds.resendUnanswered();
    return resolved + expired + resent;
  }
}

/** Idempotency keys live 24 h (API.md); this deletes expired ones in chunks every hour. */
@Injectable()
export class IdempotencyPurgeHandler implements JobHandler {
  readonly queue = QUEUES.system;
  readonly jobName = 'purge-idempotency-keys';
  readonly repeatEveryMs = 3_600_000;

  constructor(@Inject(IdempotencyService) private readonly keys: IdempotencyService) {}

  async handle(): Promise<number> {
    return this.keys.purgeExpired();
  }
}

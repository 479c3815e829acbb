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

/**
 * The checkout's sweep (MySQL is the truth, Redis the doorbell): sessions whose expiry job was
 * lost, payments whose result never came (their channel is asked), and refunds the channel never
 * answered (sent again; the channel deduplicates by refund id).
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
    const expired = await this.checkout.expireOverdueSessions();
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

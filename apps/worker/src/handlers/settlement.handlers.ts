import { Inject, Injectable } from '@nestjs/common';
import { DelayedError, type Job } from 'bullmq';
import { APP_CONFIG, AppConfig, JobHandler, SwitchBoard } from '@danbao/platform';
import {
  MATURE_JOB,
  PayoutService,
  SEND_PAYOUT_JOB,
  SETTLEMENT_QUEUE,
  SettlementService,
} from '@danbao/settlement';

export const PAYOUT_RUN_JOB = 'payout-run';
/** How often a payout run waiting on the `payouts` switch looks at it again. */
export const SWITCHED_OFF_RECHECK_MS = 5_000;
export const SETTLEMENT_SWEEP_JOB = 'sweep-settlement';

/** `mature` (a doorbell rung after a release): moves the seller's matured money to available. */
@Injectable()
export class MatureJobHandler implements JobHandler {
  readonly queue = SETTLEMENT_QUEUE;
  readonly jobName = MATURE_JOB;

  constructor(@Inject(SettlementService) private readonly settlement: SettlementService) {}

  async handle(job: Job<{ sellerId: string; currency: string }>): Promise<{ matured: string }> {
    const matured = await this.settlement.mature(job.data.sellerId, job.data.currency);
    return { matured: matured.toString() };
  }
}

/** `send-payout` (one per payout, after its row committed): asks the channel to pay it. */
@Injectable()
export class SendPayoutJobHandler implements JobHandler {
  readonly queue = SETTLEMENT_QUEUE;
  readonly jobName = SEND_PAYOUT_JOB;

  constructor(@Inject(PayoutService) private readonly payouts: PayoutService) {}

  async handle(job: Job<{ payoutId: string }>): Promise<string> {
    return this.payouts.send(job.data.payoutId);
  }
}

/** The cron pattern of a daily run at `HH:MM` UTC. */
export const dailyAt = (runAt: string): string => {
  const [hours, minutes] = runAt.split(':').map(Number);
  return `${minutes} ${hours} * * *`;
};

/**
 * `payout-run` (daily at PAYOUT_RUN_AT, UTC): matures what is due, then pays every seller its
 * available balance. A run that died half-way is finished by the next one (or an admin's
 * `POST /v1/admin/payout_runs`); the run date in each payout's unique key pays nobody twice.
 */
@Injectable()
export class PayoutRunJobHandler implements JobHandler {
  readonly queue = SETTLEMENT_QUEUE;
  readonly jobName = PAYOUT_RUN_JOB;
  readonly repeatPattern: string;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(PayoutService) private readonly payouts: PayoutService,
    @Inject(SettlementService) private readonly settlement: SettlementService,
    @Inject(SwitchBoard) private readonly switches: SwitchBoard,
  ) {
    this.repeatPattern = dailyAt(config.payoutRunAt);
  }

  async handle(job: Job, token?: string): Promise<{ payouts: number }> {
    if (!this.switches.isOn('payouts')) {
      // Switched off (a peak day): the run waits, looking again every few seconds, and runs once
      // payouts are on again; it is not lost, and waiting does not count as an attempt.
      await job.moveToDelayed(Date.now() + SWITCHED_OFF_RECHECK_MS, token);
      throw new DelayedError();
    }
    const now = new Date();
    await this.settlement.matureDue(now);
    const summary = await this.payouts.runPayouts(now);
    return { payouts: summary.payouts };
  }
}

/**
 * The maturation backstop runs at most this often: every release rings a doorbell for its seller,
 * so the sweep only catches the doorbells Redis lost, and looking at every seller with money
 * incoming (a transaction each) every SWEEP_INTERVAL would cost the database for nothing.
 */
export const MATURATION_SWEEP_MS = 5 * 60_000;

/**
 * `sweep-settlement` (every SWEEP_INTERVAL): sends again the payouts the channel never answered,
 * and (at most every MATURATION_SWEEP_MS, or SWEEP_INTERVAL if longer) matures what the doorbells
 * missed.
 */
@Injectable()
export class SettlementSweepJobHandler implements JobHandler {
  readonly queue = SETTLEMENT_QUEUE;
  readonly jobName = SETTLEMENT_SWEEP_JOB;
  readonly repeatEveryMs: number;
  private maturedAt = 0;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(SettlementService) private readonly settlement: SettlementService,
    @Inject(PayoutService) private readonly payouts: PayoutService,
  ) {
    this.repeatEveryMs = config.sweepIntervalMs;
  }

  async handle(): Promise<{ matured: string | null; payoutsResent: number }> {
    let matured: string | null = null;
    if (Date.now() - this.maturedAt >= Math.max(MATURATION_SWEEP_MS, this.repeatEveryMs)) {
      this.maturedAt = Date.now();
      matured = (await this.settlement.matureDue()).toString();
    }
    const payoutsResent = await this.payouts.resendUnanswered();
    return { matured, payoutsResent };
  }
}

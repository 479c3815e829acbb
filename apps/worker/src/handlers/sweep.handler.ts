import { Inject, Injectable } from '@nestjs/common';
import { EscrowSweep, SweepReport } from '@danbao/escrow';
import { OutboxRelay } from '@danbao/notifications';
import { APP_CONFIG, AppConfig, JobHandler, QUEUES } from '@danbao/platform';

export const ESCROW_SWEEP_JOB = 'sweep-escrow';

/**
 * `sweep-escrow` (every SWEEP_INTERVAL, on the housekeeping queue): rebuilds from MySQL the
 * escrow work Redis may have lost (due releases, hold horizons) and publishes the outbox.
 */
@Injectable()
export class EscrowSweepJobHandler implements JobHandler {
  readonly queue = QUEUES.system;
  readonly jobName = ESCROW_SWEEP_JOB;
  readonly repeatEveryMs: number;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(EscrowSweep) private readonly escrow: EscrowSweep,
    @Inject(OutboxRelay) private readonly relay: OutboxRelay,
  ) {
    this.repeatEveryMs = config.sweepIntervalMs;
  }

  async handle(): Promise<SweepReport & { eventsPublished: number; deliveriesRequeued: number }> {
    const now = new Date();
    const report = await this.escrow.sweep(now);
    const eventsPublished = await this.relay.publishPending();
    const deliveriesRequeued = await this.relay.republishUndispatched(
      new Date(now.getTime() - this.config.sweepIntervalMs),
    );
    return { ...report, eventsPublished, deliveriesRequeued };
  }
}

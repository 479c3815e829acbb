import { Inject, Injectable, Logger } from '@nestjs/common';
import { HoldRef, ReleaseHooks, ReleaseOutcome, ReleaseService } from '@danbao/escrow';
import { OutboxRelay } from '@danbao/notifications';
import { APP_CONFIG, AppConfig, MicroBatcher } from '@danbao/platform';
import { SettlementService } from '@danbao/settlement';

export type SettledRelease = Exclude<ReleaseOutcome, { status: 'failed' }>;

/**
 * Crash points for the tests of T03 (a worker killed around the commit). Read only when
 * NODE_ENV=test: DANBAO_TEST_CRASH_POINT=before_commit kills the process inside the release
 * transaction after its writes, after_commit right after COMMIT, before BullMQ hears of it.
 */
export function crashHooks(config: AppConfig, env: NodeJS.ProcessEnv = process.env): ReleaseHooks {
  if (config.nodeEnv !== 'test') return {};
  const crash = (point: string) => () => {
    process.stderr.write(`release handler: crashing at ${point} (DANBAO_TEST_CRASH_POINT)\n`);
    process.kill(process.pid, 'SIGKILL');
  };
  switch (env.DANBAO_TEST_CRASH_POINT) {
    case 'before_commit':
      return { beforeCommit: crash('before_commit') };
    case 'after_commit':
      return { afterCommit: crash('after_commit') };
    default:
      return {};
  }
}

/**
 * The largest batch: RELEASE_BATCH_SIZE, but at most half the worker's payment slots, so that one
 * batch gathers its jobs while the other commits (the database and BullMQ work side by side).
 */
export function releaseBatchSize(config: AppConfig): number {
  return Math.max(1, Math.min(config.releaseBatchSize, Math.ceil(config.paymentsConcurrency / 2)));
}

/**
 * The releases of this worker process, gathered into batches: every release or deadline job
 * hands its hold here and waits for the batch that carries it. A batch is at most
 * RELEASE_BATCH_SIZE holds gathered for at most RELEASE_BATCH_WAIT; with PAYMENTS_CONCURRENCY
 * jobs at once, it never waits for jobs that cannot come.
 */
@Injectable()
export class ReleaseBatcher {
  private readonly logger = new Logger(ReleaseBatcher.name);
  private readonly batcher: MicroBatcher<HoldRef, SettledRelease>;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(ReleaseService) private readonly releases: ReleaseService,
    @Inject(OutboxRelay) private readonly relay: OutboxRelay,
    @Inject(SettlementService) private readonly settlement: SettlementService,
  ) {
    const hooks = crashHooks(config);
    this.batcher = new MicroBatcher({
      maxSize: releaseBatchSize(config),
      maxWaitMs: config.releaseBatchWaitMs,
      capacity: config.paymentsConcurrency,
      run: async (refs) => {
        const outcomes = await this.releases.releaseBatch(refs, hooks);
        if ([...outcomes.values()].some((outcome) => outcome.status === 'released')) {
          await this.relay.kick();
          await this.ringMaturation([...outcomes.values()]);
        }
        // Two jobs of one hold in one batch: the first released it, the other was a no-op.
        const reported = new Set<string>();
        return refs.map((ref): SettledRelease | Error => {
          const outcome = outcomes.get(ref.holdId);
          if (!outcome) return new Error(`No outcome for hold ${ref.holdId}`);
          if (outcome.status === 'released' && reported.has(ref.holdId)) {
            return { status: 'skipped', reason: 'already_released' };
          }
          reported.add(ref.holdId);
          if (outcome.status !== 'failed') return outcome;
          this.logger.warn(
            { hold: ref.holdId, err: outcome.error.message },
            'release failed; the job will retry',
          );
          return outcome.error;
        });
      },
    });
  }

  /** Resolves with the hold's outcome; rejects with the error when its release failed. */
  release(ref: HoldRef): Promise<SettledRelease> {
    return this.batcher.submit(ref);
  }

  /** After commit: one doorbell per seller and currency for when the released money matures. */
  private async ringMaturation(outcomes: ReleaseOutcome[]): Promise<void> {
    const sellers = new Map<string, { sellerId: string; currency: string }>();
    for (const outcome of outcomes) {
      if (outcome.status === 'released' && outcome.net > 0n) {
        sellers.set(`${outcome.sellerId} ${outcome.currency}`, {
          sellerId: outcome.sellerId,
          currency: outcome.currency,
        });
      }
    }
    try {
      await this.settlement.scheduleMaturations([...sellers.values()]);
    } catch (error) {
      // The settlement sweep matures it all the same.
      this.logger.warn({ sellers: sellers.size, err: String(error) }, 'maturation doorbells not rung');
    }
  }
}

import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig, QueueRegistry, QUEUES, Database } from '@danbao/platform';
import { EscrowJobs, releaseJobId } from './escrow.jobs';
import { HoldExpiryService } from './hold-expiry.service';
import { HoldRepository } from './hold.repository';

const SWEEP_LIMIT = 10_000;
const ENQUEUE_CHUNK = 1000;
const REDRIVE_CHECKS_MAX = 200;

export interface SweepReport {
  /** Holds whose release is due: each queued again under its deterministic id (a no-op if waiting). */
  releasesDue: number;
  /** Of those, the ones due for longer than a sweep should ever let happen. */
  releasesLate: number;
  /** Of a sample of the late ones, those that had no job at all (lost with Redis). */
  releasesLost: number;
  /** Failed release jobs of late holds sent back to the queue. */
  releasesRedriven: number;
  expiringNotified: number;
  expiriesQueued: number;
}

/**
 * The database sweep (DESIGN.md: the queue is a doorbell). Every SWEEP_INTERVAL it reads the due
 * work from MySQL and rings again: releases whose deadline passed or whose buyer confirmed, holds
 * nearing or past MAX_HOLD. Job ids are deterministic, so what is already queued is not queued
 * twice; what Redis lost is queued again.
 */
@Injectable()
export class EscrowSweep {
  private readonly logger = new Logger(EscrowSweep.name);
  private readonly holds = new HoldRepository();

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(QueueRegistry) private readonly queues: QueueRegistry,
    @Inject(EscrowJobs) private readonly jobs: EscrowJobs,
    @Inject(HoldExpiryService) private readonly expiry: HoldExpiryService,
  ) {}

  async sweep(now = new Date()): Promise<SweepReport> {
    const due = await this.holds.findDueForRelease(this.db, now, SWEEP_LIMIT);
    // A delayed job releases a hold within moments of its deadline; one still due a whole sweep
    // (and a margin) later may have lost its job. Before queueing, look at a sample of those.
    const lateBefore = now.getTime() - 2 * this.config.sweepIntervalMs - 5000;
    const late = due.filter((ref) => ref.dueAt.getTime() < lateBefore);
    const { lost, redriven } = await this.inspect(
      late.slice(0, REDRIVE_CHECKS_MAX).map((ref) => ref.holdId),
      now,
    );
    for (let start = 0; start < due.length; start += ENQUEUE_CHUNK) {
      await this.jobs.enqueueReleases(due.slice(start, start + ENQUEUE_CHUNK));
    }
    if (lost > 0 || redriven > 0) {
      // One line for all of them, not one per hold (TEST-PLAN T01: one aggregated alert).
      this.logger.warn(
        { late: late.length, lost, redriven },
        'sweep found due releases without a live job (queue state lost?); queued them again',
      );
    }
    const expiringNotified = await this.expiry.notifyExpiring(now);
    const expired = await this.expiry.findExpired(now);
    await this.jobs.enqueueExpiries(expired);
    return {
      releasesDue: due.length,
      releasesLate: late.length,
      releasesLost: lost,
      releasesRedriven: redriven,
      expiringNotified,
      expiriesQueued: expired.length,
    };
  }

  /**
   * Of the late holds: how many have no release job at all (lost with Redis), and which failed
   * jobs go back to the queue. A job that stalled more often than BullMQ allows (its worker died
   * mid-job, again) goes back at once; one that failed for a reason of its own stays in the
   * failed list (the dead letters of /admin/queues and /metrics) for a cool-down, then is tried
   * again, so that money due is never left behind for good.
   */
  private async inspect(holdIds: string[], now: Date): Promise<{ lost: number; redriven: number }> {
    const queue = this.queues.get(QUEUES.payments);
    const coolDownMs = Math.max(10 * this.config.sweepIntervalMs, 60_000);
    let lost = 0;
    let redriven = 0;
    for (const holdId of holdIds) {
      const job = await queue.getJob(releaseJobId(holdId));
      if (!job) {
        lost += 1;
        continue;
      }
      if (!(await job.isFailed())) continue;
      const stalled = /stalled/i.test(job.failedReason ?? '');
      if (!stalled && (job.finishedOn ?? 0) > now.getTime() - coolDownMs) continue;
      await job.retry('failed');
      redriven += 1;
    }
    return { lost, redriven };
  }
}

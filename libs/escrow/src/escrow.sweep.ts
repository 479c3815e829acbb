import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig, QueueRegistry, QUEUES } from '@danbao/platform';
import { EscrowJobs, releaseJobId } from './escrow.jobs';
import { HoldExpiryService } from './hold-expiry.service';
import { HoldRepository } from './hold.repository';

const SWEEP_LIMIT = 10_000;
const ENQUEUE_CHUNK = 1000;
const REDRIVE_CHECKS_MAX = 200;

export interface SweepReport {
  /** Holds whose release is due: each queued again under its deterministic id (a no-op if waiting). */
  releasesDue: number;
  /** Of those, the ones due for longer than a sweep should ever let happen: their job was lost. */
  releasesLate: number;
  /** Release jobs found failed after stalling too often, sent back to the queue. */
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
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(QueueRegistry) private readonly queues: QueueRegistry,
    @Inject(EscrowJobs) private readonly jobs: EscrowJobs,
    @Inject(HoldExpiryService) private readonly expiry: HoldExpiryService,
  ) {}

  async sweep(now = new Date()): Promise<SweepReport> {
    const due = await this.holds.findDueForRelease(this.dataSource.manager, now, SWEEP_LIMIT);
    for (let start = 0; start < due.length; start += ENQUEUE_CHUNK) {
      await this.jobs.enqueueReleases(due.slice(start, start + ENQUEUE_CHUNK));
    }
    // A delayed job releases a hold within moments of its deadline; one still due a whole sweep
    // (and a margin) later lost its job, or its job died: one line for all of them, not one each.
    const lateBefore = now.getTime() - 2 * this.config.sweepIntervalMs - 5000;
    const late = due.filter((ref) => ref.dueAt.getTime() < lateBefore);
    const releasesRedriven = await this.redriveStalled(
      late.slice(0, REDRIVE_CHECKS_MAX).map((ref) => ref.holdId),
    );
    if (late.length > 0) {
      this.logger.warn(
        { late: late.length, redriven: releasesRedriven },
        'sweep found releases past their deadline without a job (queue state lost?); queued them again',
      );
    }
    const expiringNotified = await this.expiry.notifyExpiring(now);
    const expired = await this.expiry.findExpired(now);
    await this.jobs.enqueueExpiries(expired);
    return {
      releasesDue: due.length,
      releasesLate: late.length,
      releasesRedriven,
      expiringNotified,
      expiriesQueued: expired.length,
    };
  }

  /**
   * A release job that stalled more often than BullMQ allows (its worker died mid-job, again) ends
   * in the failed list though nothing is wrong with it: it goes back to the queue. Jobs that failed
   * for a reason of their own stay in the failed list, the dead letters an admin looks at.
   */
  private async redriveStalled(holdIds: string[]): Promise<number> {
    const queue = this.queues.get(QUEUES.payments);
    let redriven = 0;
    for (const holdId of holdIds) {
      const job = await queue.getJob(releaseJobId(holdId));
      if (!job || !(await job.isFailed()) || !/stalled/i.test(job.failedReason ?? '')) continue;
      await job.retry('failed');
      redriven += 1;
    }
    return redriven;
  }
}

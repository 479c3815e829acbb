import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig, QueueRegistry, QUEUES, Database } from '@danbao/platform';
import { Counter } from 'prom-client';
import {
  deadlineJobId,
  ESCROW_JOBS,
  EscrowJobs,
  holdExpiryJobId,
  type JobInspection,
  redriveFailedJobs,
  releaseJobId,
} from './escrow.jobs';
import { HoldExpiryService } from './hold-expiry.service';
import { HoldRef, HoldRepository } from './hold.repository';

/** Due work is read from MySQL a page at a time, all of it, every sweep. */
const PAGE = 1000;

/** Failed money jobs the sweep sent back to their queue, by kind (TEST-PLAN T01-T03). */
export const sweepRedrives = new Counter({
  name: 'danbao_sweep_jobs_redriven_total',
  help: 'Failed money jobs of work still due in MySQL that the sweep sent back to the queue',
  labelNames: ['kind'],
});

export interface SweepReport {
  /** Holds whose release is due: each queued again under its deterministic id (a no-op if waiting). */
  releasesDue: number;
  /** Of those, the ones due for longer than a sweep should ever let happen. */
  releasesLate: number;
  /** Of the late ones, those that had no release job at all (lost with Redis). */
  releasesLost: number;
  /** Failed release jobs of late holds sent back to the queue. */
  releasesRedriven: number;
  /** Failed receipt-deadline jobs of late holds sent back to the queue. */
  deadlinesRedriven: number;
  expiringNotified: number;
  expiriesQueued: number;
  /** Failed hold-expiry jobs of holds still past their horizon sent back to the queue. */
  expiriesRedriven: number;
}

type Inspection = JobInspection;

/**
 * The database sweep (DESIGN.md: the queue is a doorbell). Every SWEEP_INTERVAL it reads the due
 * work from MySQL, all of it, a page at a time, and rings again: releases whose deadline passed or
 * whose buyer confirmed, holds nearing or past MAX_HOLD. Job ids are deterministic, so what is
 * already queued is not queued twice; what Redis lost is queued again; and a job of due work that
 * used up its attempts (BullMQ keeps it, failed, under its id, so adding it again is a no-op) is
 * sent back to the queue. The handlers are guarded transitions: nothing is done twice.
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
    const report: SweepReport = {
      releasesDue: 0,
      releasesLate: 0,
      releasesLost: 0,
      releasesRedriven: 0,
      deadlinesRedriven: 0,
      expiringNotified: 0,
      expiriesQueued: 0,
      expiriesRedriven: 0,
    };
    // A delayed job releases a hold within moments of its deadline; one still due a whole sweep
    // (and a margin) later may have lost its job, or its job may have failed for good.
    const lateBefore = now.getTime() - 2 * this.config.sweepIntervalMs - 5000;
    for (let after: (HoldRef & { dueAt: Date }) | undefined; ;) {
      const due = await this.holds.findDueForRelease(this.db, now, PAGE, after);
      if (due.length === 0) break;
      const late = due.filter((ref) => ref.dueAt.getTime() < lateBefore);
      const releases = await this.inspect(
        late.map((ref) => releaseJobId(ref.holdId)),
        now,
      );
      const deadlines = await this.inspect(
        late.map((ref) => deadlineJobId(ref.orderId, ref.dueAt)),
        now,
      );
      await this.jobs.enqueueReleases(due);
      report.releasesDue += due.length;
      report.releasesLate += late.length;
      report.releasesLost += releases.filter((state) => state === 'missing').length;
      report.releasesRedriven += releases.filter((state) => state === 'redriven').length;
      report.deadlinesRedriven += deadlines.filter((state) => state === 'redriven').length;
      if (due.length < PAGE) break;
      after = due[due.length - 1];
    }
    if (report.releasesLost > 0 || report.releasesRedriven > 0 || report.deadlinesRedriven > 0) {
      // One line for all of them, not one per hold (TEST-PLAN T01: one aggregated alert).
      this.logger.warn(
        {
          late: report.releasesLate,
          lost: report.releasesLost,
          redriven: report.releasesRedriven,
          deadlinesRedriven: report.deadlinesRedriven,
        },
        'sweep found due releases without a live job (queue state lost?); queued them again',
      );
    }
    report.expiringNotified = await this.expiry.notifyExpiring(now);
    for (let after: (HoldRef & { expiresAt: Date }) | undefined; ;) {
      const expired = await this.holds.findExpired(this.db, now, PAGE, after);
      if (expired.length === 0) break;
      const expiries = await this.inspect(
        expired.map((ref) => holdExpiryJobId(ref.holdId)),
        now,
      );
      await this.jobs.enqueueExpiries(expired);
      report.expiriesQueued += expired.length;
      report.expiriesRedriven += expiries.filter((state) => state === 'redriven').length;
      if (expired.length < PAGE) break;
      after = expired[expired.length - 1];
    }
    if (report.expiriesRedriven > 0) {
      this.logger.warn(
        { redriven: report.expiriesRedriven },
        'sweep sent failed hold-expiry jobs of holds past MAX_HOLD back to the queue',
      );
    }
    sweepRedrives.inc({ kind: ESCROW_JOBS.release }, report.releasesRedriven);
    sweepRedrives.inc({ kind: ESCROW_JOBS.receiptDeadline }, report.deadlinesRedriven);
    sweepRedrives.inc({ kind: ESCROW_JOBS.holdExpiry }, report.expiriesRedriven);
    return report;
  }

  /**
   * The jobs of work MySQL says is due: which have no job at all (lost with Redis), and which
   * failed jobs go back to the queue. A job that stalled more often than BullMQ allows (its worker
   * died mid-job, again) goes back at once; one that failed for a reason of its own (its attempts
   * used up) stays in the failed list (the dead letters of /admin/queues and /metrics) for a
   * cool-down, then is tried again with its attempts anew, so that money due is never left behind
   * for good.
   */
  private async inspect(jobIds: string[], now: Date): Promise<Inspection[]> {
    const coolDownMs = Math.max(10 * this.config.sweepIntervalMs, 60_000);
    return redriveFailedJobs(this.queues.get(QUEUES.payments), jobIds, now, coolDownMs);
  }
}

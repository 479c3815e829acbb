import { Inject, Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { Database } from '../database/database';
import { JobHandler, QUEUES } from './job-handler';

export const CANARY_JOB = 'canary';

export interface CanaryData {
  /** How long the job works before it records itself, to prove a shutdown waits for it. */
  workMs?: number;
}

/**
 * A job that proves the whole pipeline works: enqueued by an operator (`npm run cli -- canary`)
 * or a test, run by a worker, recorded in MySQL once it has finished.
 */
@Injectable()
export class CanaryJobHandler implements JobHandler {
  readonly queue = QUEUES.system;
  readonly jobName = CANARY_JOB;

  constructor(@Inject(Database) private readonly db: Database) {}

  async handle(job: Job<CanaryData>): Promise<{ finishedAt: string }> {
    const startedAt = new Date();
    const workMs = Math.min(Math.max(Number(job.data.workMs ?? 0), 0), 60_000);
    if (workMs > 0) await new Promise((resolve) => setTimeout(resolve, workMs));
    const finishedAt = new Date();
    // One row per job id: a repeat of the same job is a no-op.
    await this.db.query(
      'INSERT IGNORE INTO platform_canaries (job_id, started_at, finished_at) VALUES (?, ?, ?)',
      [String(job.id), startedAt, finishedAt],
    );
    return { finishedAt: finishedAt.toISOString() };
  }
}

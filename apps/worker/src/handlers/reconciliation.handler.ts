import { Inject, Injectable } from '@nestjs/common';
import { JobHandler } from '@danbao/platform';
import { ReconciliationService, SETTLEMENT_QUEUE, yesterdayOf } from '@danbao/settlement';

export const RECONCILIATION_JOB = 'reconcile';

/**
 * `reconcile` (daily at 00:30 UTC): matches yesterday's payments, refunds and payouts against the
 * channels' settlement reports and keeps the report admins read. Half an hour after midnight, so
 * that what was sent just before it has been answered; it runs the day again when repeated (the
 * report is replaced, nothing else changes).
 */
@Injectable()
export class ReconciliationJobHandler implements JobHandler {
  readonly queue = SETTLEMENT_QUEUE;
  readonly jobName = RECONCILIATION_JOB;
  readonly repeatPattern = '30 0 * * *';

  constructor(@Inject(ReconciliationService) private readonly reconciliation: ReconciliationService) {}

  async handle(): Promise<{ date: string; clean: boolean; mismatches: number }> {
    const report = await this.reconciliation.run(yesterdayOf(new Date()));
    return { date: report.date, clean: report.clean, mismatches: report.mismatches.length };
  }
}

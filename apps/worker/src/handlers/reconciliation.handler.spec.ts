// The daily reconciliation job: a cron of its own on the settlement queue, at 00:30 UTC, that
// reconciles yesterday (UTC) and answers what it found.
import type { ReconciliationService } from '@danbao/settlement';
import { ReconciliationJobHandler } from './reconciliation.handler';

describe('ReconciliationJobHandler', () => {
  it('runs daily at 00:30 UTC on the settlement queue and reconciles yesterday', async () => {
    const run = jest.fn(async (date: string) => ({
      date,
      clean: false,
      mismatches: [{ kind: 'missing_ours' as const, reference: 'pay_x' }],
      counts: { ours: 0, theirs: 1, matched: 0 },
      checkedAt: new Date(),
    }));
    const handler = new ReconciliationJobHandler({ run } as unknown as ReconciliationService);
    expect(handler).toMatchObject({ queue: 'settlement', jobName: 'reconcile', repeatPattern: '30 0 * * *' });
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    await expect(handler.handle()).resolves.toEqual({ date: yesterday, clean: false, mismatches: 1 });
    expect(run).toHaveBeenCalledWith(yesterday);
  });
});

import type { CheckoutSession } from './checkout.types';
import { newSecretToken } from '@danbao/platform';
import { EXPIRE_SESSION_JOB, expiryJob, expiryJobId, sessionIdsOf } from './session-expiry';

describe('session expiry jobs', () => {
  const session = (id: string, expiresAtMs: number): CheckoutSession => ({
    id,
    kind: 'order',
    buyerId: 'buyer_1',
    amount: 100n,
    currency: 'CNY',
    status: 'open',
    returnUrl: null,
    paymentId: null,
    expiresAt: new Date(expiresAtMs),
    paidAt: null,
    createdAt: new Date(expiresAtMs - 1_800_000),
    orderIds: [`ord_${id}`],
  });

  it('makes one job for sessions created together, due with the last, carrying its due time only', () => {
    const now = 1_000_000;
    const ids = [newSecretToken('cs'), newSecretToken('cs'), newSecretToken('cs')];
    const job = expiryJob(
      [session(ids[0], now + 60_000), session(ids[1], now + 60_004), session(ids[2], now + 60_002)],
      now,
    );
    expect(job.name).toBe(EXPIRE_SESSION_JOB);
    expect(job.data).toEqual({ dueAt: now + 60_004 });
    expect(job.opts.delay).toBe(60_004);
    // Named after the first session without carrying it: Redis holds no session id (issue 11).
    expect(job.opts.jobId).toBe(expiryJobId(ids[0]));
    expect(job.opts.jobId).toMatch(/^expire-[0-9a-f]{32}$/);
    const stored = JSON.stringify(job);
    for (const id of ids) expect(stored).not.toContain(id.slice(3, 12));
  });

  it('is due at once for sessions already past their expiry', () => {
    expect(expiryJob([session(newSecretToken('cs'), 500)], 1_000).opts.delay).toBe(0);
  });

  it('reads the sessions of the jobs that older releases queued (session ids, one or several)', () => {
    expect(sessionIdsOf({ sessionIds: ['cs_a', 'cs_b'] })).toEqual(['cs_a', 'cs_b']);
    expect(sessionIdsOf({ sessionId: 'cs_old' })).toEqual(['cs_old']);
    expect(sessionIdsOf({})).toEqual([]);
    expect(sessionIdsOf({ dueAt: 1_000 })).toEqual([]);
  });
});

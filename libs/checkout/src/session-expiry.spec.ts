import type { CheckoutSession } from './checkout.types';
import { EXPIRE_SESSION_JOB, expiryJob, sessionIdsOf } from './session-expiry';

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

  it('makes one job for sessions created together, named after the first, due with the last', () => {
    const now = 1_000_000;
    const job = expiryJob(
      [session('cs_a', now + 60_000), session('cs_b', now + 60_004), session('cs_c', now + 60_002)],
      now,
    );
    expect(job.name).toBe(EXPIRE_SESSION_JOB);
    expect(job.data).toEqual({ sessionIds: ['cs_a', 'cs_b', 'cs_c'] });
    expect(job.opts.jobId).toBe('expire-cs_a');
    expect(job.opts.delay).toBe(60_004);
  });

  it('is due at once for sessions already past their expiry', () => {
    expect(expiryJob([session('cs_a', 500)], 1_000).opts.delay).toBe(0);
  });

  it('reads the sessions of a job, and of the one-session jobs that older releases queued', () => {
    expect(sessionIdsOf({ sessionIds: ['cs_a', 'cs_b'] })).toEqual(['cs_a', 'cs_b']);
    expect(sessionIdsOf({ sessionId: 'cs_old' })).toEqual(['cs_old']);
    expect(sessionIdsOf({})).toEqual([]);
  });
});

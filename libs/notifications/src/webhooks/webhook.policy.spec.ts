// Unit tests of the webhook rules: no services.
import {
  attemptPriority,
  DELIVERY_GIVE_UP_MS,
  decideAfterAttempt,
  ENDPOINT_DISABLE_AFTER_MS,
  retryDelayMs,
  shouldDisable,
  subscribes,
} from './webhook.policy';

describe('webhook policy', () => {
  it('subscribes an endpoint to its types, or to all with *', () => {
    expect(subscribes(['order.paid'], 'order.paid')).toBe(true);
    expect(subscribes(['order.paid'], 'order.shipped')).toBe(false);
    expect(subscribes(['*'], 'payout.paid')).toBe(true);
  });

  it('doubles the ceiling from the base, caps it at a day, and picks in [0, ceiling] (full jitter)', () => {
    expect(retryDelayMs(1, 30_000, 0.999_999)).toBe(29_999);
    expect(retryDelayMs(2, 30_000, 0.5)).toBe(30_000);
    expect(retryDelayMs(4, 30_000, 0.5)).toBe(120_000);
    expect(retryDelayMs(30, 30_000, 0.5)).toBe(43_200_000);
    expect(retryDelayMs(3, 30_000, 0)).toBe(1);
  });

  it('retries a failure until three days after the event, then fails it', () => {
    const createdAt = new Date('2026-12-01T00:00:00Z');
    const early = new Date(createdAt.getTime() + 60_000);
    expect(decideAfterAttempt(true, { attempts: 1, createdAt }, early, 30_000, 0.5)).toEqual({
      kind: 'succeeded',
    });
    expect(decideAfterAttempt(false, { attempts: 1, createdAt }, early, 30_000, 0.5)).toEqual({
      kind: 'retry',
      at: new Date(early.getTime() + 15_000),
    });
    const late = new Date(createdAt.getTime() + DELIVERY_GIVE_UP_MS - 1000);
    expect(decideAfterAttempt(false, { attempts: 12, createdAt }, late, 30_000, 0.5)).toEqual({
      kind: 'failed',
    });
  });

  it('disables an endpoint failing for three days', () => {
    const now = new Date('2026-12-04T00:00:00Z');
    expect(shouldDisable(null, now)).toBe(false);
    expect(shouldDisable(new Date(now.getTime() - ENDPOINT_DISABLE_AFTER_MS + 1), now)).toBe(false);
    expect(shouldDisable(new Date(now.getTime() - ENDPOINT_DISABLE_AFTER_MS), now)).toBe(true);
  });

  it('queues a healthy endpoint’s first attempts first, retries and slow or failing endpoints behind', () => {
    const healthy = { failingSince: null, lastLatencyMs: 40 };
    expect(attemptPriority(healthy, 1)).toBe(1);
    expect(attemptPriority({ failingSince: null, lastLatencyMs: null }, 1)).toBe(1);
    expect(attemptPriority(healthy, 3)).toBe(3);
    expect(attemptPriority({ failingSince: null, lastLatencyMs: 1500 }, 1)).toBe(1000);
    expect(attemptPriority({ failingSince: new Date(), lastLatencyMs: 5 }, 2)).toBe(1001);
    expect(attemptPriority(healthy, 500)).toBe(101);
  });
});

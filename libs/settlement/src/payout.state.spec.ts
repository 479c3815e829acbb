// Unit tests of settlement's pure decisions: no services.
import { decidePayoutResult, nextRunAt, payoutDelayOf, runDateOf, settledSlices } from './payout.state';

const delays = { standardMs: 86_400_000, newMs: 7 * 86_400_000, trustedMs: 0 };

describe('payoutDelayOf', () => {
  it('gives the standard delay to a seller nobody set', () => {
    expect(payoutDelayOf(undefined, delays)).toBe(86_400_000);
    expect(payoutDelayOf({ riskTier: null, payoutDelayMs: null }, delays)).toBe(86_400_000);
  });

  it('gives each tier its delay, and a seller’s own delay wins over its tier', () => {
    expect(payoutDelayOf({ riskTier: 'new', payoutDelayMs: null }, delays)).toBe(7 * 86_400_000);
    expect(payoutDelayOf({ riskTier: 'trusted', payoutDelayMs: null }, delays)).toBe(0);
    expect(payoutDelayOf({ riskTier: 'standard', payoutDelayMs: null }, delays)).toBe(86_400_000);
    expect(payoutDelayOf({ riskTier: 'new', payoutDelayMs: 3_600_000 }, delays)).toBe(3_600_000);
    expect(payoutDelayOf({ riskTier: null, payoutDelayMs: 0 }, delays)).toBe(0);
  });
});

describe('decidePayoutResult', () => {
  const payout = { status: 'in_transit' as const, amount: 500n, currency: 'CNY' };

  it('pays or fails a payout on its way', () => {
    expect(decidePayoutResult(payout, { succeeded: true, amount: 500n, currency: 'CNY' })).toEqual({
      kind: 'paid',
    });
    expect(
      decidePayoutResult(
        { ...payout, status: 'pending' },
        { succeeded: false, amount: 500n, currency: 'CNY', failureCode: 'account_closed' },
      ),
    ).toEqual({ kind: 'failed', failureCode: 'account_closed' });
  });

  it('lets the first final answer stand', () => {
    expect(
      decidePayoutResult({ ...payout, status: 'paid' }, { succeeded: true, amount: 500n, currency: 'CNY' }),
    ).toEqual({ kind: 'duplicate' });
    expect(
      decidePayoutResult({ ...payout, status: 'paid' }, { succeeded: false, amount: 500n, currency: 'CNY' }),
    ).toEqual({
      kind: 'flagged',
      reason: 'late_contradiction',
    });
  });

  it('flags an answer for other money', () => {
    expect(decidePayoutResult(payout, { succeeded: true, amount: 501n, currency: 'CNY' })).toEqual({
      kind: 'flagged',
      reason: 'amount_mismatch',
    });
    expect(decidePayoutResult(payout, { succeeded: true, amount: 500n, currency: 'USD' })).toEqual({
      kind: 'flagged',
      reason: 'amount_mismatch',
    });
  });
});

describe('the daily run', () => {
  it('belongs to the date of the latest run time at or before now', () => {
    expect(runDateOf(new Date('2026-12-02T02:00:00Z'), '02:00')).toBe('2026-12-02');
    expect(runDateOf(new Date('2026-12-02T01:59:59Z'), '02:00')).toBe('2026-12-01');
    expect(runDateOf(new Date('2027-01-01T00:10:00Z'), '00:30')).toBe('2026-12-31');
  });

  it('runs next at the run time after now', () => {
    expect(nextRunAt(new Date('2026-12-02T01:00:00Z'), '02:00').toISOString()).toBe(
      '2026-12-02T02:00:00.000Z',
    );
    expect(nextRunAt(new Date('2026-12-02T02:00:00Z'), '02:00').toISOString()).toBe(
      '2026-12-03T02:00:00.000Z',
    );
  });
});

describe('settledSlices', () => {
  const credits = [
    { entryId: 'a', amount: 100n, cumulative: 100n },
    { entryId: 'b', amount: 50n, cumulative: 150n },
    { entryId: 'c', amount: 30n, cumulative: 180n },
  ];

  it('settles credits first in, first out, splitting the credits at its edges', () => {
    expect(settledSlices(credits, 0n, 120n)).toEqual([
      { entryId: 'a', amount: 100n },
      { entryId: 'b', amount: 20n },
    ]);
    expect(settledSlices(credits, 120n, 60n)).toEqual([
      { entryId: 'b', amount: 30n },
      { entryId: 'c', amount: 30n },
    ]);
  });

  it('always adds up to the payout', () => {
    for (const [from, amount] of [
      [0n, 180n],
      [10n, 1n],
      [99n, 2n],
      [150n, 30n],
    ] as const) {
      const total = settledSlices(credits, from, amount).reduce((sum, slice) => sum + slice.amount, 0n);
      expect(total).toBe(amount);
    }
  });
});

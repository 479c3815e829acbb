// The rules of reconciliation, pure: each kind of mismatch from planted lines, duplicates on each
// side, what is no mismatch (a failure the channel never saw), the ledger references a confirmed
// record must have, and which dates can be reconciled.
import {
  invalidDate,
  matchReport,
  missingLedger,
  type ReconciliationLine,
  yesterdayOf,
} from './reconciliation.match';

const line = (overrides: Partial<ReconciliationLine> & { reference: string }): ReconciliationLine => ({
  type: 'payment',
  channelReference: `ch_${overrides.reference}`,
  amount: 1000n,
  currency: 'CNY',
  status: 'succeeded',
  outcome: 'succeeded',
  ...overrides,
});

describe('matchReport', () => {
  it('matches equal lines and says nothing', () => {
    const ours = [line({ reference: 'pay_1' }), line({ type: 'refund', reference: 'rfd_1' })];
    const theirs = ours.map((each) => ({ ...each }));
    expect(matchReport(ours, theirs)).toEqual({ mismatches: [], matched: 2 });
  });

  it('finds each kind of mismatch, by reference', () => {
    const ours = [
      line({ reference: 'pay_ours_only' }),
      line({ reference: 'pay_amount', amount: 1000n }),
      line({ reference: 'pay_currency', currency: 'CNY' }),
      line({ reference: 'pay_status', status: 'failed', outcome: 'failed' }),
      line({ reference: 'pay_pending', status: 'processing', outcome: 'pending' }),
      line({ reference: 'pay_ok' }),
    ];
    const theirs = [
      line({ reference: 'pay_theirs_only' }),
      line({ reference: 'pay_amount', amount: 999n }),
      line({ reference: 'pay_currency', currency: 'USD' }),
      line({ reference: 'pay_status' }),
      line({ reference: 'pay_pending' }),
      line({ reference: 'pay_ok' }),
    ];
    const { mismatches, matched } = matchReport(ours, theirs);
    expect(matched).toBe(1);
    expect(mismatches.map(({ kind, reference }) => [kind, reference])).toEqual([
      ['amount_mismatch', 'pay_amount'],
      ['amount_mismatch', 'pay_currency'],
      ['missing_theirs', 'pay_ours_only'],
      ['status_mismatch', 'pay_pending'],
      ['status_mismatch', 'pay_status'],
      ['missing_ours', 'pay_theirs_only'],
    ]);
    expect(mismatches[0]).toEqual({
      kind: 'amount_mismatch',
      reference: 'pay_amount',
      ours: ours[1],
      theirs: theirs[1],
    });
  });

  it('matches by type and reference: a refund is not the payment of the same id', () => {
    const { mismatches } = matchReport(
      [line({ reference: 'x_1' })],
      [line({ type: 'refund', reference: 'x_1' })],
    );
    expect(mismatches.map(({ kind }) => kind)).toEqual(['missing_ours', 'missing_theirs']);
  });

  it('finds a reference twice on the channel’s side, still matching the first', () => {
    const ours = [line({ reference: 'pay_1' })];
    const theirs = [line({ reference: 'pay_1' }), line({ reference: 'pay_1', channelReference: 'ch_again' })];
    expect(matchReport(ours, theirs)).toEqual({
      mismatches: [{ kind: 'duplicate', reference: 'pay_1', theirs: theirs[1] }],
      matched: 1,
    });
  });

  it('finds a reference twice on our side, and two of ours naming one channel record', () => {
    const ours = [
      line({ type: 'payout', reference: 'po_1', channelReference: 'tr_1', status: 'paid' }),
      line({ type: 'payout', reference: 'po_1', channelReference: 'tr_1', status: 'paid' }),
      line({ type: 'payout', reference: 'po_2', channelReference: 'tr_1', status: 'paid' }),
    ];
    const theirs = [line({ type: 'payout', reference: 'po_1', channelReference: 'tr_1' })];
    expect(matchReport(ours, theirs)).toEqual({
      mismatches: [
        { kind: 'duplicate', reference: 'po_1', ours: ours[1] },
        // Not also missing_theirs: the duplicate says what is wrong with it.
        { kind: 'duplicate', reference: 'po_2', ours: ours[2] },
      ],
      matched: 1,
    });
  });

  it('says nothing of a failure of ours the channel never saw (no money moved), but of a pending one', () => {
    const ours = [
      line({ reference: 'pay_failed', status: 'failed', outcome: 'failed', channelReference: null }),
      line({ type: 'refund', reference: 'rfd_requested', status: 'requested', outcome: 'pending' }),
    ];
    expect(matchReport(ours, []).mismatches.map(({ kind, reference }) => [kind, reference])).toEqual([
      ['missing_theirs', 'rfd_requested'],
    ]);
  });
});

describe('missingLedger', () => {
  it('wants payment:/suspense:, refund: and payout_paid: for succeeded records only', () => {
    const ours = [
      line({ reference: 'pay_escrowed' }),
      line({ reference: 'pay_suspense' }),
      line({ reference: 'pay_none' }),
      line({ reference: 'pay_failed', outcome: 'failed', status: 'failed' }),
      line({ type: 'refund', reference: 'rfd_ok' }),
      line({ type: 'refund', reference: 'rfd_none' }),
      line({ type: 'payout', reference: 'po_ok', status: 'paid' }),
      line({ type: 'payout', reference: 'po_none', status: 'paid' }),
      line({ type: 'payout', reference: 'po_transit', status: 'in_transit', outcome: 'pending' }),
    ];
    const posted = new Set([
      'payment:pay_escrowed',
      'suspense:pay_suspense',
      'refund:rfd_ok',
      'payout_paid:po_ok',
      // The payout's reservation is not its payment.
      'payout:po_none',
    ]);
    expect(missingLedger(ours, posted).map(({ kind, reference }) => [kind, reference])).toEqual([
      ['missing_ledger', 'pay_none'],
      ['missing_ledger', 'rfd_none'],
      ['missing_ledger', 'po_none'],
    ]);
  });
});

describe('dates', () => {
  const now = new Date('2025-03-10T00:10:00Z');

  it('defaults to yesterday, UTC', () => {
    expect(yesterdayOf(now)).toBe('2025-03-09');
    expect(yesterdayOf(new Date('2025-03-01T23:59:59Z'))).toBe('2025-02-28');
  });

  it('accepts a real day up to today and refuses anything else', () => {
    expect(invalidDate('2025-03-10', now)).toBeUndefined();
    expect(invalidDate('2024-02-29', now)).toBeUndefined();
    expect(invalidDate('2025-03-11', now)).toBe('date must not be in the future');
    for (const bad of [
      '2025-02-29',
      '2025-13-01',
      '2025-3-1',
      '20250301',
      'yesterday',
      '2025-03-01T00:00:00Z',
      '',
    ]) {
      expect(invalidDate(bad, now)).toBe('date must be a UTC date, YYYY-MM-DD');
    }
  });
});

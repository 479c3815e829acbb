import { ORDER_STATUSES, OrderStatus } from '@danbao/orders';
import {
  canConfirmReceipt,
  canExtendReceipt,
  canFreeze,
  canShip,
  canTransitionHold,
  decideExpiry,
  decideRelease,
  expiryNoticeDue,
  isFinalHold,
  receiptWindowMs,
} from './hold.state';
import { HOLD_STATUSES, HoldStatus } from './hold.types';

// The escrow's rules as pure functions: the hold lifecycle and every decision taken under locks.
describe('hold state machine', () => {
  const now = new Date('2025-01-10T00:00:00Z');
  const before = new Date(now.getTime() - 1);
  const after = new Date(now.getTime() + 1);
  const view = (status: HoldStatus, confirmedAt: Date | null = null) => ({ status, confirmedAt });

  it('allows exactly the hold transitions of DESIGN.md', () => {
    const allowed = HOLD_STATUSES.flatMap((from) =>
      HOLD_STATUSES.filter((to) => canTransitionHold(from, to)).map((to) => `${from}->${to}`),
    );
    expect(allowed.sort()).toEqual(
      [
        'held->released',
        'held->refunded',
        'held->partially_refunded',
        'held->frozen',
        'frozen->held',
        'frozen->released',
        'frozen->refunded',
        'frozen->partially_refunded',
      ].sort(),
    );
    expect(HOLD_STATUSES.filter(isFinalHold).sort()).toEqual(['partially_refunded', 'refunded', 'released']);
  });

  it('picks the receipt window from the method, unless the order set its own days', () => {
    const windows = {
      autoConfirmAfterMs: 10,
      autoConfirmSurfaceMailMs: 30,
      autoConfirmVirtualMs: 3,
      autoConfirmPickupMs: 2,
    };
    expect(receiptWindowMs('express', null, windows)).toBe(10);
    expect(receiptWindowMs('surface_mail', null, windows)).toBe(30);
    expect(receiptWindowMs('virtual', null, windows)).toBe(3);
    expect(receiptWindowMs('pickup', null, windows)).toBe(2);
    expect(receiptWindowMs('pickup', 7, windows)).toBe(7 * 86_400_000);
  });

  it('ships only a paid, undisputed order', () => {
    expect(canShip('paid', view('held'))).toEqual({ ok: true });
    expect(canShip('awaiting_payment', undefined)).toEqual({ ok: false, code: 'order_not_paid' });
    expect(canShip('shipped', view('held'))).toEqual({ ok: false, code: 'order_already_shipped' });
    expect(canShip('paid', view('frozen'))).toEqual({ ok: false, code: 'order_in_dispute' });
    expect(canShip('completed', view('released'))).toEqual({ ok: false, code: 'hold_already_released' });
    expect(canShip('refunded', view('refunded'))).toEqual({ ok: false, code: 'order_refunded' });
    expect(canShip('cancelled', undefined)).toEqual({ ok: false, code: 'order_not_shippable' });
  });

  it('confirms receipt of a shipped order only, again while the release is pending', () => {
    const verdicts = Object.fromEntries(
      ORDER_STATUSES.map((status) => [
        status,
        canConfirmReceipt(status, status === 'paid' || status === 'shipped' ? view('held') : undefined),
      ]),
    );
    expect(verdicts).toEqual({
      awaiting_payment: { ok: false, code: 'order_not_shipped' },
      paid: { ok: false, code: 'order_not_shipped' },
      shipped: { ok: true },
      completed: { ok: false, code: 'hold_already_released' },
      cancelled: { ok: false, code: 'order_not_shipped' },
      expired: { ok: false, code: 'order_not_shipped' },
      refunded: { ok: false, code: 'order_refunded' },
    });
    expect(canConfirmReceipt('shipped', view('held', now))).toEqual({ ok: true });
    expect(canConfirmReceipt('shipped', view('frozen'))).toEqual({ ok: false, code: 'order_in_dispute' });
    expect(canConfirmReceipt('shipped', view('released'))).toEqual({
      ok: false,
      code: 'hold_already_released',
    });
  });

  it('extends once per party, only while shipped, undisputed and unconfirmed', () => {
    expect(canExtendReceipt('shipped', view('held'), false)).toEqual({ ok: true });
    expect(canExtendReceipt('shipped', view('held'), true)).toEqual({
      ok: false,
      code: 'receipt_already_extended',
    });
    expect(canExtendReceipt('shipped', view('frozen'), false)).toEqual({
      ok: false,
      code: 'order_in_dispute',
    });
    expect(canExtendReceipt('shipped', view('held', now), false)).toEqual({
      ok: false,
      code: 'receipt_already_confirmed',
    });
    expect(canExtendReceipt('paid', view('held'), false)).toEqual({ ok: false, code: 'order_not_shipped' });
    expect(canExtendReceipt('completed', view('released'), false)).toEqual({
      ok: false,
      code: 'hold_already_released',
    });
  });

  describe('decideRelease', () => {
    const held = (releaseDueAt: Date | null) => ({ status: 'held' as HoldStatus, releaseDueAt });

    it('releases a held hold whose release is due, of a shipped (or paid) order', () => {
      expect(decideRelease(held(before), 'shipped', now)).toEqual({ kind: 'release' });
      expect(decideRelease(held(now), 'shipped', now)).toEqual({ kind: 'release' });
      expect(decideRelease(held(before), 'paid', now)).toEqual({ kind: 'release' });
    });

    it('skips, harmlessly, everything else', () => {
      const skip = (reason: string) => ({ kind: 'skip', reason });
      expect(decideRelease(undefined, 'shipped', now)).toEqual(skip('missing'));
      expect(decideRelease(held(before), undefined, now)).toEqual(skip('missing'));
      expect(decideRelease({ status: 'released', releaseDueAt: before }, 'completed', now)).toEqual(
        skip('already_released'),
      );
      expect(decideRelease({ status: 'refunded', releaseDueAt: before }, 'refunded', now)).toEqual(
        skip('resolved'),
      );
      expect(decideRelease({ status: 'frozen', releaseDueAt: before }, 'shipped', now)).toEqual(
        skip('frozen'),
      );
      expect(decideRelease(held(after), 'shipped', now)).toEqual(skip('not_due'));
      expect(decideRelease(held(null), 'shipped', now)).toEqual(skip('not_due'));
      for (const status of [
        'awaiting_payment',
        'cancelled',
        'expired',
        'refunded',
        'completed',
      ] as OrderStatus[]) {
        expect(decideRelease(held(before), status, now)).toEqual(skip('order_not_releasable'));
      }
    });
  });

  describe('decideExpiry', () => {
    const hold = (status: HoldStatus, expiresAt: Date, overdueAt: Date | null = null) => ({
      status,
      expiresAt,
      overdueAt,
    });

    it('refunds a never-shipped, undisputed order at MAX_HOLD', () => {
      expect(decideExpiry(hold('held', now), 'paid', now)).toEqual({ kind: 'refund' });
    });

    it('flags any other open hold once, and leaves holds before their horizon or resolved alone', () => {
      expect(decideExpiry(hold('held', before), 'shipped', now)).toEqual({ kind: 'flag' });
      expect(decideExpiry(hold('frozen', before), 'paid', now)).toEqual({ kind: 'flag' });
      expect(decideExpiry(hold('frozen', before, before), 'shipped', now)).toEqual({ kind: 'none' });
      expect(decideExpiry(hold('held', after), 'paid', now)).toEqual({ kind: 'none' });
      expect(decideExpiry(hold('released', before), 'completed', now)).toEqual({ kind: 'none' });
    });
  });

  it('is due for hold.expiring HOLD_EXPIRY_NOTICE before the horizon, once, while open', () => {
    const notice = 5 * 86_400_000;
    const hold = (status: HoldStatus, expiresInMs: number, expiryNotifiedAt: Date | null = null) => ({
      status,
      expiresAt: new Date(now.getTime() + expiresInMs),
      expiryNotifiedAt,
    });
    expect(expiryNoticeDue(hold('held', notice + 1), notice, now)).toBe(false);
    expect(expiryNoticeDue(hold('held', notice), notice, now)).toBe(true);
    // MAX_HOLD shorter than the notice: due at once.
    expect(expiryNoticeDue(hold('held', 1000), notice, now)).toBe(true);
    expect(expiryNoticeDue(hold('frozen', 0), notice, now)).toBe(true);
    expect(expiryNoticeDue(hold('held', 0, now), notice, now)).toBe(false);
    expect(expiryNoticeDue(hold('released', 0), notice, now)).toBe(false);
  });
});

describe('canFreeze', () => {
  const now = new Date('2026-12-02T00:00:00Z');
  const held = { status: 'held' as const, confirmedAt: null, releaseDueAt: new Date(now.getTime() + 60_000) };

  it('lets a dispute freeze a held hold of a paid or shipped order before its release is due', () => {
    // Proves: the ordinary case is allowed, with or without a running receipt deadline.
    expect(canFreeze('shipped', held, now)).toEqual({ ok: true });
    expect(canFreeze('paid', { ...held, releaseDueAt: null }, now)).toEqual({ ok: true });
  });

  it('refuses once the release is due: confirmed receipt, or the receipt deadline passed', () => {
    // Proves: a late dispute cannot stop money already due to the seller (found in review).
    expect(canFreeze('shipped', { ...held, confirmedAt: now }, now)).toEqual({
      ok: false,
      code: 'receipt_already_confirmed',
    });
    expect(canFreeze('shipped', { ...held, releaseDueAt: now }, now)).toEqual({
      ok: false,
      code: 'receipt_deadline_passed',
    });
  });

  it('refuses a frozen, released or refunded hold, and an unpaid order', () => {
    // Proves: one open dispute at a time, and nothing to freeze once the hold ended.
    expect(canFreeze('shipped', { ...held, status: 'frozen' }, now)).toMatchObject({
      code: 'order_in_dispute',
    });
    expect(canFreeze('completed', { ...held, status: 'released' }, now)).toMatchObject({
      code: 'hold_already_released',
    });
    expect(canFreeze('awaiting_payment', undefined, now)).toMatchObject({ code: 'order_not_paid' });
  });
});

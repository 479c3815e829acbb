// Proves the dispute lifecycle's pure rules (DESIGN.md, API.md): the transition table, who may do
// what in which status (403 for a role that never may, 409 naming the status otherwise), the
// opening limits, the deadlines and what each does when it passes, and the money of a ruling.
// Nothing real: pure functions only.
import {
  afterAccept,
  canAct,
  canApprove,
  canOpen,
  canTransitionDispute,
  deadlineFor,
  deadlineKindOf,
  decideDeadline,
  DISPUTE_STATUSES,
  DisputeAction,
  DisputeActor,
  DisputeStatus,
  isFinalDispute,
  needsApproval,
  OPEN_DISPUTE_STATUSES,
  outcomeOf,
  refundWithinHold,
  rulingRefund,
  settledStatus,
} from './dispute.state';

const FINAL: DisputeStatus[] = ['refunded', 'partially_refunded', 'released', 'withdrawn', 'closed'];
const WINDOWS = {
  sellerResponseWindowMs: 1000,
  escalationWindowMs: 2000,
  returnShipWindowMs: 3000,
  returnConfirmWindowMs: 4000,
};

describe('dispute transitions', () => {
  it('ends in exactly the five final statuses, which go nowhere', () => {
    expect(DISPUTE_STATUSES.filter(isFinalDispute)).toEqual(FINAL);
    for (const from of FINAL)
      for (const to of DISPUTE_STATUSES) expect(canTransitionDispute(from, to)).toBe(false);
    expect([...OPEN_DISPUTE_STATUSES].sort()).toEqual(
      DISPUTE_STATUSES.filter((status) => !FINAL.includes(status)).sort(),
    );
  });

  it('allows exactly the paths of DESIGN.md', () => {
    const allowed = DISPUTE_STATUSES.flatMap((from) =>
      DISPUTE_STATUSES.filter((to) => canTransitionDispute(from, to)).map((to) => `${from} → ${to}`),
    );
    expect(allowed.sort()).toEqual(
      [
        'awaiting_seller → awaiting_return',
        'awaiting_seller → refunded',
        'awaiting_seller → partially_refunded',
        'awaiting_seller → rejected',
        'awaiting_seller → withdrawn',
        'awaiting_return → awaiting_return_confirmation',
        'awaiting_return → closed',
        'awaiting_return → withdrawn',
        'awaiting_return_confirmation → refunded',
        'awaiting_return_confirmation → partially_refunded',
        'awaiting_return_confirmation → withdrawn',
        'rejected → escalated',
        'rejected → closed',
        'rejected → withdrawn',
        'escalated → awaiting_approval',
        'escalated → refunded',
        'escalated → partially_refunded',
        'escalated → released',
        'escalated → withdrawn',
        'awaiting_approval → refunded',
        'awaiting_approval → partially_refunded',
        'awaiting_approval → released',
      ].sort(),
    );
  });

  it('never releases to the seller without an admin: only escalated and awaiting_approval reach released', () => {
    const toReleased = DISPUTE_STATUSES.filter((from) => canTransitionDispute(from, 'released'));
    expect(toReleased).toEqual(['escalated', 'awaiting_approval']);
  });
});

describe('who may do what, in which status', () => {
  const table: [DisputeAction, DisputeActor, DisputeStatus[]][] = [
    ['accept', 'seller', ['awaiting_seller']],
    ['reject', 'seller', ['awaiting_seller']],
    ['confirm_return', 'seller', ['awaiting_return_confirmation']],
    ['ship_return', 'buyer', ['awaiting_return']],
    ['escalate', 'buyer', ['rejected']],
    [
      'withdraw',
      'buyer',
      ['awaiting_seller', 'awaiting_return', 'awaiting_return_confirmation', 'rejected', 'escalated'],
    ],
    ['resolve', 'admin', ['escalated']],
    ['approve', 'admin', ['awaiting_approval']],
  ];

  it.each(table)('%s: only the %s, only from %j', (action, actor, from) => {
    for (const status of DISPUTE_STATUSES) {
      for (const role of ['buyer', 'seller', 'admin'] as DisputeActor[]) {
        const verdict = canAct(action, role, status);
        if (role !== actor)
          expect({ role, status, verdict }).toEqual({
            role,
            status,
            verdict: { ok: false, status: 403, code: 'forbidden' },
          });
        else if (from.includes(status)) expect(verdict).toEqual({ ok: true });
        else
          expect({ status, verdict: verdict.ok ? 'ok' : verdict.status }).toEqual({ status, verdict: 409 });
      }
    }
  });

  it('lets every party and admins write messages while the dispute is open, not after', () => {
    for (const role of ['buyer', 'seller', 'admin'] as DisputeActor[]) {
      for (const status of OPEN_DISPUTE_STATUSES)
        expect(canAct('message', role, status)).toEqual({ ok: true });
      for (const status of FINAL)
        expect(canAct('message', role, status)).toEqual({ ok: false, status: 409, code: 'dispute_not_open' });
    }
  });

  it('names the status an action needed, or that the dispute ended', () => {
    expect(canAct('accept', 'seller', 'rejected')).toMatchObject({ code: 'dispute_not_awaiting_seller' });
    expect(canAct('escalate', 'buyer', 'awaiting_seller')).toMatchObject({ code: 'dispute_not_rejected' });
    expect(canAct('ship_return', 'buyer', 'awaiting_seller')).toMatchObject({
      code: 'dispute_not_awaiting_return',
    });
    expect(canAct('confirm_return', 'seller', 'awaiting_return')).toMatchObject({
      code: 'dispute_not_awaiting_return_confirmation',
    });
    expect(canAct('withdraw', 'buyer', 'awaiting_approval')).toMatchObject({
      code: 'dispute_not_withdrawable',
    });
    expect(canAct('withdraw', 'buyer', 'refunded')).toMatchObject({ code: 'dispute_not_open' });
    expect(canAct('accept', 'seller', 'withdrawn')).toMatchObject({ code: 'dispute_not_open' });
    expect(canAct('approve', 'admin', 'escalated')).toMatchObject({ code: 'dispute_not_awaiting_approval' });
    expect(canAct('approve', 'admin', 'refunded')).toMatchObject({ code: 'dispute_not_awaiting_approval' });
  });

  it('tells the second of two admins that the dispute is already resolved (T15)', () => {
    for (const status of [
      'awaiting_approval',
      'refunded',
      'partially_refunded',
      'released',
    ] as DisputeStatus[])
      expect(canAct('resolve', 'admin', status)).toEqual({
        ok: false,
        status: 409,
        code: 'dispute_already_resolved',
      });
    expect(canAct('resolve', 'admin', 'withdrawn')).toMatchObject({ code: 'dispute_not_open' });
    expect(canAct('resolve', 'admin', 'rejected')).toMatchObject({ code: 'dispute_not_escalated' });
  });

  it('refuses the admin who made a ruling as its approver', () => {
    expect(canApprove('admin:adm_1', 'admin:adm_1')).toEqual({ ok: false, status: 403, code: 'forbidden' });
    expect(canApprove('admin:adm_1', 'admin:adm_2')).toEqual({ ok: true });
  });
});

describe('opening', () => {
  it('allows a first dispute, and a second after one ended without a ruling', () => {
    expect(canOpen([])).toEqual({ ok: true });
    expect(canOpen([{ status: 'withdrawn' }])).toEqual({ ok: true });
    expect(canOpen([{ status: 'closed' }])).toEqual({ ok: true });
  });

  it('refuses while one is open, and a third in all', () => {
    for (const status of OPEN_DISPUTE_STATUSES)
      expect(canOpen([{ status: 'withdrawn' }, { status }])).toMatchObject({ code: 'dispute_already_open' });
    expect(canOpen([{ status: 'awaiting_seller' }])).toMatchObject({
      status: 409,
      code: 'dispute_already_open',
    });
    expect(canOpen([{ status: 'withdrawn' }, { status: 'closed' }])).toMatchObject({
      status: 409,
      code: 'dispute_limit_reached',
    });
  });

  it('takes refunds of 1 up to the amount held', () => {
    expect(refundWithinHold(1n, 100n)).toBe(true);
    expect(refundWithinHold(100n, 100n)).toBe(true);
    expect(refundWithinHold(0n, 100n)).toBe(false);
    expect(refundWithinHold(-1n, 100n)).toBe(false);
    expect(refundWithinHold(101n, 100n)).toBe(false);
  });
});

describe('deadlines', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  const at = (offsetMs: number) => new Date(now.getTime() + offsetMs);

  it('runs one clock per waiting status, none otherwise', () => {
    expect(deadlineFor('awaiting_seller', now, WINDOWS)).toEqual({ kind: 'seller_response', at: at(1000) });
    expect(deadlineFor('rejected', now, WINDOWS)).toEqual({ kind: 'escalation', at: at(2000) });
    expect(deadlineFor('awaiting_return', now, WINDOWS)).toEqual({ kind: 'return_ship', at: at(3000) });
    expect(deadlineFor('awaiting_return_confirmation', now, WINDOWS)).toEqual({
      kind: 'return_confirm',
      at: at(4000),
    });
    for (const status of ['escalated', 'awaiting_approval', ...FINAL] as DisputeStatus[])
      expect(deadlineFor(status, now, WINDOWS)).toBeNull();
  });

  it('does what each passed deadline means', () => {
    const due = (status: DisputeStatus) => ({
      status,
      deadlineKind: deadlineKindOf(status),
      deadlineAt: at(-1),
    });
    expect(decideDeadline(due('awaiting_seller'), now)).toEqual({ kind: 'accept' });
    expect(decideDeadline(due('awaiting_return_confirmation'), now)).toEqual({ kind: 'confirm_return' });
    expect(decideDeadline(due('rejected'), now)).toEqual({ kind: 'close' });
    expect(decideDeadline(due('awaiting_return'), now)).toEqual({ kind: 'close' });
    // Exactly at the deadline counts as passed.
    expect(decideDeadline({ ...due('rejected'), deadlineAt: now }, now)).toEqual({ kind: 'close' });
  });

  it('makes an early, repeated, stale or orphan job a no-op', () => {
    expect(decideDeadline(undefined, now)).toEqual({ kind: 'skip', reason: 'missing' });
    expect(
      decideDeadline({ status: 'awaiting_seller', deadlineKind: 'seller_response', deadlineAt: at(1) }, now),
    ).toEqual({ kind: 'skip', reason: 'not_due' });
    expect(decideDeadline({ status: 'refunded', deadlineKind: null, deadlineAt: null }, now)).toEqual({
      kind: 'skip',
      reason: 'no_deadline',
    });
    expect(
      decideDeadline({ status: 'awaiting_return', deadlineKind: 'seller_response', deadlineAt: at(-1) }, now),
    ).toEqual({ kind: 'skip', reason: 'stale' });
  });
});

describe('money of an ending', () => {
  it('goes to the return first when goods come back', () => {
    expect(afterAccept(true)).toBe('awaiting_return');
    expect(afterAccept(false)).toBe('refund');
  });

  it('ends as the hold does', () => {
    expect(settledStatus(100n, 100n)).toBe('refunded');
    expect(settledStatus(40n, 100n)).toBe('partially_refunded');
    expect(settledStatus(0n, 100n)).toBe('released');
    expect(outcomeOf(100n, 100n)).toBe('refund');
    expect(outcomeOf(40n, 100n)).toBe('partial_refund');
    expect(outcomeOf(0n, 100n)).toBe('release');
  });

  it('turns an admin outcome into the refund it moves', () => {
    expect(rulingRefund('refund', 100n)).toEqual({ ok: true, refund: 100n });
    expect(rulingRefund('release', 100n)).toEqual({ ok: true, refund: 0n });
    expect(rulingRefund('partial_refund', 100n, 1n)).toEqual({ ok: true, refund: 1n });
    expect(rulingRefund('partial_refund', 100n, 99n)).toEqual({ ok: true, refund: 99n });
    for (const bad of [undefined, 0n, 100n, 101n, -5n])
      expect(rulingRefund('partial_refund', 100n, bad)).toMatchObject({ ok: false });
  });

  it('asks a second admin only above the threshold', () => {
    expect(needsApproval(500_000n, 500_000n)).toBe(false);
    expect(needsApproval(500_001n, 500_000n)).toBe(true);
    expect(needsApproval(0n, 0n)).toBe(false);
  });
});

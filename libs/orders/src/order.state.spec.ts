import { canTransition, isFinal, ORDER_STATUSES } from './order.state';

describe('order state machine', () => {
  it('allows exactly the transitions of DESIGN.md', () => {
    const allowed = ORDER_STATUSES.flatMap((from) =>
      ORDER_STATUSES.filter((to) => canTransition(from, to)).map((to) => `${from}->${to}`),
    );
    expect(allowed.sort()).toEqual(
      [
        'awaiting_payment->paid',
        'awaiting_payment->cancelled',
        'awaiting_payment->expired',
        'paid->shipped',
        'paid->refunded',
        'paid->completed',
        'shipped->completed',
        'shipped->refunded',
      ].sort(),
    );
  });

  it('treats completed, cancelled, expired and refunded as final', () => {
    expect(ORDER_STATUSES.filter(isFinal).sort()).toEqual(['cancelled', 'completed', 'expired', 'refunded']);
  });
});

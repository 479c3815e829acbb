/**
 * The order lifecycle of DESIGN.md as a pure transition table: every status change in the code
 * goes through `canTransition`, and the repository guards the same `from` status in SQL.
 */
export const ORDER_STATUSES = [
  'awaiting_payment',
  'paid',
  'shipped',
  'completed',
  'cancelled',
  'expired',
  'refunded',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

const TRANSITIONS: Record<OrderStatus, readonly OrderStatus[]> = {
  awaiting_payment: ['paid', 'cancelled', 'expired'],
  paid: ['shipped', 'refunded', 'completed'],
  shipped: ['completed', 'refunded'],
  completed: [],
  cancelled: [],
  expired: [],
  refunded: [],
};

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function isFinal(status: OrderStatus): boolean {
  return TRANSITIONS[status].length === 0;
}

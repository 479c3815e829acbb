import { Inject, Injectable } from '@nestjs/common';
import { type Principal, type Tx, Database } from '@danbao/platform';
import { OrderNotFoundError, OrderStateError } from './order.errors';
import { OrderRepository } from './order.repository';
import { canTransition, type OrderStatus } from './order.state';
import type { NewOrder, Order, OrderFilter, Page } from './order.types';

/**
 * Every status change is checked against the lifecycle table before its guarded UPDATE runs, so
 * the table in order.state.ts is the one place the lifecycle is written down.
 */
function assertTransitions(from: OrderStatus[], to: OrderStatus): void {
  const illegal = from.find((status) => !canTransition(status, to));
  if (illegal) throw new Error(`Order lifecycle has no transition ${illegal} -> ${to}`);
}

/** Whether a principal may see an order: the marketplace and admins all, a buyer or seller its own. */
export function isVisibleTo(order: Order, principal: Principal): boolean {
  switch (principal.role) {
    case 'marketplace':
    case 'admin':
      return true;
    case 'buyer':
      return order.buyerId === principal.id;
    case 'seller':
      return order.sellerId === principal.id;
  }
}

/** The filter a principal's list is confined to: a buyer or seller never lists others' orders. */
export function scopeFilter(filter: OrderFilter, principal: Principal): OrderFilter {
  if (principal.role === 'buyer') return { ...filter, buyerId: principal.id };
  if (principal.role === 'seller') return { ...filter, sellerId: principal.id };
  return filter;
}

/**
 * Orders: creation, reads scoped to who asks, and the guarded status changes other libs call
 * inside their own transactions (payment, expiry, shipment, completion).
 */
@Injectable()
export class OrdersService {
  private readonly repository = new OrderRepository();

  constructor(@Inject(Database) private readonly db: Database) {}

  async insert(tx: Tx, order: NewOrder, now = new Date()): Promise<void> {
    await this.repository.insert(tx, order, now);
  }

  /** Several new orders in one statement, each with its own creation time. */
  async insertMany(tx: Tx, orders: (NewOrder & { createdAt: Date })[]): Promise<void> {
    await this.repository.insertMany(tx, orders);
  }

  async find(id: string, tx: Tx = this.db): Promise<Order | undefined> {
    return this.repository.findById(tx, id);
  }

  /** The order if the principal may see it; otherwise 404, so ids cannot be probed. */
  async getVisible(id: string, principal: Principal, tx: Tx = this.db): Promise<Order> {
    const order = await this.repository.findById(tx, id);
    if (!order || !isVisibleTo(order, principal)) throw new OrderNotFoundError();
    return order;
  }

  async lock(tx: Tx, id: string): Promise<Order | undefined> {
    return this.repository.findById(tx, id, true);
  }

  async lockMany(tx: Tx, ids: string[]): Promise<Order[]> {
    return this.repository.findByIds(tx, ids, true);
  }

  async findMany(ids: string[], tx: Tx = this.db): Promise<Order[]> {
    return this.repository.findByIds(tx, ids);
  }

  async list(
    filter: OrderFilter,
    principal: Principal,
    limit: number,
    startingAfter?: string,
  ): Promise<Page<Order>> {
    const scoped = scopeFilter(filter, principal);
    // A buyer (or seller) asking for another's orders gets an empty list, never theirs nor its own.
    if (
      (filter.buyerId !== undefined && filter.buyerId !== scoped.buyerId) ||
      (filter.sellerId !== undefined && filter.sellerId !== scoped.sellerId)
    ) {
      return { data: [], hasMore: false };
    }
    return this.repository.list(this.db, scoped, limit, startingAfter);
  }

  async transition(
    tx: Tx,
    id: string,
    from: OrderStatus[],
    to: OrderStatus,
    set: Record<string, unknown> = {},
    now = new Date(),
  ): Promise<boolean> {
    assertTransitions(from, to);
    return this.repository.transition(tx, id, from, to, set, now);
  }

  /** transition() for several orders in one statement (batched releases); returns the rows changed. */
  async transitionMany(
    tx: Tx,
    ids: string[],
    from: OrderStatus[],
    to: OrderStatus,
    set: Record<string, unknown> = {},
    now = new Date(),
  ): Promise<number> {
    assertTransitions(from, to);
    return this.repository.transitionMany(tx, ids, from, to, set, now);
  }

  async update(tx: Tx, id: string, set: Record<string, unknown>, now = new Date()): Promise<void> {
    await this.repository.update(tx, id, set, now);
  }

  /** Cancels an unpaid order with no payment in flight; returns the cancelled order. */
  async cancel(tx: Tx, id: string, principal: Principal, now = new Date()): Promise<Order> {
    const order = await this.repository.findById(tx, id, true);
    if (!order || !isVisibleTo(order, principal)) throw new OrderNotFoundError();
    if (order.status !== 'awaiting_payment') {
      throw new OrderStateError(
        'order_not_cancellable',
        `An order that is ${order.status} cannot be cancelled.`,
      );
    }
    if (order.pendingPaymentId !== null) {
      throw new OrderStateError('payment_in_progress', 'A payment for this order is being processed.');
    }
    await this.repository.transition(tx, id, ['awaiting_payment'], 'cancelled', { cancelled_at: now }, now);
    return { ...order, status: 'cancelled', cancelledAt: now, updatedAt: now };
  }
}

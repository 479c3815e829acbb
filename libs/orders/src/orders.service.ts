import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { Principal } from '@danbao/platform';
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

  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async insert(manager: EntityManager, order: NewOrder, now = new Date()): Promise<void> {
    await this.repository.insert(manager, order, now);
  }

  /** Several new orders in one statement, each with its own creation time. */
  async insertMany(manager: EntityManager, orders: (NewOrder & { createdAt: Date })[]): Promise<void> {
    await this.repository.insertMany(manager, orders);
  }

  async find(id: string, manager: EntityManager = this.dataSource.manager): Promise<Order | undefined> {
    return this.repository.findById(manager, id);
  }

  /** The order if the principal may see it; otherwise 404, so ids cannot be probed. */
  async getVisible(
    id: string,
    principal: Principal,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<Order> {
    const order = await this.repository.findById(manager, id);
    if (!order || !isVisibleTo(order, principal)) throw new OrderNotFoundError();
    return order;
  }

  async lock(manager: EntityManager, id: string): Promise<Order | undefined> {
    return this.repository.findById(manager, id, true);
  }

  async lockMany(manager: EntityManager, ids: string[]): Promise<Order[]> {
    return this.repository.findByIds(manager, ids, true);
  }

  async findMany(ids: string[], manager: EntityManager = this.dataSource.manager): Promise<Order[]> {
    return this.repository.findByIds(manager, ids);
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
    return this.repository.list(this.dataSource.manager, scoped, limit, startingAfter);
  }

  async transition(
    manager: EntityManager,
    id: string,
    from: OrderStatus[],
    to: OrderStatus,
    set: Record<string, unknown> = {},
    now = new Date(),
  ): Promise<boolean> {
    assertTransitions(from, to);
    return this.repository.transition(manager, id, from, to, set, now);
  }

  /** transition() for several orders in one statement (batched releases); returns the rows changed. */
  async transitionMany(
    manager: EntityManager,
    ids: string[],
    from: OrderStatus[],
    to: OrderStatus,
    set: Record<string, unknown> = {},
    now = new Date(),
  ): Promise<number> {
    assertTransitions(from, to);
    return this.repository.transitionMany(manager, ids, from, to, set, now);
  }

  async update(
    manager: EntityManager,
    id: string,
    set: Record<string, unknown>,
    now = new Date(),
  ): Promise<void> {
    await this.repository.update(manager, id, set, now);
  }

  /** Cancels an unpaid order with no payment in flight; returns the cancelled order. */
  async cancel(manager: EntityManager, id: string, principal: Principal, now = new Date()): Promise<Order> {
    const order = await this.repository.findById(manager, id, true);
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
    await this.repository.transition(
      manager,
      id,
      ['awaiting_payment'],
      'cancelled',
      { cancelled_at: now },
      now,
    );
    return { ...order, status: 'cancelled', cancelledAt: now, updatedAt: now };
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { type Tx, Database } from '@danbao/platform';
import type { Principal } from '@danbao/platform';
import { InvalidOrderError, OrderNotFoundError, OrderStateError } from './order.errors';
import { OrderColumns, OrderRepository } from './order.repository';
import { canTransition, ORDER_STATUSES, type OrderStatus } from './order.state';
import type { NewOrder, Order, OrderFilter, Page, PaymentSummary, Shipment } from './order.types';

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
 * Orders: creation, reads scoped to who asks, and the guarded changes other libs call inside
 * their own transactions, each named for what happened (paid, shipped, completed, ...). The
 * `from` status of each change comes from the lifecycle table in order.state.ts, the one place
 * the lifecycle is written down; the caller holds the orders' locks, so every change must apply.
 */
@Injectable()
export class OrdersService {
  private readonly repository = new OrderRepository();

  constructor(@Inject(Database) private readonly db: Database) {}

  /**
   * The rules a new order must meet beyond its fields' shapes: a currency the platform accepts, and
   * a buyer who is not the seller. Throws InvalidOrderError naming the field.
   */
  checkNewOrder(input: { buyerId: string; sellerId: string; currency: string }, currencies: string[]): void {
    if (!currencies.includes(input.currency)) {
      throw new InvalidOrderError(
        'currency_not_supported',
        `The platform does not accept ${input.currency}; it accepts ${currencies.join(', ')}.`,
        'currency',
      );
    }
    if (input.buyerId === input.sellerId) {
      throw new InvalidOrderError(
        'buyer_is_seller',
        'The buyer and the seller of an order must differ.',
        'seller_id',
      );
    }
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

  /**
   * The buyer submitted a payment for these orders (their own session, or a cart): it is in flight
   * for each of them, and it is what they show as their latest payment.
   */
  async recordPaymentAttempt(tx: Tx, orders: Order[], payment: PaymentSummary, now: Date): Promise<Order[]> {
    await this.repository.change(
      tx,
      orders.map((order) => order.id),
      ['awaiting_payment'],
      undefined,
      {
        pending_payment_id: payment.id,
        latest_payment_id: payment.id,
        latest_payment_status: payment.status,
        latest_payment_card_brand: payment.card_brand,
        latest_payment_card_last4: payment.card_last4,
        latest_payment_failure_code: payment.failure_code ?? null,
      },
      now,
    );
    return orders.map((order) => ({
      ...order,
      pendingPaymentId: payment.id,
      latestPayment: payment,
      updatedAt: now,
    }));
  }

  /**
   * A payment of these orders ended without paying them (declined, or succeeded when they could no
   * longer take it): it is no longer in flight, and orders showing it show its final status.
   */
  async recordPaymentResult(
    tx: Tx,
    orders: Order[],
    paymentId: string,
    status: 'succeeded' | 'failed',
    failureCode: string | null,
    now: Date,
  ): Promise<void> {
    await this.repository.recordPaymentResult(
      tx,
      orders.map((order) => order.id),
      paymentId,
      status,
      failureCode,
      now,
    );
  }

  /** The orders' payment succeeded: awaiting_payment → paid; returns them as they are now. */
  async markPaid(tx: Tx, orders: Order[], now: Date): Promise<Order[]> {
    await this.changeAll(
      tx,
      orders,
      'paid',
      {
        paid_at: now,
        pending_payment_id: null,
        latest_payment_status: 'succeeded',
        latest_payment_failure_code: null,
      },
      now,
    );
    return orders.map((order) => ({
      ...order,
      status: 'paid',
      paidAt: now,
      pendingPaymentId: null,
      latestPayment: order.latestPayment && { ...order.latestPayment, status: 'succeeded' },
      updatedAt: now,
    }));
  }

  /** The order's checkout session expired unpaid: awaiting_payment → expired. */
  async markExpired(tx: Tx, order: Order, now: Date): Promise<Order> {
    await this.changeAll(tx, [order], 'expired', { expired_at: now, pending_payment_id: null }, now);
    return { ...order, status: 'expired', expiredAt: now, pendingPaymentId: null, updatedAt: now };
  }

  /** The seller shipped: paid → shipped, with the receipt deadline. */
  async markShipped(
    tx: Tx,
    order: Order,
    shipment: Shipment,
    autoConfirmAt: Date,
    now: Date,
  ): Promise<Order> {
    await this.changeAll(
      tx,
      [order],
      'shipped',
      {
        shipment_method: shipment.method,
        shipment_carrier: shipment.carrier,
        shipment_tracking_number: shipment.trackingNumber,
        shipped_at: now,
        auto_confirm_at: autoConfirmAt,
      },
      now,
    );
    return {
      ...order,
      status: 'shipped',
      shipmentMethod: shipment.method,
      shipmentCarrier: shipment.carrier,
      shipmentTrackingNumber: shipment.trackingNumber,
      shippedAt: now,
      autoConfirmAt,
      updatedAt: now,
    };
  }

  /** Moves a shipped order's receipt deadline, once per party (`by`). */
  async extendDeadline(
    tx: Tx,
    order: Order,
    autoConfirmAt: Date,
    by: 'buyer' | 'seller',
    now: Date,
  ): Promise<Order> {
    const changed = await this.repository.change(
      tx,
      [order.id],
      ['shipped'],
      undefined,
      {
        auto_confirm_at: autoConfirmAt,
        ...(by === 'buyer' ? { buyer_extended: 1 } : { seller_extended: 1 }),
      },
      now,
    );
    if (changed !== 1) throw new Error(`Order ${order.id} changed under its lock`);
    return {
      ...order,
      autoConfirmAt,
      buyerExtended: order.buyerExtended || by === 'buyer',
      sellerExtended: order.sellerExtended || by === 'seller',
      updatedAt: now,
    };
  }

  /** A dispute ended without moving money: the shipped order's receipt deadline resumes at `autoConfirmAt`. */
  async resumeDeadline(tx: Tx, order: Order, autoConfirmAt: Date, now: Date): Promise<Order> {
    if (order.status !== 'shipped') return order;
    const changed = await this.repository.change(
      tx,
      [order.id],
      ['shipped'],
      undefined,
      { auto_confirm_at: autoConfirmAt },
      now,
    );
    if (changed !== 1) throw new Error(`Order ${order.id} changed under its lock`);
    return { ...order, autoConfirmAt, updatedAt: now };
  }

  /** Their holds were released: paid or shipped → completed (one statement for a release batch). */
  async markCompleted(tx: Tx, orders: Order[], now: Date): Promise<Order[]> {
    await this.changeAll(tx, orders, 'completed', { completed_at: now }, now);
    return orders.map((order) => ({ ...order, status: 'completed', completedAt: now, updatedAt: now }));
  }

  /** The order's money went back to the buyer in full: paid → refunded. */
  async markRefunded(tx: Tx, order: Order, now: Date): Promise<Order> {
    await this.changeAll(tx, [order], 'refunded', {}, now);
    return { ...order, status: 'refunded', updatedAt: now };
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
    await this.changeAll(tx, [order], 'cancelled', { cancelled_at: now }, now);
    return { ...order, status: 'cancelled', cancelledAt: now, updatedAt: now };
  }

  /**
   * The guarded status change of locked orders to `to`, from whichever status the lifecycle table
   * allows it; every order must change, or the caller's transaction is rolled back.
   */
  private async changeAll(
    tx: Tx,
    orders: Order[],
    to: OrderStatus,
    set: OrderColumns,
    now: Date,
  ): Promise<void> {
    if (orders.length === 0) return;
    const from = ORDER_STATUSES.filter((status) => canTransition(status, to));
    const changed = await this.repository.change(
      tx,
      orders.map((order) => order.id),
      from,
      to,
      set,
      now,
    );
    if (changed !== orders.length) {
      throw new Error(
        `${orders.length - changed} of ${orders.length} orders changed under their locks (→ ${to})`,
      );
    }
  }
}

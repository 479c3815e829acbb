import { affectedRows, pageNewestFirst, type Tx } from '@danbao/platform';
import type { OrderStatus } from './order.state';
import type { NewOrder, Order, OrderFilter, Page, PaymentSummary } from './order.types';

/** An orders row as mysql2 returns it (other libs JOIN orders into their locking reads). */
export interface OrderRow {
  id: string;
  buyer_id: string;
  seller_id: string;
  amount: string;
  currency: string;
  description: string;
  fee_bps: number;
  auto_confirm_days: number | null;
  return_url: string | null;
  metadata: string | null;
  status: OrderStatus;
  checkout_session_id: string;
  latest_payment_id: string | null;
  latest_payment_status: PaymentSummary['status'] | null;
  latest_payment_card_brand: string | null;
  latest_payment_card_last4: string | null;
  latest_payment_failure_code: string | null;
  pending_payment_id: string | null;
  shipment_method: string | null;
  shipment_carrier: string | null;
  shipment_tracking_number: string | null;
  shipped_at: Date | null;
  auto_confirm_at: Date | null;
  buyer_extended: number;
  seller_extended: number;
  paid_at: Date | null;
  cancelled_at: Date | null;
  expired_at: Date | null;
  completed_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

function latestPaymentOf(row: OrderRow): PaymentSummary | null {
  if (row.latest_payment_id === null || row.latest_payment_status === null) return null;
  return {
    id: row.latest_payment_id,
    status: row.latest_payment_status,
    card_brand: row.latest_payment_card_brand ?? '',
    card_last4: row.latest_payment_card_last4 ?? '',
    ...(row.latest_payment_failure_code ? { failure_code: row.latest_payment_failure_code } : {}),
  };
}

export function toOrder(row: OrderRow): Order {
  return {
    id: row.id,
    buyerId: row.buyer_id,
    sellerId: row.seller_id,
    amount: BigInt(row.amount),
    currency: row.currency,
    description: row.description,
    feeBps: Number(row.fee_bps),
    autoConfirmDays: row.auto_confirm_days === null ? null : Number(row.auto_confirm_days),
    returnUrl: row.return_url,
    metadata: row.metadata === null ? null : (JSON.parse(row.metadata) as Record<string, string>),
    status: row.status,
    checkoutSessionId: row.checkout_session_id,
    latestPayment: latestPaymentOf(row),
    pendingPaymentId: row.pending_payment_id,
    shipmentMethod: row.shipment_method,
    shipmentCarrier: row.shipment_carrier,
    shipmentTrackingNumber: row.shipment_tracking_number,
    shippedAt: row.shipped_at,
    autoConfirmAt: row.auto_confirm_at,
    buyerExtended: Boolean(row.buyer_extended),
    sellerExtended: Boolean(row.seller_extended),
    paidAt: row.paid_at,
    cancelledAt: row.cancelled_at,
    expiredAt: row.expired_at,
    completedAt: row.completed_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** A new order's row: what insert and insertMany send, one row of placeholders per order. */
const INSERT_ORDERS = `INSERT INTO orders (id, buyer_id, seller_id, amount, currency, description, fee_bps, auto_confirm_days,
  return_url, metadata, status, checkout_session_id, created_at, updated_at) VALUES`;
const ORDER_ROW = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'awaiting_payment', ?, ?, ?)";

/** Narrow SQL for orders; every method takes the caller's Tx (its transaction). */
export class OrderRepository {
  /**
   * New orders, awaiting payment, in one statement (a batch of creations commits them together);
   * each keeps the creation time its caller answered with.
   */
  async insertMany(tx: Tx, orders: (NewOrder & { createdAt: Date })[]): Promise<void> {
    if (orders.length === 0) return;
    await tx.query(
      `${INSERT_ORDERS} ${orders.map(() => ORDER_ROW).join(', ')}`,
      orders.flatMap((order) => [
        order.id,
        order.buyerId,
        order.sellerId,
        order.amount.toString(),
        order.currency,
        order.description,
        order.feeBps,
        order.autoConfirmDays,
        order.returnUrl,
        order.metadata === null ? null : JSON.stringify(order.metadata),
        order.checkoutSessionId,
        order.createdAt,
        order.createdAt,
      ]),
    );
  }

  async findById(tx: Tx, id: string, forUpdate = false): Promise<Order | undefined> {
    const rows: OrderRow[] = await tx.query(
      `SELECT * FROM orders WHERE id = ?${forUpdate ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return rows[0] ? toOrder(rows[0]) : undefined;
  }

  /** Orders by id, locked in id order when asked (a fixed lock order avoids deadlocks). */
  async findByIds(tx: Tx, ids: string[], forUpdate = false): Promise<Order[]> {
    if (ids.length === 0) return [];
    const sorted = [...new Set(ids)].sort();
    const rows: OrderRow[] = await tx.query(
      `SELECT * FROM orders WHERE id IN (${sorted.map(() => '?').join(',')}) ORDER BY id${forUpdate ? ' FOR UPDATE' : ''}`,
      sorted,
    );
    return rows.map(toOrder);
  }

  async list(tx: Tx, filter: OrderFilter, limit: number, startingAfter?: string): Promise<Page<Order>> {
    return pageNewestFirst<OrderRow, Order>(
      tx,
      {
        table: 'orders',
        equals: { buyer_id: filter.buyerId, seller_id: filter.sellerId, status: filter.status },
      },
      limit,
      startingAfter,
      toOrder,
    );
  }

  /**
   * A guarded change of the given orders: the columns of `set` (names written in this file only,
   * by the intent-named methods of OrdersService) change on the rows that are still in one of the
   * `from` statuses; `to` is the new status, or undefined to keep it. Returns the rows changed.
   */
  async change(
    tx: Tx,
    ids: string[],
    from: readonly OrderStatus[],
    to: OrderStatus | undefined,
    set: OrderColumns,
    now: Date,
  ): Promise<number> {
    if (ids.length === 0) return 0;
    const assignments: [string, unknown][] = [
      ...(to === undefined ? [] : ([['status', to]] as [string, unknown][])),
      ...Object.entries(set),
      ['updated_at', now],
    ];
    const result = await tx.query(
      `UPDATE orders SET ${assignments.map(([column]) => `${column} = ?`).join(', ')}
       WHERE id IN (${ids.map(() => '?').join(',')}) AND status IN (${from.map(() => '?').join(',')})`,
      [...assignments.map(([, value]) => value), ...ids, ...from],
    );
    return affectedRows(result);
  }

  /**
   * Records a payment's final result on its orders: the orders whose payment in flight it was are
   * free again, and those showing it as their latest payment show its new status.
   */
  async recordPaymentResult(
    tx: Tx,
    ids: string[],
    paymentId: string,
    status: PaymentSummary['status'],
    failureCode: string | null,
    now: Date,
  ): Promise<void> {
    if (ids.length === 0) return;
    await tx.query(
      `UPDATE orders SET
         pending_payment_id = CASE WHEN pending_payment_id = ? THEN NULL ELSE pending_payment_id END,
         latest_payment_status = CASE WHEN latest_payment_id = ? THEN ? ELSE latest_payment_status END,
         latest_payment_failure_code = CASE WHEN latest_payment_id = ? THEN ? ELSE latest_payment_failure_code END,
         updated_at = ?
       WHERE id IN (${ids.map(() => '?').join(',')}) AND (pending_payment_id = ? OR latest_payment_id = ?)`,
      [paymentId, paymentId, status, paymentId, failureCode, now, ...ids, paymentId, paymentId],
    );
  }
}

/** The columns the intent-named methods of OrdersService change, by their SQL names. */
export interface OrderColumns {
  pending_payment_id?: string | null;
  latest_payment_id?: string;
  latest_payment_status?: PaymentSummary['status'];
  latest_payment_card_brand?: string;
  latest_payment_card_last4?: string;
  latest_payment_failure_code?: string | null;
  paid_at?: Date;
  cancelled_at?: Date;
  expired_at?: Date;
  completed_at?: Date;
  shipment_method?: string;
  shipment_carrier?: string | null;
  shipment_tracking_number?: string | null;
  shipped_at?: Date;
  auto_confirm_at?: Date;
  buyer_extended?: 1;
  seller_extended?: 1;
}

import { toOrder } from '@danbao/orders';
import type { Order, OrderRow } from '@danbao/orders';
import { affectedRows, type Tx } from '@danbao/platform';
import type { CheckoutSession, Payment, PaymentStatus, SessionStatus } from './checkout.types';

interface SessionRow {
  id: string;
  kind: 'order' | 'cart';
  buyer_id: string;
  amount: string;
  currency: string;
  status: SessionStatus;
  return_url: string | null;
  payment_id: string | null;
  expires_at: Date;
  paid_at: Date | null;
  created_at: Date;
}

interface PaymentRow {
  id: string;
  session_id: string;
  channel: string;
  amount: string;
  currency: string;
  status: PaymentStatus;
  card_brand: string;
  card_last4: string;
  failure_code: string | null;
  channel_reference: string | null;
  review_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

const toSession = (row: SessionRow, orderIds: string[]): CheckoutSession => ({
  id: row.id,
  kind: row.kind,
  buyerId: row.buyer_id,
  amount: BigInt(row.amount),
  currency: row.currency,
  status: row.status,
  returnUrl: row.return_url,
  paymentId: row.payment_id,
  expiresAt: row.expires_at,
  paidAt: row.paid_at,
  createdAt: row.created_at,
  orderIds,
});

const toPayment = (row: PaymentRow): Payment => ({
  id: row.id,
  sessionId: row.session_id,
  channel: row.channel,
  amount: BigInt(row.amount),
  currency: row.currency,
  status: row.status,
  cardBrand: row.card_brand,
  cardLast4: row.card_last4,
  failureCode: row.failure_code,
  channelReference: row.channel_reference,
  reviewReasons: row.review_reason ? row.review_reason.split(',') : [],
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** A payment, its session and the session's orders, locked by one read. */
export interface LockedPayment {
  payment: Payment;
  session: CheckoutSession;
  orders: Order[];
}

/** Narrow SQL for checkout sessions and payments, inside the caller's transaction. */
export class CheckoutRepository {
  async insertSession(tx: Tx, session: CheckoutSession): Promise<void> {
    await this.insertSessions(tx, [session]);
  }

  /** Whether this order is linked to this session (both rows were committed). */
  async isLinked(tx: Tx, sessionId: string, orderId: string): Promise<boolean> {
    const rows: unknown[] = await tx.query(
      'SELECT 1 FROM checkout_session_orders WHERE session_id = ? AND order_id = ?',
      [sessionId, orderId],
    );
    return rows.length > 0;
  }

  /**
   * New sessions with their order links, in two statements whatever their number (a batch of
   * order creations commits them together).
   */
  async insertSessions(tx: Tx, sessions: CheckoutSession[]): Promise<void> {
    if (sessions.length === 0) return;
    await tx.query(
      `INSERT INTO checkout_sessions (id, kind, buyer_id, amount, currency, status, return_url, expires_at, created_at)
       VALUES ${sessions.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      sessions.flatMap((session) => [
        session.id,
        session.kind,
        session.buyerId,
        session.amount.toString(),
        session.currency,
        session.status,
        session.returnUrl,
        session.expiresAt,
        session.createdAt,
      ]),
    );
    const links = sessions.flatMap((session) =>
      session.orderIds.map((orderId, position) => [session.id, orderId, position]),
    );
    await tx.query(
      `INSERT INTO checkout_session_orders (session_id, order_id, position) VALUES ${links.map(() => '(?, ?, ?)').join(', ')}`,
      links.flat(),
    );
  }

  /** The session with its order ids in one round trip (locking both when asked). */
  async findSession(tx: Tx, id: string, forUpdate = false): Promise<CheckoutSession | undefined> {
    const rows: (SessionRow & { order_id: string })[] = await tx.query(
      `SELECT s.*, l.order_id FROM checkout_sessions s JOIN checkout_session_orders l ON l.session_id = s.id
       WHERE s.id = ? ORDER BY l.position${forUpdate ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return rows[0]
      ? toSession(
          rows[0],
          rows.map((row) => row.order_id),
        )
      : undefined;
  }

  /**
   * A payment with its session and the session's orders (in cart order), all locked, in one round
   * trip: what a channel notification needs before it decides anything.
   */
  async lockPaymentWithSession(tx: Tx, paymentId: string): Promise<LockedPayment | undefined> {
    return (await this.lockPaymentsWithSessions(tx, [paymentId])).get(paymentId);
  }

  /** lockPaymentWithSession for several payments in one statement (batched notifications), by id. */
  async lockPaymentsWithSessions(tx: Tx, paymentIds: string[]): Promise<Map<string, LockedPayment>> {
    const found = new Map<string, LockedPayment>();
    if (paymentIds.length === 0) return found;
    const sorted = [...new Set(paymentIds)].sort();
    // Locks payments, then sessions, links and orders: the order every payment path takes.
    const rows = await tx.queryNested<{ p: PaymentRow; s: SessionRow; l: { order_id: string }; o: OrderRow }>(
      `SELECT p.*, s.*, l.order_id, o.*
         FROM payments p JOIN checkout_sessions s ON s.id = p.session_id
         JOIN checkout_session_orders l ON l.session_id = s.id JOIN orders o ON o.id = l.order_id
         WHERE p.id IN (${sorted.map(() => '?').join(',')}) ORDER BY p.id, l.position FOR UPDATE`,
      sorted,
    );
    for (const row of rows) {
      let locked = found.get(row.p.id);
      if (!locked) {
        locked = { payment: toPayment(row.p), session: toSession(row.s, []), orders: [] };
        found.set(row.p.id, locked);
      }
      locked.session.orderIds.push(row.l.order_id);
      locked.orders.push(toOrder(row.o));
    }
    return found;
  }

  /**
   * Marks processing payments succeeded with each one's channel reference, and their sessions
   * paid, in one statement; returns how many payments changed (the caller holds the locks, and
   * checks that all did).
   */
  async markPaymentsSucceeded(
    tx: Tx,
    paid: { paymentId: string; channelReference: string }[],
    now: Date,
  ): Promise<number> {
    if (paid.length === 0) return 0;
    const result = await tx.query(
      `UPDATE payments p JOIN checkout_sessions s ON s.id = p.session_id
         SET p.status = 'succeeded', p.channel_reference = CASE p.id ${paid.map(() => 'WHEN ? THEN ?').join(' ')} END,
             p.updated_at = ?, s.status = 'paid', s.payment_id = p.id, s.paid_at = ?
       WHERE p.id IN (${paid.map(() => '?').join(',')}) AND p.status = 'processing'`,
      [
        ...paid.flatMap((item) => [item.paymentId, item.channelReference]),
        now,
        now,
        ...paid.map((item) => item.paymentId),
      ],
    );
    // Two rows per payment: the payment and its session.
    return affectedRows(result) / 2;
  }

  async setSessionStatus(
    tx: Tx,
    id: string,
    from: SessionStatus,
    to: SessionStatus,
    set: { payment_id?: string; paid_at?: Date } = {},
  ): Promise<boolean> {
    const columns = Object.keys(set) as (keyof typeof set)[];
    const result = await tx.query(
      `UPDATE checkout_sessions SET status = ?${columns.map((column) => `, ${column} = ?`).join('')} WHERE id = ? AND status = ?`,
      [to, ...columns.map((column) => set[column]), id, from],
    );
    return affectedRows(result) === 1;
  }

  async openSessionIdsExpiredBefore(tx: Tx, now: Date, limit: number): Promise<string[]> {
    const rows: { id: string }[] = await tx.query(
      // A session whose order has a payment in flight waits for that payment's result, so it is
      // left out here rather than found again by every sweep.
      `SELECT s.id FROM checkout_sessions s
       WHERE s.status = 'open' AND s.expires_at <= ?
         AND NOT EXISTS (SELECT 1 FROM checkout_session_orders l JOIN orders o ON o.id = l.order_id
                         WHERE l.session_id = s.id AND o.pending_payment_id IS NOT NULL)
       ORDER BY s.expires_at LIMIT ?`,
      [now, limit],
    );
    return rows.map((row) => row.id);
  }

  async insertPayment(tx: Tx, payment: Payment): Promise<void> {
    await tx.query(
      `INSERT INTO payments (id, session_id, channel, amount, currency, status, card_brand, card_last4, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        payment.id,
        payment.sessionId,
        payment.channel,
        payment.amount.toString(),
        payment.currency,
        payment.status,
        payment.cardBrand,
        payment.cardLast4,
        payment.createdAt,
        payment.updatedAt,
      ],
    );
  }

  async findPayment(tx: Tx, id: string, forUpdate = false): Promise<Payment | undefined> {
    const rows: PaymentRow[] = await tx.query(
      `SELECT * FROM payments WHERE id = ?${forUpdate ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return rows[0] ? toPayment(rows[0]) : undefined;
  }

  async findPayments(tx: Tx, ids: string[]): Promise<Payment[]> {
    if (ids.length === 0) return [];
    const rows: PaymentRow[] = await tx.query(
      `SELECT * FROM payments WHERE id IN (${ids.map(() => '?').join(',')})`,
      ids,
    );
    return rows.map(toPayment);
  }

  /** A payment's final result (processing → succeeded or failed); false if it was no longer processing. */
  async finishPayment(
    tx: Tx,
    id: string,
    result: { status: 'succeeded' | 'failed'; channelReference: string; failureCode: string | null },
    now: Date,
  ): Promise<boolean> {
    const changed = await tx.query(
      `UPDATE payments SET status = ?, channel_reference = ?, failure_code = ?, updated_at = ?
       WHERE id = ? AND status = 'processing'`,
      [result.status, result.channelReference, result.failureCode, now, id],
    );
    return affectedRows(changed) === 1;
  }

  /** Adds a review reason to the payment's list (once each, in arrival order). */
  async addReviewReason(tx: Tx, id: string, reason: string, now: Date): Promise<void> {
    await tx.query(
      `UPDATE payments SET review_reason = CASE
           WHEN review_reason IS NULL THEN ?
           WHEN FIND_IN_SET(?, review_reason) > 0 THEN review_reason
           ELSE CONCAT(review_reason, ',', ?) END,
         updated_at = ?
       WHERE id = ?`,
      [reason, reason, reason, now, id],
    );
  }

  /** Payments still processing that were created before `createdBefore`, oldest first. */
  async processingBefore(tx: Tx, createdBefore: Date, limit: number): Promise<Payment[]> {
    const rows: PaymentRow[] = await tx.query(
      `SELECT * FROM payments WHERE status = 'processing' AND created_at < ? ORDER BY created_at LIMIT ?`,
      [createdBefore, limit],
    );
    return rows.map(toPayment);
  }

  /**
   * Payments that need a person: all flagged ones (`review`), or those whose money no order could
   * take (`refund_required`); oldest first, by id after the cursor.
   */
  async needingReview(
    tx: Tx,
    filter: 'review' | 'refund_required',
    limit: number,
    startingAfter?: string,
  ): Promise<Payment[]> {
    const rows: PaymentRow[] = await tx.query(
      `SELECT * FROM payments WHERE review_reason IS NOT NULL
         ${filter === 'refund_required' ? "AND FIND_IN_SET('refund_required', review_reason) > 0" : ''}
         ${startingAfter ? 'AND id > ?' : ''}
       ORDER BY id LIMIT ?`,
      [...(startingAfter ? [startingAfter] : []), limit],
    );
    return rows.map(toPayment);
  }
}

import { sql } from '@danbao/platform';
import { EntityManager } from 'typeorm';
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
  reviewReason: row.review_reason,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** Narrow SQL for checkout sessions and payments, inside the caller's transaction. */
export class CheckoutRepository {
  async insertSession(manager: EntityManager, session: CheckoutSession): Promise<void> {
    await this.insertSessions(manager, [session]);
  }

  /**
   * New sessions with their order links, in two statements whatever their number (a batch of
   * order creations commits them together).
   */
  async insertSessions(manager: EntityManager, sessions: CheckoutSession[]): Promise<void> {
    if (sessions.length === 0) return;
    await sql(
      manager,
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
    await sql(
      manager,
      `INSERT INTO checkout_session_orders (session_id, order_id, position) VALUES ${links.map(() => '(?, ?, ?)').join(', ')}`,
      links.flat(),
    );
  }

  /** The session with its order ids in one round trip (locking both when asked). */
  async findSession(
    manager: EntityManager,
    id: string,
    forUpdate = false,
  ): Promise<CheckoutSession | undefined> {
    const rows: (SessionRow & { order_id: string })[] = await sql(
      manager,
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
   * A payment with its session and the session's order ids, locked, in one round trip: what a
   * channel notification needs before it decides anything.
   */
  async lockPaymentWithSession(
    manager: EntityManager,
    paymentId: string,
  ): Promise<{ payment: Payment; session: CheckoutSession } | undefined> {
    return (await this.lockPaymentsWithSessions(manager, [paymentId])).get(paymentId);
  }

  /** lockPaymentWithSession for several payments in one statement (batched notifications), by id. */
  async lockPaymentsWithSessions(
    manager: EntityManager,
    paymentIds: string[],
  ): Promise<Map<string, { payment: Payment; session: CheckoutSession }>> {
    const found = new Map<string, { payment: Payment; session: CheckoutSession }>();
    if (paymentIds.length === 0) return found;
    const sorted = [...new Set(paymentIds)].sort();
    const rows: (PaymentRow & {
      s_id: string;
      s_kind: 'order' | 'cart';
      s_buyer_id: string;
      s_amount: string;
      s_currency: string;
      s_status: SessionStatus;
      s_return_url: string | null;
      s_payment_id: string | null;
      s_expires_at: Date;
      s_paid_at: Date | null;
      s_created_at: Date;
      order_id: string;
    })[] = await sql(
      manager,
      `SELECT p.*, s.id AS s_id, s.kind AS s_kind, s.buyer_id AS s_buyer_id, s.amount AS s_amount, s.currency AS s_currency,
                s.status AS s_status, s.return_url AS s_return_url, s.payment_id AS s_payment_id, s.expires_at AS s_expires_at,
                s.paid_at AS s_paid_at, s.created_at AS s_created_at, l.order_id
         FROM payments p JOIN checkout_sessions s ON s.id = p.session_id JOIN checkout_session_orders l ON l.session_id = s.id
         WHERE p.id IN (${sorted.map(() => '?').join(',')}) ORDER BY p.id, l.position FOR UPDATE`,
      sorted,
    );
    for (const row of rows) {
      const seen = found.get(row.id);
      if (seen) {
        seen.session.orderIds.push(row.order_id);
        continue;
      }
      const session = toSession(
        {
          id: row.s_id,
          kind: row.s_kind,
          buyer_id: row.s_buyer_id,
          amount: row.s_amount,
          currency: row.s_currency,
          status: row.s_status,
          return_url: row.s_return_url,
          payment_id: row.s_payment_id,
          expires_at: row.s_expires_at,
          paid_at: row.s_paid_at,
          created_at: row.s_created_at,
        },
        [row.order_id],
      );
      found.set(row.id, { payment: toPayment(row), session });
    }
    return found;
  }

  /**
   * Marks processing payments succeeded with each one's channel reference, and their sessions
   * paid, in one statement each; returns how many payments changed (the caller holds the locks,
   * and checks that all did).
   */
  async markPaymentsSucceeded(
    manager: EntityManager,
    paid: { paymentId: string; sessionId: string; channelReference: string }[],
    now: Date,
  ): Promise<number> {
    if (paid.length === 0) return 0;
    const marks = paid.map(() => '?').join(',');
    const payments = await sql(
      manager,
      `UPDATE payments SET status = 'succeeded', channel_reference = CASE id ${paid.map(() => 'WHEN ? THEN ?').join(' ')} END,
         updated_at = ? WHERE id IN (${marks}) AND status = 'processing'`,
      [
        ...paid.flatMap((item) => [item.paymentId, item.channelReference]),
        now,
        ...paid.map((item) => item.paymentId),
      ],
    );
    await sql(
      manager,
      `UPDATE checkout_sessions SET status = 'paid', payment_id = CASE id ${paid.map(() => 'WHEN ? THEN ?').join(' ')} END,
         paid_at = ? WHERE id IN (${marks})`,
      [
        ...paid.flatMap((item) => [item.sessionId, item.paymentId]),
        now,
        ...paid.map((item) => item.sessionId),
      ],
    );
    return (payments as { affectedRows: number }).affectedRows;
  }

  async setSessionStatus(
    manager: EntityManager,
    id: string,
    from: SessionStatus,
    to: SessionStatus,
    set: { payment_id?: string; paid_at?: Date } = {},
  ): Promise<boolean> {
    const columns = Object.keys(set) as (keyof typeof set)[];
    const result = await sql(
      manager,
      `UPDATE checkout_sessions SET status = ?${columns.map((column) => `, ${column} = ?`).join('')} WHERE id = ? AND status = ?`,
      [to, ...columns.map((column) => set[column]), id, from],
    );
    return (result as { affectedRows: number }).affectedRows === 1;
  }

  async openSessionIdsExpiredBefore(manager: EntityManager, now: Date, limit: number): Promise<string[]> {
    const rows: { id: string }[] = await sql(
      manager,
      `SELECT id FROM checkout_sessions WHERE status = 'open' AND expires_at <= ? ORDER BY expires_at LIMIT ?`,
      [now, limit],
    );
    return rows.map((row) => row.id);
  }

  async insertPayment(manager: EntityManager, payment: Payment): Promise<void> {
    await sql(
      manager,
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

  async findPayment(manager: EntityManager, id: string, forUpdate = false): Promise<Payment | undefined> {
    const rows: PaymentRow[] = await sql(
      manager,
      `SELECT * FROM payments WHERE id = ?${forUpdate ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return rows[0] ? toPayment(rows[0]) : undefined;
  }

  async findPayments(manager: EntityManager, ids: string[]): Promise<Payment[]> {
    if (ids.length === 0) return [];
    const rows: PaymentRow[] = await sql(
      manager,
      `SELECT * FROM payments WHERE id IN (${ids.map(() => '?').join(',')})`,
      ids,
    );
    return rows.map(toPayment);
  }

  async updatePayment(
    manager: EntityManager,
    id: string,
    set: Record<string, unknown>,
    now: Date,
  ): Promise<void> {
    const columns = Object.keys(set);
    await sql(
      manager,
      `UPDATE payments SET ${columns.map((column) => `${column} = ?`).join(', ')}, updated_at = ? WHERE id = ?`,
      [...columns.map((column) => set[column]), now, id],
    );
  }
}

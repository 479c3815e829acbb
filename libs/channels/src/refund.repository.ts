import { affectedRows, type Tx } from '@danbao/platform';
import type { Refund, RefundSource, RefundStatus } from './refund.types';

interface RefundRow {
  id: string;
  payment_id: string;
  channel: string;
  source: RefundSource;
  order_id: string | null;
  amount: string;
  currency: string;
  status: RefundStatus;
  reason: string;
  retry_of: string | null;
  failure_code: string | null;
  channel_reference: string | null;
  sent_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const toRefund = (row: RefundRow): Refund => ({
  id: row.id,
  paymentId: row.payment_id,
  channel: row.channel,
  source: row.source,
  orderId: row.order_id,
  amount: BigInt(row.amount),
  currency: row.currency,
  status: row.status,
  reason: row.reason,
  retryOf: row.retry_of,
  failureCode: row.failure_code,
  channelReference: row.channel_reference,
  sentAt: row.sent_at,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** Narrow SQL for refunds, in the caller's Tx. */
export class RefundRepository {
  async insert(tx: Tx, refund: Refund): Promise<void> {
    await tx.query(
      `INSERT INTO refunds (id, payment_id, channel, source, order_id, amount, currency, status, reason, retry_of, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        refund.id,
        refund.paymentId,
        refund.channel,
        refund.source,
        refund.orderId,
        refund.amount.toString(),
        refund.currency,
        refund.status,
        refund.reason,
        refund.retryOf,
        refund.createdAt,
        refund.updatedAt,
      ],
    );
  }

  async find(tx: Tx, id: string, forUpdate = false): Promise<Refund | undefined> {
    const rows = await tx.query<RefundRow[]>(
      `SELECT * FROM refunds WHERE id = ?${forUpdate ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return rows[0] ? toRefund(rows[0]) : undefined;
  }

  async forPayments(tx: Tx, paymentIds: string[]): Promise<Refund[]> {
    if (paymentIds.length === 0) return [];
    const rows = await tx.query<RefundRow[]>(
      `SELECT * FROM refunds WHERE payment_id IN (${paymentIds.map(() => '?').join(',')}) ORDER BY id`,
      paymentIds,
    );
    return rows.map(toRefund);
  }

  async markSent(tx: Tx, id: string, now: Date): Promise<void> {
    await tx.query("UPDATE refunds SET sent_at = ?, updated_at = ? WHERE id = ? AND status = 'requested'", [
      now,
      now,
      id,
    ]);
  }

  /** The guarded end of a requested refund; false if it was no longer requested. */
  async finish(
    tx: Tx,
    id: string,
    status: 'succeeded' | 'failed',
    channelReference: string,
    failureCode: string | null,
    now: Date,
  ): Promise<boolean> {
    const result = await tx.query(
      `UPDATE refunds SET status = ?, channel_reference = ?, failure_code = ?, updated_at = ?
       WHERE id = ? AND status = 'requested'`,
      [status, channelReference, failureCode, now, id],
    );
    return affectedRows(result) === 1;
  }

  /** An order's refunds (escrow refunds of its hold), oldest first. */
  async forOrder(tx: Tx, orderId: string): Promise<Refund[]> {
    const rows = await tx.query<RefundRow[]>('SELECT * FROM refunds WHERE order_id = ? ORDER BY id', [
      orderId,
    ]);
    return rows.map(toRefund);
  }

  /** Refunds in a status, oldest first, by id after the cursor (admins' list of failed refunds). */
  async list(tx: Tx, status: RefundStatus, limit: number, startingAfter?: string): Promise<Refund[]> {
    const rows = await tx.query<RefundRow[]>(
      `SELECT * FROM refunds WHERE status = ?${startingAfter ? ' AND id > ?' : ''} ORDER BY id LIMIT ?`,
      [status, ...(startingAfter ? [startingAfter] : []), limit],
    );
    return rows.map(toRefund);
  }

  /** Requested refunds not sent, or sent before `sentBefore` without an answer (the sweep re-sends them). */
  async unanswered(tx: Tx, sentBefore: Date, limit: number): Promise<Refund[]> {
    const rows = await tx.query<RefundRow[]>(
      `SELECT * FROM refunds WHERE status = 'requested' AND (sent_at IS NULL OR sent_at < ?) ORDER BY id LIMIT ?`,
      [sentBefore, limit],
    );
    return rows.map(toRefund);
  }

  /**
   * Per payment, what suspense still owes the buyer: refunds not yet confirmed by the channel (a
   * failed refund that was retried owes through its retry, not twice).
   */
  async suspenseOwed(tx: Tx): Promise<Map<string, { amount: bigint; currency: string }>> {
    const rows = await tx.query<{ payment_id: string; currency: string; owed: string }[]>(
      `SELECT f.payment_id, f.currency, SUM(f.amount) AS owed FROM refunds f
       WHERE f.source IN ('suspense', 'released') AND f.status IN ('requested', 'failed')
         AND NOT EXISTS (SELECT 1 FROM refunds r WHERE r.retry_of = f.id)
       GROUP BY f.payment_id, f.currency`,
    );
    return new Map(rows.map((row) => [row.payment_id, { amount: BigInt(row.owed), currency: row.currency }]));
  }
}

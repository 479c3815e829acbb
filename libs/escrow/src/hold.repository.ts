import { affectedRows, type Tx } from '@danbao/platform';
import type { Hold, HoldStatus } from './hold.types';

interface HoldRow {
  id: string;
  order_id: string;
  seller_id: string;
  amount: string;
  currency: string;
  fee_bps: number;
  status: HoldStatus;
  fee: string;
  released: string;
  refunded: string;
  refund_due?: string;
  payment_id: string;
  channel: string;
  expires_at: Date;
  created_at: Date;
  updated_at: Date;
  resolved_at: Date | null;
  release_due_at?: Date | null;
  confirmed_at?: Date | null;
  expiry_notified_at?: Date | null;
  overdue_at?: Date | null;
  frozen_at?: Date | null;
  deadline_left_ms?: string | null;
}

export function toHold(row: HoldRow): Hold {
  return {
    id: row.id,
    orderId: row.order_id,
    sellerId: row.seller_id,
    amount: BigInt(row.amount),
    currency: row.currency,
    feeBps: Number(row.fee_bps),
    status: row.status,
    fee: BigInt(row.fee),
    released: BigInt(row.released),
    refunded: BigInt(row.refunded),
    refundDue: BigInt(row.refund_due ?? '0'),
    paymentId: row.payment_id,
    channel: row.channel,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    resolvedAt: row.resolved_at,
    releaseDueAt: row.release_due_at ?? null,
    confirmedAt: row.confirmed_at ?? null,
    expiryNotifiedAt: row.expiry_notified_at ?? null,
    overdueAt: row.overdue_at ?? null,
    frozenAt: row.frozen_at ?? null,
    deadlineLeftMs:
      row.deadline_left_ms === null || row.deadline_left_ms === undefined
        ? null
        : Number(row.deadline_left_ms),
  };
}

/** A hold and its order, as the sweep finds work: ids only. */
export interface HoldRef {
  holdId: string;
  orderId: string;
}

/** A hold being released: what the seller and the platform get. */
export interface ReleaseRow {
  id: string;
  fee: bigint;
  net: bigint;
}

const marks = (count: number): string => new Array<string>(count).fill('?').join(',');

/** Narrow SQL for holds; every method takes the caller's Tx (its transaction). */
export class HoldRepository {
  async insertMany(tx: Tx, holds: Hold[]): Promise<void> {
    if (holds.length === 0) return;
    await tx.query(
      `INSERT INTO holds (id, order_id, seller_id, amount, currency, fee_bps, status, payment_id, channel, expires_at, created_at, updated_at)
       VALUES ${holds.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      holds.flatMap((hold) => [
        hold.id,
        hold.orderId,
        hold.sellerId,
        hold.amount.toString(),
        hold.currency,
        hold.feeBps,
        hold.status,
        hold.paymentId,
        hold.channel,
        hold.expiresAt,
        hold.createdAt,
        hold.updatedAt,
      ]),
    );
  }

  async findByOrderIds(tx: Tx, orderIds: string[]): Promise<Hold[]> {
    if (orderIds.length === 0) return [];
    const rows: HoldRow[] = await tx.query(
      `SELECT * FROM holds WHERE order_id IN (${marks(orderIds.length)})`,
      orderIds,
    );
    return rows.map(toHold);
  }

  async findById(tx: Tx, id: string): Promise<Hold | undefined> {
    const rows: HoldRow[] = await tx.query('SELECT * FROM holds WHERE id = ?', [id]);
    return rows[0] ? toHold(rows[0]) : undefined;
  }

  /** The hold of an order, locked; callers lock the order first (orders before holds, always). */
  async lockByOrderId(tx: Tx, orderId: string): Promise<Hold | undefined> {
    const rows: HoldRow[] = await tx.query('SELECT * FROM holds WHERE order_id = ? FOR UPDATE', [orderId]);
    return rows[0] ? toHold(rows[0]) : undefined;
  }

  /** Holds by id, locked in id order (a fixed order, so two batches never deadlock on them). */
  async lockByIds(tx: Tx, ids: string[]): Promise<Hold[]> {
    if (ids.length === 0) return [];
    const sorted = [...new Set(ids)].sort();
    const rows: HoldRow[] = await tx.query(
      `SELECT * FROM holds WHERE id IN (${marks(sorted.length)}) ORDER BY id FOR UPDATE`,
      sorted,
    );
    return rows.map(toHold);
  }

  /** Order ids of holds, read without locks (a hold's order never changes). */
  async orderIdsOf(tx: Tx, ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows: { id: string; order_id: string }[] = await tx.query(
      `SELECT id, order_id FROM holds WHERE id IN (${marks(ids.length)})`,
      ids,
    );
    return new Map(rows.map((row) => [row.id, row.order_id]));
  }

  async setReleaseDue(tx: Tx, id: string, dueAt: Date, now: Date): Promise<void> {
    await tx.query('UPDATE holds SET release_due_at = ?, updated_at = ? WHERE id = ?', [dueAt, now, id]);
  }

  /** The buyer's confirmation: the release is due now (or earlier, if the deadline already passed). */
  async markConfirmed(tx: Tx, id: string, now: Date): Promise<boolean> {
    const result = await tx.query(
      `UPDATE holds SET confirmed_at = ?, release_due_at = IF(release_due_at IS NULL OR release_due_at > ?, ?, release_due_at),
         updated_at = ?
       WHERE id = ? AND status = 'held' AND confirmed_at IS NULL`,
      [now, now, now, now, id],
    );
    return affectedRows(result) === 1;
  }

  /** Releases several held holds in one statement; returns how many rows it changed. */
  async markReleased(tx: Tx, rows: ReleaseRow[], now: Date): Promise<number> {
    if (rows.length === 0) return 0;
    const feeCases = rows.map(() => 'WHEN ? THEN ?').join(' ');
    const netCases = rows.map(() => 'WHEN ? THEN ?').join(' ');
    const result = await tx.query(
      `UPDATE holds SET status = 'released', fee = CASE id ${feeCases} END, released = CASE id ${netCases} END,
         resolved_at = ?, updated_at = ?
       WHERE id IN (${marks(rows.length)}) AND status = 'held'`,
      [
        ...rows.flatMap((row) => [row.id, row.fee]),
        ...rows.flatMap((row) => [row.id, row.net]),
        now,
        now,
        ...rows.map((row) => row.id),
      ],
    );
    return affectedRows(result);
  }

  /** held → frozen: the release deadline stops, keeping the time it had left. */
  async freeze(tx: Tx, id: string, deadlineLeftMs: number | null, now: Date): Promise<boolean> {
    const result = await tx.query(
      `UPDATE holds SET status = 'frozen', frozen_at = ?, deadline_left_ms = ?, release_due_at = NULL, updated_at = ?
       WHERE id = ? AND status = 'held'`,
      [now, deadlineLeftMs, now, id],
    );
    return affectedRows(result) === 1;
  }

  /** frozen → held: the release deadline resumes at `releaseDueAt` (null: none was running). */
  async unfreeze(tx: Tx, id: string, releaseDueAt: Date | null, now: Date): Promise<boolean> {
    const result = await tx.query(
      `UPDATE holds SET status = 'held', frozen_at = NULL, deadline_left_ms = NULL, release_due_at = ?, updated_at = ?
       WHERE id = ? AND status = 'frozen'`,
      [releaseDueAt, now, id],
    );
    return affectedRows(result) === 1;
  }

  /**
   * The hold's final split, from held or frozen: what goes back to the buyer (`refundDue`, booked
   * as the channel confirms it) and what was released (`released` net of `fee`).
   */
  async resolve(
    tx: Tx,
    id: string,
    split: {
      status: 'released' | 'refunded' | 'partially_refunded';
      fee: bigint;
      released: bigint;
      refundDue: bigint;
    },
    now: Date,
  ): Promise<boolean> {
    const result = await tx.query(
      `UPDATE holds SET status = ?, fee = ?, released = ?, refund_due = ?, frozen_at = NULL, deadline_left_ms = NULL,
         resolved_at = ?, updated_at = ?
       WHERE id = ? AND status IN ('held', 'frozen')`,
      [split.status, split.fee, split.released, split.refundDue, now, now, id],
    );
    return affectedRows(result) === 1;
  }

  /** The channel confirmed a refund of this hold: never more than was decided to go back. */
  async addRefunded(tx: Tx, id: string, amount: bigint, now: Date): Promise<boolean> {
    const result = await tx.query(
      'UPDATE holds SET refunded = refunded + ?, updated_at = ? WHERE id = ? AND refunded + ? <= refund_due',
      [amount, now, id, amount],
    );
    return affectedRows(result) === 1;
  }

  /**
   * Decides more of a released hold's money goes back to the buyer (a refund after release), never
   * past what the buyer paid.
   */
  async addRefundDueAfterRelease(tx: Tx, id: string, amount: bigint, now: Date): Promise<boolean> {
    const result = await tx.query(
      `UPDATE holds SET refund_due = refund_due + ?, updated_at = ?
       WHERE id = ? AND status IN ('released', 'partially_refunded', 'refunded') AND refund_due + ? <= amount`,
      [amount, now, id, amount],
    );
    return affectedRows(result) === 1;
  }

  /** A confirmed refund after release: refunded grows, and the hold says how much went back. */
  async addRefundedAfterRelease(tx: Tx, id: string, amount: bigint, now: Date): Promise<boolean> {
    const result = await tx.query(
      // status first: assignments run left to right and see the columns already assigned.
      `UPDATE holds SET status = IF(refunded + ? >= amount, 'refunded', 'partially_refunded'),
         refunded = refunded + ?, updated_at = ?
       WHERE id = ? AND refunded + ? <= refund_due`,
      [amount, amount, now, id, amount],
    );
    return affectedRows(result) === 1;
  }

  async markOverdue(tx: Tx, id: string, now: Date): Promise<boolean> {
    const result = await tx.query(
      `UPDATE holds SET overdue_at = ?, updated_at = ? WHERE id = ? AND overdue_at IS NULL AND status IN ('held', 'frozen')`,
      [now, now, id],
    );
    return affectedRows(result) === 1;
  }

  async markExpiryNotified(tx: Tx, ids: string[], now: Date): Promise<number> {
    if (ids.length === 0) return 0;
    const result = await tx.query(
      `UPDATE holds SET expiry_notified_at = ?, updated_at = ?
       WHERE id IN (${marks(ids.length)}) AND expiry_notified_at IS NULL AND status IN ('held', 'frozen')`,
      [now, now, ...ids],
    );
    return affectedRows(result);
  }

  /**
   * Held holds whose release is due, oldest deadline first (index holds_release_due), a page at a
   * time: `after` is the last hold of the previous page.
   */
  async findDueForRelease(
    tx: Tx,
    now: Date,
    limit: number,
    after?: { holdId: string; dueAt: Date },
  ): Promise<(HoldRef & { dueAt: Date })[]> {
    const rows: { id: string; order_id: string; release_due_at: Date }[] = await tx.query(
      `SELECT id, order_id, release_due_at FROM holds
       WHERE status = 'held' AND release_due_at <= ?${after ? ' AND (release_due_at > ? OR (release_due_at = ? AND id > ?))' : ''}
       ORDER BY release_due_at, id LIMIT ?`,
      after ? [now, after.dueAt, after.dueAt, after.holdId, limit] : [now, limit],
    );
    return rows.map((row) => ({ holdId: row.id, orderId: row.order_id, dueAt: row.release_due_at }));
  }

  /** Open holds within `before` of their horizon that have had no notice yet (index holds_status_expiry). */
  async findExpiryNoticeDue(tx: Tx, before: Date, limit: number): Promise<string[]> {
    const rows: { id: string }[] = await tx.query(
      `SELECT id FROM holds WHERE status IN ('held', 'frozen') AND expires_at <= ? AND expiry_notified_at IS NULL
       ORDER BY expires_at LIMIT ?`,
      [before, limit],
    );
    return rows.map((row) => row.id);
  }

  /**
   * Open holds past their horizon that are not flagged yet, a page at a time: `after` is the last
   * hold of the previous page.
   */
  async findExpired(
    tx: Tx,
    now: Date,
    limit: number,
    after?: { holdId: string; expiresAt: Date },
  ): Promise<(HoldRef & { expiresAt: Date })[]> {
    const rows: { id: string; order_id: string; expires_at: Date }[] = await tx.query(
      `SELECT id, order_id, expires_at FROM holds
       WHERE status IN ('held', 'frozen') AND expires_at <= ? AND overdue_at IS NULL${after ? ' AND (expires_at > ? OR (expires_at = ? AND id > ?))' : ''}
       ORDER BY expires_at, id LIMIT ?`,
      after ? [now, after.expiresAt, after.expiresAt, after.holdId, limit] : [now, limit],
    );
    return rows.map((row) => ({ holdId: row.id, orderId: row.order_id, expiresAt: row.expires_at }));
  }

  /** Flagged holds still open, by id (cursor pagination). */
  async listOverdue(
    tx: Tx,
    limit: number,
    startingAfter?: string,
  ): Promise<{ data: Hold[]; hasMore: boolean }> {
    const rows: HoldRow[] = await tx.query(
      `SELECT * FROM holds WHERE overdue_at IS NOT NULL AND status IN ('held', 'frozen')${startingAfter ? ' AND id > ?' : ''}
       ORDER BY id LIMIT ?`,
      startingAfter ? [startingAfter, limit + 1] : [limit + 1],
    );
    return { data: rows.slice(0, limit).map(toHold), hasMore: rows.length > limit };
  }
}

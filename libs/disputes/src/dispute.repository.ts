import { affectedRows, pageNewestFirst, type Tx } from '@danbao/platform';
import type { DeadlineKind, DisputeReason, DisputeStatus, RulingOutcome } from './dispute.state';
import type { Dispute, DisputeMessage, DisputeStatusChange } from './dispute.types';

interface DisputeRow {
  id: string;
  order_id: string;
  buyer_id: string;
  seller_id: string;
  status: DisputeStatus;
  reason: DisputeReason;
  refund_amount: string;
  currency: string;
  return_goods: number;
  return_carrier: string | null;
  return_tracking_number: string | null;
  return_shipped_at: Date | null;
  escalated_at: Date | null;
  resolution_id: string | null;
  resolution_outcome: RulingOutcome | null;
  resolution_refund_amount: string | null;
  resolution_note: string | null;
  resolved_by: string | null;
  resolved_at: Date | null;
  approved_by: string | null;
  approved_at: Date | null;
  deadline_kind: DeadlineKind | null;
  deadline_at: Date | null;
  status_changed_at: Date;
  created_at: Date;
  updated_at: Date;
}

function toDispute(row: DisputeRow): Dispute {
  return {
    id: row.id,
    orderId: row.order_id,
    buyerId: row.buyer_id,
    sellerId: row.seller_id,
    status: row.status,
    reason: row.reason,
    refundAmount: BigInt(row.refund_amount),
    currency: row.currency,
    returnGoods: Boolean(row.return_goods),
    returnCarrier: row.return_carrier,
    returnTrackingNumber: row.return_tracking_number,
    returnShippedAt: row.return_shipped_at,
    escalatedAt: row.escalated_at,
    resolutionId: row.resolution_id,
    resolutionOutcome: row.resolution_outcome,
    resolutionRefundAmount:
      row.resolution_refund_amount === null ? null : BigInt(row.resolution_refund_amount),
    resolutionNote: row.resolution_note,
    resolvedBy: row.resolved_by,
    resolvedAt: row.resolved_at,
    approvedBy: row.approved_by,
    approvedAt: row.approved_at,
    deadlineKind: row.deadline_kind,
    deadlineAt: row.deadline_at,
    statusChangedAt: row.status_changed_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The columns of the fields a status change may set (never the ids, parties or the ask). */
const COLUMNS = {
  status: 'status',
  returnCarrier: 'return_carrier',
  returnTrackingNumber: 'return_tracking_number',
  returnShippedAt: 'return_shipped_at',
  escalatedAt: 'escalated_at',
  resolutionId: 'resolution_id',
  resolutionOutcome: 'resolution_outcome',
  resolutionRefundAmount: 'resolution_refund_amount',
  resolutionNote: 'resolution_note',
  resolvedBy: 'resolved_by',
  resolvedAt: 'resolved_at',
  approvedBy: 'approved_by',
  approvedAt: 'approved_at',
  deadlineKind: 'deadline_kind',
  deadlineAt: 'deadline_at',
  statusChangedAt: 'status_changed_at',
  updatedAt: 'updated_at',
} as const satisfies Partial<Record<keyof Dispute, string>>;

export type DisputePatch = Partial<Pick<Dispute, keyof typeof COLUMNS>>;

export interface DisputeFilter {
  buyerId?: string;
  sellerId?: string;
  status?: DisputeStatus;
}

/** A dispute whose deadline has passed, as the sweep finds it: ids and the due time only. */
export interface DueDeadline {
  disputeId: string;
  dueAt: Date;
}

const sqlValue = (value: unknown): unknown => (typeof value === 'bigint' ? value.toString() : value);

/** Narrow SQL for disputes, their messages and status changes; every method takes the caller's Tx. */
export class DisputeRepository {
  async insert(tx: Tx, dispute: Dispute): Promise<void> {
    await tx.query(
      `INSERT INTO disputes (id, order_id, buyer_id, seller_id, status, reason, refund_amount, currency, return_goods,
         deadline_kind, deadline_at, status_changed_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        dispute.id,
        dispute.orderId,
        dispute.buyerId,
        dispute.sellerId,
        dispute.status,
        dispute.reason,
        dispute.refundAmount.toString(),
        dispute.currency,
        dispute.returnGoods ? 1 : 0,
        dispute.deadlineKind,
        dispute.deadlineAt,
        dispute.statusChangedAt,
        dispute.createdAt,
        dispute.updatedAt,
      ],
    );
  }

  async findById(tx: Tx, id: string): Promise<Dispute | undefined> {
    const rows: DisputeRow[] = await tx.query('SELECT * FROM disputes WHERE id = ?', [id]);
    return rows[0] ? toDispute(rows[0]) : undefined;
  }

  /** The dispute, locked; callers lock its order first (orders, disputes, then holds: always). */
  async lock(tx: Tx, id: string): Promise<Dispute | undefined> {
    const rows: DisputeRow[] = await tx.query('SELECT * FROM disputes WHERE id = ? FOR UPDATE', [id]);
    return rows[0] ? toDispute(rows[0]) : undefined;
  }

  /** Every dispute of an order, oldest first (the caller holds the order's lock). */
  async forOrder(tx: Tx, orderId: string): Promise<Dispute[]> {
    const rows: DisputeRow[] = await tx.query(
      'SELECT * FROM disputes WHERE order_id = ? ORDER BY created_at, id',
      [orderId],
    );
    return rows.map(toDispute);
  }

  /** The guarded change of a locked dispute from `from`; answers whether it applied. */
  async change(tx: Tx, id: string, from: DisputeStatus, patch: DisputePatch): Promise<boolean> {
    const entries = Object.entries(patch).filter(([, value]) => value !== undefined);
    const result = await tx.query(
      `UPDATE disputes SET ${entries.map(([field]) => `${COLUMNS[field as keyof typeof COLUMNS]} = ?`).join(', ')}
       WHERE id = ? AND status = ?`,
      [...entries.map(([, value]) => sqlValue(value)), id, from],
    );
    return affectedRows(result) === 1;
  }

  async insertMessage(tx: Tx, message: DisputeMessage): Promise<void> {
    await tx.query(
      `INSERT INTO dispute_messages (id, dispute_id, author_role, author_id, text, attachment_urls, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      [
        message.id,
        message.disputeId,
        message.authorRole,
        message.authorId,
        message.text,
        JSON.stringify(message.attachmentUrls),
        message.createdAt,
      ],
    );
  }

  async insertStatusChange(tx: Tx, change: DisputeStatusChange): Promise<void> {
    await tx.query(
      `INSERT INTO dispute_status_changes (id, dispute_id, from_status, to_status, actor, created_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
      [change.id, change.disputeId, change.from, change.to, change.actor, change.createdAt],
    );
  }

  async messages(tx: Tx, disputeId: string): Promise<DisputeMessage[]> {
    const rows: {
      id: string;
      dispute_id: string;
      author_role: DisputeMessage['authorRole'];
      author_id: string;
      text: string;
      attachment_urls: string | string[];
      created_at: Date;
    }[] = await tx.query('SELECT * FROM dispute_messages WHERE dispute_id = ? ORDER BY id', [disputeId]);
    return rows.map((row) => ({
      id: row.id,
      disputeId: row.dispute_id,
      authorRole: row.author_role,
      authorId: row.author_id,
      text: row.text,
      attachmentUrls:
        typeof row.attachment_urls === 'string'
          ? (JSON.parse(row.attachment_urls) as string[])
          : row.attachment_urls,
      createdAt: row.created_at,
    }));
  }

  async statusChanges(tx: Tx, disputeId: string): Promise<DisputeStatusChange[]> {
    const rows: {
      id: string;
      dispute_id: string;
      from_status: DisputeStatus | null;
      to_status: DisputeStatus;
      actor: string;
      created_at: Date;
    }[] = await tx.query('SELECT * FROM dispute_status_changes WHERE dispute_id = ? ORDER BY id', [
      disputeId,
    ]);
    return rows.map((row) => ({
      id: row.id,
      disputeId: row.dispute_id,
      from: row.from_status,
      to: row.to_status,
      actor: row.actor,
      createdAt: row.created_at,
    }));
  }

  /** A page of disputes, newest first (ids are time-sortable). */
  async list(
    tx: Tx,
    filter: DisputeFilter,
    limit: number,
    startingAfter?: string,
  ): Promise<{ data: Dispute[]; hasMore: boolean }> {
    return pageNewestFirst<DisputeRow, Dispute>(
      tx,
      {
        table: 'disputes',
        equals: { buyer_id: filter.buyerId, seller_id: filter.sellerId, status: filter.status },
      },
      limit,
      startingAfter,
      toDispute,
    );
  }

  /**
   * The admins' queue: disputes in a status, the longest waiting first (by when they entered it),
   * paged after a dispute of the same queue.
   */
  async queue(
    tx: Tx,
    status: DisputeStatus | undefined,
    limit: number,
    startingAfter?: string,
  ): Promise<{ data: Dispute[]; hasMore: boolean }> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (status !== undefined) {
      where.push('status = ?');
      params.push(status);
    }
    if (startingAfter !== undefined) {
      where.push('(status_changed_at, id) > (SELECT status_changed_at, id FROM disputes WHERE id = ?)');
      params.push(startingAfter);
    }
    const rows: DisputeRow[] = await tx.query(
      `SELECT * FROM disputes ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY status_changed_at, id LIMIT ?`,
      [...params, limit + 1],
    );
    return { data: rows.slice(0, limit).map(toDispute), hasMore: rows.length > limit };
  }

  /** Disputes whose deadline has passed (the sweep rings for each). */
  async findDueDeadlines(tx: Tx, now: Date, limit: number): Promise<DueDeadline[]> {
    const rows: { id: string; deadline_at: Date }[] = await tx.query(
      'SELECT id, deadline_at FROM disputes WHERE deadline_at <= ? ORDER BY deadline_at LIMIT ?',
      [now, limit],
    );
    return rows.map((row) => ({ disputeId: row.id, dueAt: row.deadline_at }));
  }
}

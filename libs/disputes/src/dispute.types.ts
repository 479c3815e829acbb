import { toJsonAmount } from '@danbao/money';
import type { DeadlineKind, DisputeReason, DisputeStatus, RulingOutcome } from './dispute.state';

export interface Dispute {
  id: string;
  orderId: string;
  buyerId: string;
  sellerId: string;
  status: DisputeStatus;
  reason: DisputeReason;
  /** What the buyer asks back, minor units (1 to the amount held). */
  refundAmount: bigint;
  currency: string;
  returnGoods: boolean;
  returnCarrier: string | null;
  returnTrackingNumber: string | null;
  returnShippedAt: Date | null;
  escalatedAt: Date | null;
  /** How it ended or is to end (set when the money is decided, or an admin's ruling waits). */
  resolutionId: string | null;
  resolutionOutcome: RulingOutcome | null;
  resolutionRefundAmount: bigint | null;
  resolutionNote: string | null;
  /** Who decided: `seller:<id>`, `admin:<id>` or `deadline`. */
  resolvedBy: string | null;
  resolvedAt: Date | null;
  /** The second admin who approved a ruling above ADMIN_APPROVAL_THRESHOLD (`admin:<id>`). */
  approvedBy: string | null;
  approvedAt: Date | null;
  deadlineKind: DeadlineKind | null;
  deadlineAt: Date | null;
  statusChangedAt: Date;
  createdAt: Date;
  updatedAt: Date;
}

export interface DisputeMessage {
  id: string;
  disputeId: string;
  authorRole: 'buyer' | 'seller' | 'admin';
  authorId: string;
  text: string;
  attachmentUrls: string[];
  createdAt: Date;
}

export interface DisputeStatusChange {
  id: string;
  disputeId: string;
  from: DisputeStatus | null;
  to: DisputeStatus;
  /** `buyer:<id>`, `seller:<id>`, `admin:<id>` or `deadline`. */
  actor: string;
  createdAt: Date;
}

const iso = (date: Date | null): string | null => (date ? new Date(date).toISOString() : null);

/** A dispute as the API and its events show it (API.md); amounts are JSON integers. */
export function toDisputeObject(dispute: Dispute) {
  return {
    id: dispute.id,
    object: 'dispute' as const,
    order_id: dispute.orderId,
    buyer_id: dispute.buyerId,
    seller_id: dispute.sellerId,
    status: dispute.status,
    reason: dispute.reason,
    refund_amount: toJsonAmount(dispute.refundAmount),
    currency: dispute.currency,
    return_goods: dispute.returnGoods,
    return_shipment:
      dispute.returnShippedAt === null
        ? null
        : {
            carrier: dispute.returnCarrier,
            tracking_number: dispute.returnTrackingNumber,
            shipped_at: iso(dispute.returnShippedAt),
          },
    resolution:
      dispute.resolutionId === null
        ? null
        : {
            id: dispute.resolutionId,
            outcome: dispute.resolutionOutcome,
            refund_amount:
              dispute.resolutionRefundAmount === null ? null : toJsonAmount(dispute.resolutionRefundAmount),
            note: dispute.resolutionNote,
            resolved_by: dispute.resolvedBy,
            resolved_at: iso(dispute.resolvedAt),
            approved_by: dispute.approvedBy,
            approved_at: iso(dispute.approvedAt),
          },
    deadline_kind: dispute.deadlineKind,
    deadline_at: iso(dispute.deadlineAt),
    escalated_at: iso(dispute.escalatedAt),
    status_changed_at: iso(dispute.statusChangedAt)!,
    created_at: iso(dispute.createdAt)!,
    updated_at: iso(dispute.updatedAt)!,
  };
}

export type DisputeObject = ReturnType<typeof toDisputeObject>;

export type TimelineEntry =
  | {
      type: 'message';
      id: string;
      author_role: string;
      author_id: string;
      text: string;
      attachment_urls: string[];
      created_at: string;
    }
  | { type: 'status_change'; id: string; from: string | null; to: string; actor: string; created_at: string };

/** Messages and status changes, oldest first (ids are time-sortable: ties keep their order). */
export function toTimeline(messages: DisputeMessage[], changes: DisputeStatusChange[]): TimelineEntry[] {
  const entries: { at: number; id: string; entry: TimelineEntry }[] = [
    ...messages.map((message) => ({
      at: new Date(message.createdAt).getTime(),
      id: message.id,
      entry: {
        type: 'message' as const,
        id: message.id,
        author_role: message.authorRole,
        author_id: message.authorId,
        text: message.text,
        attachment_urls: message.attachmentUrls,
        created_at: iso(message.createdAt)!,
      },
    })),
    ...changes.map((change) => ({
      at: new Date(change.createdAt).getTime(),
      id: change.id,
      entry: {
        type: 'status_change' as const,
        id: change.id,
        from: change.from,
        to: change.to,
        actor: change.actor,
        created_at: iso(change.createdAt)!,
      },
    })),
  ];
  // A status change is written before the message that came with it (an opening, a rejection).
  const rank = (entry: TimelineEntry) => (entry.type === 'status_change' ? 0 : 1);
  entries.sort((a, b) => a.at - b.at || rank(a.entry) - rank(b.entry) || a.id.localeCompare(b.id));
  return entries.map(({ entry }) => entry);
}

import { Injectable } from '@nestjs/common';
import { newId, pageNewestFirst, type Tx } from '@danbao/platform';

/** The event types of API.md (and its additions). */
export const EVENT_TYPES = [
  'order.paid',
  'order.shipped',
  'order.completed',
  'order.cancelled',
  'order.expired',
  'hold.released',
  'hold.refunded',
  'hold.expiring',
  'dispute.opened',
  'dispute.accepted',
  'dispute.rejected',
  'dispute.escalated',
  'dispute.resolved',
  'refund.failed',
  'payout.created',
  'payout.paid',
  'payout.failed',
  'webhook_endpoint.disabled',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** An event to record: its type, the id of the object it is about, and that object as it is now. */
export interface OutboxEntry {
  type: EventType;
  objectId: string;
  object: unknown;
}

export interface RecordedEvent {
  id: string;
  type: EventType;
  created_at: string;
  data: { object: unknown };
}

/**
 * The outbox: an event is a row written in the same database transaction as the change it
 * reports, so it exists exactly when the change does. A relay publishes the rows afterwards.
 */
@Injectable()
export class OutboxService {
  async record(
    tx: Tx,
    type: EventType,
    objectId: string,
    object: unknown,
    now = new Date(),
  ): Promise<RecordedEvent> {
    const event: RecordedEvent = { id: newId('evt'), type, created_at: now.toISOString(), data: { object } };
    await tx.query(
      'INSERT INTO outbox_events (id, type, object_id, payload, created_at) VALUES (?, ?, ?, ?, ?)',
      [event.id, type, objectId, JSON.stringify(event), now],
    );
    return event;
  }

  /** Several events in one INSERT, in the caller's transaction (batched releases record two per hold). */
  async recordMany(tx: Tx, events: OutboxEntry[], now = new Date()): Promise<RecordedEvent[]> {
    if (events.length === 0) return [];
    const recorded = events.map((event) => ({
      objectId: event.objectId,
      event: {
        id: newId('evt'),
        type: event.type,
        created_at: now.toISOString(),
        data: { object: event.object },
      } as RecordedEvent,
    }));
    await tx.query(
      `INSERT INTO outbox_events (id, type, object_id, payload, created_at) VALUES ${recorded.map(() => '(?, ?, ?, ?, ?)').join(', ')}`,
      recorded.flatMap(({ objectId, event }) => [event.id, event.type, objectId, JSON.stringify(event), now]),
    );
    return recorded.map(({ event }) => event);
  }

  async list(
    tx: Tx,
    options: { type?: string; limit: number; startingAfter?: string },
  ): Promise<{ data: RecordedEvent[]; hasMore: boolean }> {
    return pageNewestFirst<{ payload: string }, RecordedEvent>(
      tx,
      { table: 'outbox_events', columns: 'payload', equals: { type: options.type || undefined } },
      options.limit,
      options.startingAfter || undefined,
      (row) => JSON.parse(row.payload) as RecordedEvent,
    );
  }

  /** One event as it was recorded, or undefined. */
  async find(tx: Tx, id: string): Promise<RecordedEvent | undefined> {
    const [row] = await tx.query<{ payload: string }[]>('SELECT payload FROM outbox_events WHERE id = ?', [
      id,
    ]);
    return row ? (JSON.parse(row.payload) as RecordedEvent) : undefined;
  }
}

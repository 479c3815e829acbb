import { Inject, Injectable, Logger } from '@nestjs/common';
import { affectedRows, APP_CONFIG, AppConfig, QueueRegistry, QUEUES, Database } from '@danbao/platform';

/** Job names of the notifications queue. */
export const NOTIFICATION_JOBS = {
  /** Publish the outbox: queue a delivery for every unpublished event, then mark it published. */
  relay: 'relay-outbox',
  /** Deliver one event (job id = event id). */
  deliverEvent: 'deliver-event',
} as const;

/** Kicks within this window collapse into one relay job. */
const KICK_WINDOW_MS = 200;
const CHUNK = 500;

export interface DeliverEventData {
  eventId: string;
}

/**
 * The outbox relay. Events are rows written in the transaction of their change; the relay
 * publishes them afterwards: it queues one `deliver-event` job per event with the event's id as
 * the job id (so publishing twice queues once), then sets `published_at`. It runs after commits
 * (a kick) and from every sweep, so an event survives a Redis wipe (still unpublished, or
 * published but its job lost: see republishUndispatched) and a worker crash (published again;
 * the job id collapses the repeat).
 */
@Injectable()
export class OutboxRelay {
  private readonly logger = new Logger(OutboxRelay.name);

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(QueueRegistry) private readonly queues: QueueRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Publishes unpublished events, oldest first, in chunks, until a read finds none (so that
   * events committed while it ran are published too: a kick made meanwhile collapsed into this
   * running job); returns how many it published.
   */
  async publishPending(max = 10_000): Promise<number> {
    let published = 0;
    while (published < max) {
      const rows: { id: string }[] = await this.db.query(
        'SELECT id FROM outbox_events WHERE published_at IS NULL ORDER BY id LIMIT ?',
        [Math.min(CHUNK, max - published)],
      );
      if (rows.length === 0) break;
      const ids = rows.map((row) => row.id);
      await this.queueDeliveries(ids);
      await this.db.query(
        `UPDATE outbox_events SET published_at = ? WHERE id IN (${ids.map(() => '?').join(',')}) AND published_at IS NULL`,
        [new Date(), ...ids],
      );
      published += ids.length;
    }
    return published;
  }

  /**
   * Queues again the deliveries of events published before `before` that never ran (their job
   * was lost with Redis). Existing jobs are not duplicated: the job id is the event id.
   */
  async republishUndispatched(before: Date, limit = 1000): Promise<number> {
    const rows: { id: string }[] = await this.db.query(
      `SELECT id FROM outbox_events WHERE dispatched_at IS NULL AND published_at < ?
       ORDER BY published_at LIMIT ?`,
      [before, limit],
    );
    if (rows.length === 0) return 0;
    const queue = this.queues.get(QUEUES.notifications);
    const missing: string[] = [];
    for (const { id } of rows) {
      if (!(await queue.getJob(id))) missing.push(id);
    }
    await this.queueDeliveries(missing);
    if (missing.length > 0)
      this.logger.warn({ events: missing.length }, 'delivery jobs were lost; queued again');
    return missing.length;
  }

  /** Asks a worker to publish soon; never throws (the sweep publishes whatever a lost kick left). */
  async kick(): Promise<void> {
    try {
      await this.queues.get(QUEUES.notifications).add(
        NOTIFICATION_JOBS.relay,
        {},
        {
          jobId: `relay-${Math.floor(Date.now() / KICK_WINDOW_MS)}`,
          removeOnComplete: true,
          removeOnFail: 100,
        },
      );
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'outbox relay kick failed; the sweep will publish');
    }
  }

  /**
   * The delivery of one event. Webhook endpoints and signed deliveries are a later issue: for now
   * delivering records that the event reached this stage, once.
   */
  async markDispatched(eventId: string, now = new Date()): Promise<boolean> {
    const result = await this.db.query(
      'UPDATE outbox_events SET dispatched_at = ? WHERE id = ? AND dispatched_at IS NULL',
      [now, eventId],
    );
    return affectedRows(result) === 1;
  }

  /** markDispatched for several events in one statement (the worker gathers them); returns how many changed. */
  async markDispatchedMany(eventIds: string[], now = new Date()): Promise<number> {
    if (eventIds.length === 0) return 0;
    const result = await this.db.query(
      `UPDATE outbox_events SET dispatched_at = ? WHERE id IN (${eventIds.map(() => '?').join(',')}) AND dispatched_at IS NULL`,
      [now, ...eventIds],
    );
    return affectedRows(result);
  }

  private async queueDeliveries(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.queues.get(QUEUES.notifications).addBulk(
      ids.map((id) => ({
        name: NOTIFICATION_JOBS.deliverEvent,
        data: { eventId: id } satisfies DeliverEventData,
        opts: {
          jobId: id,
          attempts: 10,
          backoff: { type: 'exponential', delay: this.config.webhookRetryBaseMs },
          // Done deliveries are not kept: an event is published again only when its delivery
          // never ran (dispatched_at still empty), so an old job has nothing to collapse.
          removeOnComplete: true,
          removeOnFail: false,
        },
      })),
    );
  }
}

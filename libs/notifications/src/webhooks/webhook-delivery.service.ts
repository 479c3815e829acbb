import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  APP_CONFIG,
  AppConfig,
  Database,
  newId,
  QueueRegistry,
  QUEUES,
  runInTransaction,
  signWithSecrets,
} from '@danbao/platform';
import { OutboxService } from '../outbox.service';
import { postWebhook } from './webhook-http';
import { WebhookEndpointsService } from './webhook-endpoints.service';
import { attemptPriority, decideAfterAttempt, shouldDisable, subscribes } from './webhook.policy';
import { WebhookRepository } from './webhook.repository';
import { toEndpointObject, type WebhookDelivery, type WebhookEndpoint } from './webhook.types';

export const SEND_WEBHOOK_JOB = 'send-webhook';

/** A delivery's answer body is kept up to this many bytes per attempt. */
const RESPONSE_SNIPPET_BYTES = 2048;

export interface SendWebhookData {
  deliveryId: string;
  /** The attempt this job makes (1-based): the job id, so a repeated enqueue is one job. */
  attempt: number;
}

/** An attempt to queue, with the BullMQ priority its endpoint's health gives it (not job data). */
type Queued = SendWebhookData & { priority: number };

/**
 * Deliveries of events to webhook endpoints, on the notifications queue (never the payments
 * queue): an event becomes one delivery per enabled endpoint subscribed to its type, each tried by
 * a job of its own; every attempt is recorded; a failure is retried with exponential backoff and
 * full jitter from WEBHOOK_RETRY_BASE for up to 3 days after the event. MySQL holds the deliveries
 * and when each is due, so a sweep queues again whatever Redis lost.
 */
@Injectable()
export class WebhookDeliveryService {
  private readonly logger = new Logger(WebhookDeliveryService.name);
  private readonly repository = new WebhookRepository();

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(QueueRegistry) private readonly queues: QueueRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(WebhookEndpointsService) private readonly endpoints: WebhookEndpointsService,
    @Inject(OutboxService) private readonly outbox: OutboxService,
  ) {}

  /**
   * The deliveries of these events, one per subscribed endpoint (a delivery that exists is not
   * made twice), and their first attempts queued. Answers how many deliveries it made.
   */
  async fanOut(eventIds: string[], now = new Date()): Promise<number> {
    const endpoints = await this.repository.enabledEndpoints(this.db);
    if (endpoints.length === 0 || eventIds.length === 0) return 0;
    const events = await this.repository.eventTypes(this.db, eventIds);
    const deliveries: WebhookDelivery[] = [];
    for (const event of events) {
      for (const endpoint of endpoints) {
        // An endpoint takes the events recorded after it was registered.
        if (!subscribes(endpoint.events, event.type) || event.created_at < endpoint.createdAt) continue;
        deliveries.push({
          id: newId('whd', now.getTime()),
          endpointId: endpoint.id,
          eventId: event.id,
          eventType: event.type,
          status: 'pending',
          attempts: 0,
          nextAttemptAt: now,
          lastAttemptAt: null,
          lastStatus: null,
          lastError: null,
          createdAt: now,
          updatedAt: now,
        });
      }
    }
    const created = await this.repository.insertDeliveries(this.db, deliveries);
    const byId = new Map(endpoints.map((endpoint) => [endpoint.id, endpoint]));
    await this.enqueue(
      created.map((delivery) => ({
        deliveryId: delivery.id,
        attempt: 1,
        priority: attemptPriority(byId.get(delivery.endpointId)!, 1),
      })),
    );
    return created.length;
  }

  /**
   * One attempt of a delivery: sign the event as recorded with the endpoint's secrets, POST it
   * (to the address checked after DNS resolution, no redirects, WEBHOOK_TIMEOUT), record the
   * attempt, and decide: done, retried later (a delayed job), or failed after 3 days.
   */
  async attempt(data: SendWebhookData, now = new Date()): Promise<string> {
    const delivery = await this.repository.delivery(this.db, data.deliveryId);
    if (!delivery) return 'missing';
    if (delivery.status !== 'pending' || delivery.attempts + 1 !== data.attempt) return 'stale';
    const endpoint = await this.repository.endpointById(this.db, delivery.endpointId);
    if (!endpoint || !endpoint.enabled) {
      await this.repository.failPending(this.db, delivery.endpointId, 'endpoint_disabled', now);
      return 'endpoint_disabled';
    }
    const payload = await this.repository.eventPayload(this.db, delivery.eventId);
    if (payload === undefined)
      throw new Error(`Event ${delivery.eventId} of delivery ${delivery.id} is missing`);
    const result = await postWebhook(
      new URL(endpoint.url),
      payload,
      {
        'danbao-signature': signWithSecrets(this.endpoints.signingSecrets(endpoint, now), payload),
        'danbao-event-id': delivery.eventId,
        'danbao-delivery-id': delivery.id,
      },
      {
        timeoutMs: this.config.webhookTimeoutMs,
        maxResponseBytes: RESPONSE_SNIPPET_BYTES,
        allowLoopback: this.config.webhookAllowLoopback,
      },
    );
    const finished = new Date();
    const decision = decideAfterAttempt(
      result.ok,
      { attempts: data.attempt, createdAt: delivery.createdAt },
      finished,
      this.config.webhookRetryBaseMs,
      Math.random(),
    );
    const recorded = await runInTransaction(this.db, async (tx) => {
      const stored = await this.repository.recordAttempt(
        tx,
        delivery,
        {
          id: newId('wha', finished.getTime()),
          number: data.attempt,
          attemptedAt: now,
          status: result.status,
          latencyMs: result.latencyMs,
          error: result.error?.slice(0, 255) ?? null,
          responseSnippet: result.responseSnippet,
        },
        {
          status:
            decision.kind === 'succeeded' ? 'succeeded' : decision.kind === 'failed' ? 'failed' : 'pending',
          nextAttemptAt: decision.kind === 'retry' ? decision.at : null,
        },
        finished,
      );
      if (stored) await this.noteEndpointHealth(tx, endpoint.id, result.ok, result.latencyMs, finished);
      return stored;
    });
    if (!recorded) return 'stale';
    if (decision.kind === 'retry') {
      const next = data.attempt + 1;
      const health = { failingSince: endpoint.failingSince ?? finished, lastLatencyMs: result.latencyMs };
      await this.enqueue(
        [{ deliveryId: delivery.id, attempt: next, priority: attemptPriority(health, next) }],
        decision.at.getTime() - Date.now(),
      );
    }
    return decision.kind;
  }

  /**
   * Replays a delivery of this owner's endpoint now (whatever its state), as a new attempt.
   * Answers undefined when the endpoint or delivery is not the owner's.
   */
  async retry(owner: string, endpointId: string, deliveryId: string, now = new Date()) {
    const endpoint = await this.endpoints.get(owner, endpointId);
    if (!endpoint) return undefined;
    const delivery = await this.repository.delivery(this.db, deliveryId);
    if (!delivery || delivery.endpointId !== endpoint.id) return undefined;
    await this.repository.reopen(this.db, delivery.id, now);
    const next = { deliveryId: delivery.id, attempt: delivery.attempts + 1, priority: 1 };
    // A retry already waiting for its time runs now; otherwise the attempt is queued.
    const waiting = await this.queues
      .get(QUEUES.notifications)
      .getJob(`webhook-${next.deliveryId}-${next.attempt}`);
    if (waiting && (await waiting.isDelayed())) await waiting.promote();
    else await this.enqueue([next]);
    return { ...delivery, status: 'pending' as const, nextAttemptAt: now };
  }

  /** This owner's endpoint's deliveries, newest first; undefined when the endpoint is not the owner's. */
  async list(owner: string, endpointId: string, limit: number, startingAfter?: string) {
    const endpoint = await this.endpoints.get(owner, endpointId);
    if (!endpoint) return undefined;
    return this.repository.deliveries(this.db, endpoint.id, limit, startingAfter);
  }

  /** A delivery of this endpoint (the caller checked the endpoint is the owner's). */
  async find(endpointId: string, deliveryId: string): Promise<WebhookDelivery | undefined> {
    const delivery = await this.repository.delivery(this.db, deliveryId);
    return delivery && delivery.endpointId === endpointId ? delivery : undefined;
  }

  async attemptsOf(deliveryId: string) {
    return this.repository.attempts(this.db, deliveryId);
  }

  /** Sweep: queues again the attempts that were due a while ago and never ran (Redis lost them). */
  async requeueLost(now = new Date(), limit = 1000): Promise<number> {
    // Due two sweeps ago and still not run: its job was lost (queuing it again with the same job
    // id is a no-op while the job still exists).
    const grace = Math.max(1000, 2 * this.config.sweepIntervalMs);
    const due = await this.repository.due(this.db, new Date(now.getTime() - grace), limit);
    await this.enqueue(
      due.map((delivery) => ({ deliveryId: delivery.id, attempt: delivery.attempts + 1, priority: 1000 })),
    );
    return due.length;
  }

  /**
   * An endpoint's health after an attempt: a success ends its failing streak; a failure starts
   * one, and a streak of 3 days disables the endpoint (its pending deliveries fail) and records
   * `webhook_endpoint.disabled`.
   */
  private async noteEndpointHealth(
    tx: Parameters<Parameters<typeof runInTransaction>[1]>[0],
    endpointId: string,
    ok: boolean,
    latencyMs: number,
    now: Date,
  ): Promise<void> {
    if (ok) {
      await tx.query('UPDATE webhook_endpoints SET failing_since = NULL, last_latency_ms = ? WHERE id = ?', [
        latencyMs,
        endpointId,
      ]);
      return;
    }
    await tx.query(
      'UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, ?), last_latency_ms = ? WHERE id = ?',
      [now, latencyMs, endpointId],
    );
    const endpoint: WebhookEndpoint | undefined = await this.repository.endpointById(tx, endpointId, true);
    if (!endpoint || !endpoint.enabled || !shouldDisable(endpoint.failingSince, now)) return;
    const disabled: WebhookEndpoint = {
      ...endpoint,
      enabled: false,
      disabledReason: 'failing_for_3_days',
      updatedAt: now,
    };
    await this.repository.saveEndpoint(tx, disabled);
    await this.repository.failPending(tx, endpoint.id, 'endpoint_disabled', now);
    await this.outbox.record(tx, 'webhook_endpoint.disabled', endpoint.id, toEndpointObject(disabled), now);
    this.logger.warn({ endpoint: endpoint.id }, 'webhook endpoint failing for 3 days: disabled');
  }

  private async enqueue(jobs: Queued[], delayMs = 0): Promise<void> {
    if (jobs.length === 0) return;
    try {
      await this.queues.get(QUEUES.notifications).addBulk(
        jobs.map(({ deliveryId, attempt, priority }) => ({
          name: SEND_WEBHOOK_JOB,
          data: { deliveryId, attempt } satisfies SendWebhookData,
          opts: {
            jobId: `webhook-${deliveryId}-${attempt}`,
            // Attempts never run before the relay and fan-out (no priority), and an unhealthy
            // endpoint's wait behind healthy ones' (attemptPriority).
            priority,
            delay: Math.max(0, delayMs),
            // The delivery's own retries are decided above; a job that throws (the database was
            // away) is tried again a few times, and the sweep finds it after that.
            attempts: 3,
            backoff: { type: 'exponential', delay: 1000 },
            removeOnComplete: 1000,
            removeOnFail: 5000,
          },
        })),
      );
    } catch (error) {
      this.logger.warn(
        { jobs: jobs.length, err: String(error) },
        'webhook attempts not queued; the sweep queues them',
      );
    }
  }
}

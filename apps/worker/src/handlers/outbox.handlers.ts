import { Inject, Injectable } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import {
  NOTIFICATION_JOBS,
  OutboxRelay,
  SEND_WEBHOOK_JOB,
  type SendWebhookData,
  WebhookDeliveryService,
} from '@danbao/notifications';
import { APP_CONFIG, AppConfig, JobHandler, MicroBatcher, QUEUES } from '@danbao/platform';

/** `relay-outbox`: publish the events committed since the last run (kicked after commits). */
@Injectable()
export class RelayOutboxJobHandler implements JobHandler {
  readonly queue = QUEUES.notifications;
  readonly jobName = NOTIFICATION_JOBS.relay;

  constructor(@Inject(OutboxRelay) private readonly relay: OutboxRelay) {}

  async handle(): Promise<{ published: number }> {
    return { published: await this.relay.publishPending() };
  }
}

/**
 * `deliver-event` (job id = event id): the event becomes one delivery per webhook endpoint that
 * takes it (each then sent by a `send-webhook` job), and is marked dispatched. The jobs that run
 * together are handled in one go (two events per release: statements per event would cost more
 * than the release).
 */
@Injectable()
export class DeliverEventJobHandler implements JobHandler {
  readonly queue = QUEUES.notifications;
  readonly jobName = NOTIFICATION_JOBS.deliverEvent;
  private readonly batcher: MicroBatcher<string, true>;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(OutboxRelay) relay: OutboxRelay,
    @Inject(WebhookDeliveryService) webhooks: WebhookDeliveryService,
  ) {
    this.batcher = new MicroBatcher({
      maxSize: 200,
      maxWaitMs: 10,
      capacity: config.notificationsConcurrency,
      run: async (eventIds) => {
        await webhooks.fanOut(eventIds);
        await relay.markDispatchedMany(eventIds);
        return eventIds.map(() => true as const);
      },
    });
  }

  async handle(job: Job): Promise<{ dispatched: true }> {
    const eventId = (job.data as { eventId?: unknown })?.eventId;
    if (typeof eventId !== 'string' || !/^evt_[0-9a-z]{26}$/.test(eventId)) {
      throw new UnrecoverableError(`deliver-event needs an event id; got ${JSON.stringify(job.data)}`);
    }
    return { dispatched: await this.batcher.submit(eventId) };
  }
}

/** `send-webhook` (job id = delivery and attempt): one attempt of one delivery. */
@Injectable()
export class SendWebhookJobHandler implements JobHandler {
  readonly queue = QUEUES.notifications;
  readonly jobName = SEND_WEBHOOK_JOB;

  constructor(@Inject(WebhookDeliveryService) private readonly webhooks: WebhookDeliveryService) {}

  async handle(job: Job<SendWebhookData>): Promise<string> {
    const { deliveryId, attempt } = job.data ?? {};
    if (typeof deliveryId !== 'string' || !Number.isSafeInteger(attempt) || attempt < 1) {
      throw new UnrecoverableError(
        `send-webhook needs a delivery id and attempt; got ${JSON.stringify(job.data)}`,
      );
    }
    return this.webhooks.attempt({ deliveryId, attempt });
  }
}

/** `sweep-webhooks` (every SWEEP_INTERVAL): queues again the attempts Redis lost. */
@Injectable()
export class WebhookSweepJobHandler implements JobHandler {
  readonly queue = QUEUES.notifications;
  readonly jobName = 'sweep-webhooks';
  readonly repeatEveryMs: number;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(WebhookDeliveryService) private readonly webhooks: WebhookDeliveryService,
  ) {
    this.repeatEveryMs = config.sweepIntervalMs;
  }

  async handle(): Promise<{ requeued: number }> {
    return { requeued: await this.webhooks.requeueLost() };
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { NOTIFICATION_JOBS, OutboxRelay } from '@danbao/notifications';
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
 * `deliver-event` (job id = event id). Webhook endpoints and signed deliveries come with a later
 * issue; until then delivery records that the event was dispatched. The records of the jobs that
 * run together are written in one statement (two events per release: one UPDATE each would cost
 * more than the release).
 */
@Injectable()
export class DeliverEventJobHandler implements JobHandler {
  readonly queue = QUEUES.notifications;
  readonly jobName = NOTIFICATION_JOBS.deliverEvent;
  private readonly batcher: MicroBatcher<string, true>;

  constructor(@Inject(APP_CONFIG) config: AppConfig, @Inject(OutboxRelay) relay: OutboxRelay) {
    this.batcher = new MicroBatcher({
      maxSize: 200,
      maxWaitMs: 10,
      capacity: config.notificationsConcurrency,
      run: async (eventIds) => {
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

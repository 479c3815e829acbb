import { Inject, Injectable } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { NOTIFICATION_JOBS, OutboxRelay } from '@danbao/notifications';
import { JobHandler, QUEUES } from '@danbao/platform';

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
 * issue; until then delivery records that the event was dispatched, once.
 */
@Injectable()
export class DeliverEventJobHandler implements JobHandler {
  readonly queue = QUEUES.notifications;
  readonly jobName = NOTIFICATION_JOBS.deliverEvent;

  constructor(@Inject(OutboxRelay) private readonly relay: OutboxRelay) {}

  async handle(job: Job): Promise<{ dispatched: boolean }> {
    const eventId = (job.data as { eventId?: unknown })?.eventId;
    if (typeof eventId !== 'string' || !/^evt_[0-9a-z]{26}$/.test(eventId)) {
      throw new UnrecoverableError(`deliver-event needs an event id; got ${JSON.stringify(job.data)}`);
    }
    return { dispatched: await this.relay.markDispatched(eventId) };
  }
}

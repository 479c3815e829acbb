import { Module } from '@nestjs/common';
import { OutboxRelay } from './outbox.relay';
import { OutboxService } from './outbox.service';
import { WebhookDeliveryService } from './webhooks/webhook-delivery.service';
import { WebhookEndpointsService } from './webhooks/webhook-endpoints.service';

const SERVICES = [OutboxService, OutboxRelay, WebhookEndpointsService, WebhookDeliveryService];

/** The outbox, its relay, and the webhooks that take events out of the platform. */
@Module({ providers: SERVICES, exports: SERVICES })
export class NotificationsModule {}

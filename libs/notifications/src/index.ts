export { notificationsMigrations } from './migrations';
export { NotificationsModule } from './notifications.module';
export { NOTIFICATION_JOBS, OutboxRelay } from './outbox.relay';
export type { DeliverEventData } from './outbox.relay';
export { EVENT_TYPES, OutboxService } from './outbox.service';
export type { EventType, OutboxEntry, RecordedEvent } from './outbox.service';
export { checkWebhookUrl, isForbiddenAddress, resolveDestination } from './webhooks/destination';
export { postWebhook } from './webhooks/webhook-http';
export type { PostWebhookOptions, WebhookAttemptResult } from './webhooks/webhook-http';
export { SEND_WEBHOOK_JOB, WebhookDeliveryService } from './webhooks/webhook-delivery.service';
export type { SendWebhookData } from './webhooks/webhook-delivery.service';
export { WebhookEndpointsService, WebhookUrlError } from './webhooks/webhook-endpoints.service';
export { ALL_EVENTS, retryDelayMs } from './webhooks/webhook.policy';
export { toDeliveryObject, toEndpointObject } from './webhooks/webhook.types';
export type {
  DeliveryObject,
  EndpointObject,
  WebhookDelivery,
  WebhookEndpoint,
} from './webhooks/webhook.types';

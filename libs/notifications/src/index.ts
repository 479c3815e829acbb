export { notificationsMigrations } from './migrations';
export { NotificationsModule } from './notifications.module';
export { NOTIFICATION_JOBS, OutboxRelay } from './outbox.relay';
export type { DeliverEventData } from './outbox.relay';
export { OutboxService } from './outbox.service';
export type { EventType, OutboxEntry, RecordedEvent } from './outbox.service';
export { checkWebhookUrl, isForbiddenAddress, resolveDestination } from './webhooks/destination';
export { postWebhook } from './webhooks/webhook-http';
export type { PostWebhookOptions, WebhookAttemptResult } from './webhooks/webhook-http';

import { Outbox1764000410000 } from './1764000410000-outbox';
import { OutboxDispatch1764000500200 } from './1764000500200-outbox-dispatch';
import { Webhooks1764001100000 } from './1764001100000-webhooks';
import { WebhookEndpointLatency1764001100100 } from './1764001100100-webhook-endpoint-latency';

export const notificationsMigrations = [
  Outbox1764000410000,
  OutboxDispatch1764000500200,
  Webhooks1764001100000,
  WebhookEndpointLatency1764001100100,
];

export interface WebhookEndpoint {
  id: string;
  /** The marketplace that registered it (its principal key); only it sees the endpoint. */
  owner: string;
  url: string;
  events: string[];
  enabled: boolean;
  secretSealed: string;
  previousSecretSealed: string | null;
  previousSecretUntil: Date | null;
  failingSince: Date | null;
  /** The last attempt's latency (a slow endpoint's attempts wait behind healthy ones'). */
  lastLatencyMs: number | null;
  disabledReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

export interface WebhookDelivery {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: Date | null;
  lastAttemptAt: Date | null;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface WebhookAttempt {
  number: number;
  attemptedAt: Date;
  status: number | null;
  latencyMs: number;
  error: string | null;
  responseSnippet: string | null;
}

const iso = (date: Date | null) => (date ? new Date(date).toISOString() : null);

/** An endpoint as the API shows it; the secret only when it was just made (create, roll). */
export function toEndpointObject(endpoint: WebhookEndpoint, secret?: string) {
  return {
    id: endpoint.id,
    object: 'webhook_endpoint' as const,
    url: endpoint.url,
    events: endpoint.events,
    enabled: endpoint.enabled,
    disabled_reason: endpoint.disabledReason,
    failing_since: iso(endpoint.failingSince),
    created_at: iso(endpoint.createdAt)!,
    updated_at: iso(endpoint.updatedAt)!,
    ...(secret !== undefined ? { secret } : {}),
  };
}

export type EndpointObject = ReturnType<typeof toEndpointObject>;

export function toDeliveryObject(delivery: WebhookDelivery, attempts?: WebhookAttempt[]) {
  return {
    id: delivery.id,
    object: 'webhook_delivery' as const,
    endpoint_id: delivery.endpointId,
    event_id: delivery.eventId,
    event_type: delivery.eventType,
    status: delivery.status,
    attempts: delivery.attempts,
    next_attempt_at: iso(delivery.nextAttemptAt),
    last_attempt_at: iso(delivery.lastAttemptAt),
    last_status: delivery.lastStatus,
    last_error: delivery.lastError,
    created_at: iso(delivery.createdAt)!,
    ...(attempts
      ? {
          attempt_log: attempts.map((attempt) => ({
            number: attempt.number,
            attempted_at: iso(attempt.attemptedAt)!,
            status: attempt.status,
            latency_ms: attempt.latencyMs,
            error: attempt.error,
            response_snippet: attempt.responseSnippet,
          })),
        }
      : {}),
  };
}

export type DeliveryObject = ReturnType<typeof toDeliveryObject>;

import { affectedRows, pageNewestFirst, type Page, type Tx } from '@danbao/platform';
import type { DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint } from './webhook.types';

interface EndpointRow {
  id: string;
  owner: string;
  url: string;
  events: string;
  enabled: number;
  secret_sealed: string;
  previous_secret_sealed: string | null;
  previous_secret_until: Date | null;
  failing_since: Date | null;
  last_latency_ms: number | null;
  disabled_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

interface DeliveryRow {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: Date | null;
  last_attempt_at: Date | null;
  last_status: number | null;
  last_error: string | null;
  created_at: Date;
  updated_at: Date;
}

const toEndpoint = (row: EndpointRow): WebhookEndpoint => ({
  id: row.id,
  owner: row.owner,
  url: row.url,
  events: JSON.parse(row.events) as string[],
  enabled: Boolean(row.enabled),
  secretSealed: row.secret_sealed,
  previousSecretSealed: row.previous_secret_sealed,
  previousSecretUntil: row.previous_secret_until,
  failingSince: row.failing_since,
  lastLatencyMs: row.last_latency_ms === null ? null : Number(row.last_latency_ms),
  disabledReason: row.disabled_reason,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const toDelivery = (row: DeliveryRow): WebhookDelivery => ({
  id: row.id,
  endpointId: row.endpoint_id,
  eventId: row.event_id,
  eventType: row.event_type,
  status: row.status,
  attempts: Number(row.attempts),
  nextAttemptAt: row.next_attempt_at,
  lastAttemptAt: row.last_attempt_at,
  lastStatus: row.last_status === null ? null : Number(row.last_status),
  lastError: row.last_error,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** SQL of webhooks, by intent. Deleted endpoints stay as rows (their deliveries keep a parent). */
export class WebhookRepository {
  async insertEndpoint(tx: Tx, endpoint: WebhookEndpoint): Promise<void> {
    await tx.query(
      `INSERT INTO webhook_endpoints (id, owner, url, events, enabled, secret_sealed, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        endpoint.id,
        endpoint.owner,
        endpoint.url,
        JSON.stringify(endpoint.events),
        endpoint.enabled ? 1 : 0,
        endpoint.secretSealed,
        endpoint.createdAt,
        endpoint.updatedAt,
      ],
    );
  }

  /** An endpoint of this owner (not deleted), optionally locked. */
  async endpoint(tx: Tx, owner: string, id: string, forUpdate = false): Promise<WebhookEndpoint | undefined> {
    const [row] = await tx.query<EndpointRow[]>(
      `SELECT * FROM webhook_endpoints WHERE id = ? AND owner = ? AND deleted_at IS NULL${forUpdate ? ' FOR UPDATE' : ''}`,
      [id, owner],
    );
    return row ? toEndpoint(row) : undefined;
  }

  async endpointById(tx: Tx, id: string, forUpdate = false): Promise<WebhookEndpoint | undefined> {
    const [row] = await tx.query<EndpointRow[]>(
      `SELECT * FROM webhook_endpoints WHERE id = ? AND deleted_at IS NULL${forUpdate ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return row ? toEndpoint(row) : undefined;
  }

  async endpoints(
    tx: Tx,
    owner: string,
    limit: number,
    startingAfter?: string,
  ): Promise<Page<WebhookEndpoint>> {
    const rows = await tx.query<EndpointRow[]>(
      `SELECT * FROM webhook_endpoints WHERE owner = ? AND deleted_at IS NULL${startingAfter ? ' AND id < ?' : ''}
       ORDER BY id DESC LIMIT ?`,
      startingAfter ? [owner, startingAfter, limit + 1] : [owner, limit + 1],
    );
    return { data: rows.slice(0, limit).map(toEndpoint), hasMore: rows.length > limit };
  }

  /** Every enabled endpoint (the fan-out reads them; a marketplace has a handful). */
  async enabledEndpoints(tx: Tx): Promise<WebhookEndpoint[]> {
    const rows = await tx.query<EndpointRow[]>(
      'SELECT * FROM webhook_endpoints WHERE enabled = 1 AND deleted_at IS NULL ORDER BY id',
    );
    return rows.map(toEndpoint);
  }

  async saveEndpoint(tx: Tx, endpoint: WebhookEndpoint): Promise<void> {
    await tx.query(
      `UPDATE webhook_endpoints SET url = ?, events = ?, enabled = ?, secret_sealed = ?, previous_secret_sealed = ?,
         previous_secret_until = ?, failing_since = ?, disabled_reason = ?, updated_at = ?
       WHERE id = ?`,
      [
        endpoint.url,
        JSON.stringify(endpoint.events),
        endpoint.enabled ? 1 : 0,
        endpoint.secretSealed,
        endpoint.previousSecretSealed,
        endpoint.previousSecretUntil,
        endpoint.failingSince,
        endpoint.disabledReason,
        endpoint.updatedAt,
        endpoint.id,
      ],
    );
  }

  async deleteEndpoint(tx: Tx, id: string, now: Date): Promise<void> {
    await tx.query('UPDATE webhook_endpoints SET deleted_at = ?, enabled = 0, updated_at = ? WHERE id = ?', [
      now,
      now,
      id,
    ]);
  }

  /** Inserts deliveries; one that exists for its endpoint and event is skipped. Answers the new ones. */
  async insertDeliveries(tx: Tx, deliveries: WebhookDelivery[]): Promise<WebhookDelivery[]> {
    if (deliveries.length === 0) return [];
    await tx.query(
      `INSERT IGNORE INTO webhook_deliveries (id, endpoint_id, event_id, event_type, status, attempts, next_attempt_at, created_at, updated_at)
       VALUES ${deliveries.map(() => '(?, ?, ?, ?, ?, 0, ?, ?, ?)').join(', ')}`,
      deliveries.flatMap((delivery) => [
        delivery.id,
        delivery.endpointId,
        delivery.eventId,
        delivery.eventType,
        delivery.status,
        delivery.nextAttemptAt,
        delivery.createdAt,
        delivery.updatedAt,
      ]),
    );
    const stored = await tx.query<{ id: string }[]>(
      `SELECT id FROM webhook_deliveries WHERE id IN (${deliveries.map(() => '?').join(', ')})`,
      deliveries.map((delivery) => delivery.id),
    );
    const created = new Set(stored.map((row) => row.id));
    return deliveries.filter((delivery) => created.has(delivery.id));
  }

  async delivery(tx: Tx, id: string, forUpdate = false): Promise<WebhookDelivery | undefined> {
    const [row] = await tx.query<DeliveryRow[]>(
      `SELECT * FROM webhook_deliveries WHERE id = ?${forUpdate ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return row ? toDelivery(row) : undefined;
  }

  async deliveries(
    tx: Tx,
    endpointId: string,
    limit: number,
    startingAfter?: string,
  ): Promise<Page<WebhookDelivery>> {
    return pageNewestFirst<DeliveryRow, WebhookDelivery>(
      tx,
      { table: 'webhook_deliveries', equals: { endpoint_id: endpointId } },
      limit,
      startingAfter,
      toDelivery,
    );
  }

  async attempts(tx: Tx, deliveryId: string): Promise<WebhookAttempt[]> {
    const rows = await tx.query<
      {
        number: number;
        attempted_at: Date;
        status: number | null;
        latency_ms: number;
        error: string | null;
        response_snippet: string | null;
      }[]
    >('SELECT * FROM webhook_attempts WHERE delivery_id = ? ORDER BY number', [deliveryId]);
    return rows.map((row) => ({
      number: Number(row.number),
      attemptedAt: row.attempted_at,
      status: row.status === null ? null : Number(row.status),
      latencyMs: Number(row.latency_ms),
      error: row.error,
      responseSnippet: row.response_snippet,
    }));
  }

  /**
   * Records attempt number `delivery.attempts + 1` and its outcome, guarded on the attempt count
   * (two workers finishing the same attempt record it once). Answers false when it was recorded
   * by someone else.
   */
  async recordAttempt(
    tx: Tx,
    delivery: WebhookDelivery,
    attempt: WebhookAttempt & { id: string },
    outcome: { status: DeliveryStatus; nextAttemptAt: Date | null },
    now: Date,
  ): Promise<boolean> {
    const changed = await tx.query(
      `UPDATE webhook_deliveries SET attempts = attempts + 1, status = ?, next_attempt_at = ?, last_attempt_at = ?,
         last_status = ?, last_error = ?, updated_at = ?
       WHERE id = ? AND attempts = ? AND status = 'pending'`,
      [
        outcome.status,
        outcome.nextAttemptAt,
        attempt.attemptedAt,
        attempt.status,
        attempt.error,
        now,
        delivery.id,
        delivery.attempts,
      ],
    );
    if (affectedRows(changed) !== 1) return false;
    await tx.query(
      `INSERT INTO webhook_attempts (id, delivery_id, number, attempted_at, status, latency_ms, error, response_snippet)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        attempt.id,
        delivery.id,
        attempt.number,
        attempt.attemptedAt,
        attempt.status,
        attempt.latencyMs,
        attempt.error,
        attempt.responseSnippet,
      ],
    );
    return true;
  }

  /** A replay: a finished delivery is pending again, due now. */
  async reopen(tx: Tx, id: string, now: Date): Promise<boolean> {
    const changed = await tx.query(
      `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ?, updated_at = ? WHERE id = ?`,
      [now, now, id],
    );
    return affectedRows(changed) === 1;
  }

  /** Pending deliveries due before `before` (the sweep queues them again when their job was lost). */
  async due(tx: Tx, before: Date, limit: number): Promise<WebhookDelivery[]> {
    const rows = await tx.query<DeliveryRow[]>(
      `SELECT * FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at < ? ORDER BY next_attempt_at LIMIT ?`,
      [before, limit],
    );
    return rows.map(toDelivery);
  }

  /** Fails every pending delivery of a disabled or deleted endpoint. */
  async failPending(tx: Tx, endpointId: string, reason: string, now: Date): Promise<void> {
    await tx.query(
      `UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL, last_error = ?, updated_at = ?
       WHERE endpoint_id = ? AND status = 'pending'`,
      [reason, now, endpointId],
    );
  }

  /** The stored event payload (its JSON as recorded). */
  async eventPayload(tx: Tx, eventId: string): Promise<string | undefined> {
    const [row] = await tx.query<{ payload: string }[]>('SELECT payload FROM outbox_events WHERE id = ?', [
      eventId,
    ]);
    return row?.payload;
  }

  async eventTypes(tx: Tx, eventIds: string[]): Promise<{ id: string; type: string; created_at: Date }[]> {
    if (eventIds.length === 0) return [];
    return tx.query(
      `SELECT id, type, created_at FROM outbox_events WHERE id IN (${eventIds.map(() => '?').join(', ')})`,
      eventIds,
    );
  }
}

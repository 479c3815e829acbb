import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import {
  APP_CONFIG,
  AppConfig,
  Database,
  newId,
  openSecret,
  type Page,
  runInTransaction,
  sealSecret,
} from '@danbao/platform';
import { checkWebhookUrl, resolveDestination } from './destination';
import { WebhookRepository } from './webhook.repository';
import { PREVIOUS_SECRET_GRACE_MS } from './webhook.policy';
import type { WebhookEndpoint } from './webhook.types';

/** Why an endpoint's URL was refused (400 `url_not_allowed` with the reason). */
export class WebhookUrlError extends Error {}

/** The label a secret is sealed under: its endpoint, so a sealed value cannot move to another row. */
const sealLabel = (endpointId: string) => `webhook_endpoint:${endpointId}`;

/**
 * A marketplace's webhook endpoints: registered with a URL that must be https outside development
 * and must not point inward (checked by name and again after DNS resolution, here and at every
 * delivery), the event types they take, and a signing secret shown once and stored sealed under
 * DANBAO_SECRET_KEY. Rolling the secret keeps the old one signing alongside for 24 hours.
 */
@Injectable()
export class WebhookEndpointsService {
  private readonly repository = new WebhookRepository();

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(owner: string, input: { url: string; events: string[] }, now = new Date()) {
    const url = await this.checkUrl(input.url);
    const id = newId('we', now.getTime());
    const secret = newSecret();
    const endpoint: WebhookEndpoint = {
      id,
      owner,
      url,
      events: [...new Set(input.events)],
      enabled: true,
      secretSealed: sealSecret(this.config.secretKey, sealLabel(id), secret),
      previousSecretSealed: null,
      previousSecretUntil: null,
      failingSince: null,
      lastLatencyMs: null,
      disabledReason: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.repository.insertEndpoint(this.db, endpoint);
    return { endpoint, secret };
  }

  async list(owner: string, limit: number, startingAfter?: string): Promise<Page<WebhookEndpoint>> {
    return this.repository.endpoints(this.db, owner, limit, startingAfter);
  }

  async get(owner: string, id: string): Promise<WebhookEndpoint | undefined> {
    return this.repository.endpoint(this.db, owner, id);
  }

  /** Changes url, events or enabled; re-enabling clears the failing streak. */
  async update(
    owner: string,
    id: string,
    change: { url?: string; events?: string[]; enabled?: boolean },
    now = new Date(),
  ): Promise<WebhookEndpoint | undefined> {
    const url = change.url !== undefined ? await this.checkUrl(change.url) : undefined;
    return runInTransaction(this.db, async (tx) => {
      const endpoint = await this.repository.endpoint(tx, owner, id, true);
      if (!endpoint) return undefined;
      const enabling = change.enabled === true && !endpoint.enabled;
      const updated: WebhookEndpoint = {
        ...endpoint,
        ...(url !== undefined ? { url } : {}),
        ...(change.events !== undefined ? { events: [...new Set(change.events)] } : {}),
        ...(change.enabled !== undefined ? { enabled: change.enabled } : {}),
        ...(enabling ? { failingSince: null, disabledReason: null } : {}),
        ...(change.enabled === false ? { disabledReason: 'disabled_by_marketplace' } : {}),
        updatedAt: now,
      };
      await this.repository.saveEndpoint(tx, updated);
      return updated;
    });
  }

  /** Deletes an endpoint: nothing more is delivered to it, and its pending deliveries fail. */
  async delete(owner: string, id: string, now = new Date()): Promise<WebhookEndpoint | undefined> {
    return runInTransaction(this.db, async (tx) => {
      const endpoint = await this.repository.endpoint(tx, owner, id, true);
      if (!endpoint) return undefined;
      await this.repository.deleteEndpoint(tx, id, now);
      await this.repository.failPending(tx, id, 'endpoint_deleted', now);
      return endpoint;
    });
  }

  /** A new secret (shown once); the previous one keeps signing alongside for 24 hours. */
  async rollSecret(owner: string, id: string, now = new Date()) {
    return runInTransaction(this.db, async (tx) => {
      const endpoint = await this.repository.endpoint(tx, owner, id, true);
      if (!endpoint) return undefined;
      const secret = newSecret();
      const updated: WebhookEndpoint = {
        ...endpoint,
        secretSealed: sealSecret(this.config.secretKey, sealLabel(id), secret),
        previousSecretSealed: endpoint.secretSealed,
        previousSecretUntil: new Date(now.getTime() + PREVIOUS_SECRET_GRACE_MS),
        updatedAt: now,
      };
      await this.repository.saveEndpoint(tx, updated);
      return { endpoint: updated, secret };
    });
  }

  /** The secrets that sign a delivery now: the current one, and the previous one within its 24 hours. */
  signingSecrets(endpoint: WebhookEndpoint, now = new Date()): string[] {
    const open = (sealed: string) => openSecret(this.config.secretKey, sealLabel(endpoint.id), sealed);
    const current = open(endpoint.secretSealed);
    if (current === undefined)
      throw new Error(`The secret of webhook endpoint ${endpoint.id} cannot be opened`);
    const previous =
      endpoint.previousSecretSealed && endpoint.previousSecretUntil && endpoint.previousSecretUntil > now
        ? open(endpoint.previousSecretSealed)
        : undefined;
    return previous === undefined ? [current] : [current, previous];
  }

  private async checkUrl(raw: string): Promise<string> {
    // Plain http is for development and tests; a deployment takes https only.
    const insecure = this.config.nodeEnv === 'development' || this.config.nodeEnv === 'test';
    const checked = checkWebhookUrl(raw, { allowInsecure: insecure });
    if (!checked.ok) throw new WebhookUrlError(checked.reason);
    const resolved = await resolveDestination(checked.url, {
      allowLoopback: this.config.webhookAllowLoopback,
    });
    if (!resolved.ok) throw new WebhookUrlError(resolved.reason);
    return checked.url.toString();
  }
}

/** A signing secret: `whsec_` and 32 random bytes. */
function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

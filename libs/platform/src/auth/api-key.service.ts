import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Database } from '../database/database';
import { affectedRows } from '../database/tx';
import { newId } from '../ids/ids';

const CACHE_MS = 10_000;

export interface CreatedApiKey {
  id: string;
  /** The secret itself: shown once, stored only as its SHA-256. */
  key: string;
}

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/**
 * Secret API keys of the marketplace backend (`sk_…`). Keys carry 192 random bits, so a fast
 * hash stored with a unique index is enough (a slow hash guards low-entropy passwords). Lookups
 * are cached for 10 s: a revoked key stops working within that.
 */
@Injectable()
export class ApiKeyService {
  private readonly cache = new Map<string, { id: string | null; until: number }>();

  constructor(@Inject(Database) private readonly db: Database) {}

  async create(
    name: string,
    key = `sk_${randomBytes(24).toString('base64url').replace(/-/g, 'A')}`,
  ): Promise<CreatedApiKey> {
    const id = newId('key');
    await this.db.query(
      'INSERT INTO api_keys (id, name, key_hash, last4, created_at) VALUES (?, ?, ?, ?, ?)',
      [id, name.slice(0, 100), hashKey(key), key.slice(-4), new Date()],
    );
    return { id, key };
  }

  /** Makes sure the bootstrap key exists (idempotent across processes and restarts). */
  async ensure(key: string, name = 'bootstrap'): Promise<void> {
    await this.db.query(
      'INSERT IGNORE INTO api_keys (id, name, key_hash, last4, created_at) VALUES (?, ?, ?, ?, ?)',
      [newId('key'), name, hashKey(key), key.slice(-4), new Date()],
    );
  }

  async revoke(id: string): Promise<boolean> {
    const result = await this.db.query(
      'UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL',
      [new Date(), id],
    );
    this.cache.clear();
    return affectedRows(result) === 1;
  }

  /** The key's id when the key is valid and not revoked, otherwise null. */
  async verify(key: string): Promise<string | null> {
    const hash = hashKey(key);
    const cached = this.cache.get(hash);
    if (cached && cached.until > Date.now()) return cached.id;
    const rows: { id: string }[] = await this.db.query(
      'SELECT id FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL',
      [hash],
    );
    const id = rows[0]?.id ?? null;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(hash, { id, until: Date.now() + CACHE_MS });
    return id;
  }
}

import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Database } from '../database/database';
import { affectedRows } from '../database/tx';
import { isDuplicateKeyError } from '../database/transaction';

/** Keys live 24 h (API.md); business uniqueness holds beyond that. */
export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;
/**
 * A key still marked running after this long belongs to a request that died between its
 * commit and storing its answer; a retry may run (business uniqueness keeps money safe).
 */
const ABANDONED_AFTER_MS = 60_000;

export type Reservation =
  | { kind: 'reserved' }
  | { kind: 'replay'; status: number; body: unknown }
  /** The key's first request ran on a route whose answers are never stored: run it again. */
  | { kind: 'run_again' }
  | { kind: 'mismatch' }
  | { kind: 'in_progress' };

export interface IdempotencyScope {
  principal: string;
  key: string;
  method: string;
  path: string;
  body: unknown;
}

interface KeyRow {
  method: string;
  path: string;
  body_hash: string;
  state: string;
  response_status: number | null;
  response_body: string | null;
  created_at: Date;
  expires_at: Date;
}

/** Canonical JSON: key order does not change the hash of the same body. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export function hashBody(body: unknown): string {
  return createHash('sha256').update(canonical(body)).digest('hex');
}

/**
 * Idempotency keys stored in MySQL, scoped to the calling principal, bound to the method, the
 * exact path and a hash of the body (as Formance and Stripe do).
 */
@Injectable()
export class IdempotencyService {
  constructor(@Inject(Database) private readonly db: Database) {}

  async reserve(scope: IdempotencyScope): Promise<Reservation> {
    const bodyHash = hashBody(scope.body);
    const now = new Date();
    for (let attempt = 0; attempt < 3; attempt += 1) {
      try {
        await this.db.query(
          `INSERT INTO idempotency_keys (principal, idempotency_key, method, path, body_hash, state, created_at, expires_at)
           VALUES (?, ?, ?, ?, ?, 'running', ?, ?)`,
          [
            scope.principal,
            scope.key,
            scope.method,
            scope.path,
            bodyHash,
            now,
            new Date(now.getTime() + IDEMPOTENCY_TTL_MS),
          ],
        );
        return { kind: 'reserved' };
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
      const rows: KeyRow[] = await this.db.query(
        'SELECT method, path, body_hash, state, response_status, response_body, created_at, expires_at FROM idempotency_keys WHERE principal = ? AND idempotency_key = ?',
        [scope.principal, scope.key],
      );
      const row = rows[0];
      if (!row) continue; // released meanwhile: try to reserve again
      const expired = new Date(row.expires_at).getTime() <= now.getTime();
      const abandoned =
        row.state === 'running' && now.getTime() - new Date(row.created_at).getTime() > ABANDONED_AFTER_MS;
      if (expired || abandoned) {
        await this.db.query(
          'DELETE FROM idempotency_keys WHERE principal = ? AND idempotency_key = ? AND created_at = ?',
          [scope.principal, scope.key, row.created_at],
        );
        continue;
      }
      if (row.method !== scope.method || row.path !== scope.path || row.body_hash !== bodyHash)
        return { kind: 'mismatch' };
      if (row.state === 'running') return { kind: 'in_progress' };
      if (row.state === 'unstored') return { kind: 'run_again' };
      return {
        kind: 'replay',
        status: Number(row.response_status),
        body: JSON.parse(row.response_body ?? 'null'),
      };
    }
    return { kind: 'in_progress' };
  }

  async complete(scope: IdempotencyScope, status: number, body: unknown): Promise<void> {
    await this.db.query(
      `UPDATE idempotency_keys SET state = 'done', response_status = ?, response_body = ? WHERE principal = ? AND idempotency_key = ?`,
      [status, JSON.stringify(body ?? null), scope.principal, scope.key],
    );
  }

  /**
   * Ends a key's request without keeping its answer (a route marked @DoNotStoreAnswer: its answer
   * is a secret). The key still refuses another body (422) for its 24 h; a retry runs again.
   */
  async completeUnstored(scope: IdempotencyScope, status: number): Promise<void> {
    await this.db.query(
      `UPDATE idempotency_keys SET state = 'unstored', response_status = ?, response_body = NULL WHERE principal = ? AND idempotency_key = ?`,
      [status, scope.principal, scope.key],
    );
  }

  /** Forgets a key whose request did not run to an answer worth keeping, so a corrected retry runs. */
  async release(scope: IdempotencyScope): Promise<void> {
    await this.db.query(
      `DELETE FROM idempotency_keys WHERE principal = ? AND idempotency_key = ? AND state = 'running'`,
      [scope.principal, scope.key],
    );
  }

  /** Deletes expired keys in chunks, never holding locks on many rows at once. */
  async purgeExpired(chunk = 1000): Promise<number> {
    let total = 0;
    for (;;) {
      const result = await this.db.query('DELETE FROM idempotency_keys WHERE expires_at < ? LIMIT ?', [
        new Date(),
        chunk,
      ]);
      const affected = affectedRows(result);
      total += affected;
      if (affected < chunk) return total;
    }
  }
}

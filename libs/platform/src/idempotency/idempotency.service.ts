import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { Database } from '../database/database';
import { affectedRows } from '../database/tx';
import { isDuplicateKeyError } from '../database/transaction';

/** Keys live 24 h (API.md); business uniqueness holds beyond that. */
export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;
/**
 * A request owns its key for a lease of this long, renewed while it runs (the interceptor renews
 * it every third of the lease). A key whose lease lapsed belongs to a request that died (its
 * process crashed or lost the database); a retry may then run (business uniqueness keeps money
 * safe). A request that merely runs long keeps its key, however long it takes.
 */
export const IDEMPOTENCY_LEASE_MS = 60_000;
/** Injection token of the lease window (tests shorten it). */
export const IDEMPOTENCY_LEASE = Symbol('IDEMPOTENCY_LEASE');

export type Reservation =
  /** `owner` names this reservation: only it may renew, complete or release the key. */
  | { kind: 'reserved'; owner: string }
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
  owner: string | null;
  lease_expires_at: Date | null;
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
  readonly leaseMs: number;

  constructor(
    @Inject(Database) private readonly db: Database,
    @Optional() @Inject(IDEMPOTENCY_LEASE) leaseMs?: number,
  ) {
    this.leaseMs = leaseMs ?? IDEMPOTENCY_LEASE_MS;
  }

  async reserve(scope: IdempotencyScope): Promise<Reservation> {
    const bodyHash = hashBody(scope.body);
    const owner = randomBytes(16).toString('hex');
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const now = new Date();
      try {
        await this.db.query(
          `INSERT INTO idempotency_keys (principal, idempotency_key, method, path, body_hash, state, owner, lease_expires_at, created_at, expires_at)
           VALUES (?, ?, ?, ?, ?, 'running', ?, ?, ?, ?)`,
          [
            scope.principal,
            scope.key,
            scope.method,
            scope.path,
            bodyHash,
            owner,
            new Date(now.getTime() + this.leaseMs),
            now,
            new Date(now.getTime() + IDEMPOTENCY_TTL_MS),
          ],
        );
        return { kind: 'reserved', owner };
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
      const rows: KeyRow[] = await this.db.query(
        `SELECT method, path, body_hash, state, owner, lease_expires_at, response_status, response_body, created_at, expires_at
         FROM idempotency_keys WHERE principal = ? AND idempotency_key = ?`,
        [scope.principal, scope.key],
      );
      const row = rows[0];
      if (!row) continue; // released meanwhile: try to reserve again
      const expired = new Date(row.expires_at).getTime() <= now.getTime();
      const leaseLapsed =
        row.state === 'running' &&
        (row.lease_expires_at === null || new Date(row.lease_expires_at).getTime() <= now.getTime());
      if (expired || leaseLapsed) {
        // Only the row seen, and only if it is still expired or unrenewed: a request that renewed
        // its lease meanwhile keeps its key.
        await this.db.query(
          `DELETE FROM idempotency_keys
           WHERE principal = ? AND idempotency_key = ? AND created_at = ? AND owner <=> ?
             AND (expires_at <= ? OR (state = 'running' AND (lease_expires_at IS NULL OR lease_expires_at <= ?)))`,
          [scope.principal, scope.key, row.created_at, row.owner, now, now],
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

  /**
   * Extends the lease of a key its request still runs under; false when the key is no longer
   * this reservation's (released, completed, or taken over after the lease lapsed).
   */
  async renew(scope: IdempotencyScope, owner: string): Promise<boolean> {
    const result = await this.db.query(
      `UPDATE idempotency_keys SET lease_expires_at = ?
       WHERE principal = ? AND idempotency_key = ? AND owner = ? AND state = 'running'`,
      [new Date(Date.now() + this.leaseMs), scope.principal, scope.key, owner],
    );
    return affectedRows(result) === 1;
  }

  /** Stores the answer of the reservation's request; a key that is no longer its own is left alone. */
  async complete(scope: IdempotencyScope, owner: string, status: number, body: unknown): Promise<void> {
    await this.db.query(
      `UPDATE idempotency_keys SET state = 'done', response_status = ?, response_body = ?, lease_expires_at = NULL
       WHERE principal = ? AND idempotency_key = ? AND owner = ? AND state = 'running'`,
      [status, JSON.stringify(body ?? null), scope.principal, scope.key, owner],
    );
  }

  /**
   * Ends a key's request without keeping its answer (a route marked @DoNotStoreAnswer: its answer
   * is a secret). The key still refuses another body (422) for its 24 h; a retry runs again.
   */
  async completeUnstored(scope: IdempotencyScope, owner: string, status: number): Promise<void> {
    await this.db.query(
      `UPDATE idempotency_keys SET state = 'unstored', response_status = ?, response_body = NULL, lease_expires_at = NULL
       WHERE principal = ? AND idempotency_key = ? AND owner = ? AND state = 'running'`,
      [status, scope.principal, scope.key, owner],
    );
  }

  /** Forgets a key whose request did not run to an answer worth keeping, so a corrected retry runs. */
  async release(scope: IdempotencyScope, owner: string): Promise<void> {
    await this.db.query(
      `DELETE FROM idempotency_keys WHERE principal = ? AND idempotency_key = ? AND owner = ? AND state = 'running'`,
      [scope.principal, scope.key, owner],
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

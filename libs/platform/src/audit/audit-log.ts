import { Global, Injectable, Module } from '@nestjs/common';
import { pageNewestFirst } from '../database/newest-first';
import type { Principal } from '../auth/principal';
import type { Tx } from '../database/tx';
import { newId } from '../ids/ids';

/**
 * Who did it: an admin (id and email); the operator (the CLI or DANBAO_BOOTSTRAP_ADMIN at start,
 * no person known to the platform); or someone not signed in (a refused sign-in: only the email
 * that was tried).
 */
export type AuditActor =
  | { type: 'admin'; id: string; email: string | null }
  | { type: 'operator'; name: 'cli' | 'bootstrap' }
  | { type: 'anonymous'; email: string | null };

/** The audit actor of a signed-in admin (routes whose guard let only admins through). */
export function adminActorOf(principal: Principal): Extract<AuditActor, { type: 'admin' }> {
  return {
    type: 'admin',
    id: principal.id,
    email: principal.role === 'admin' ? (principal.email ?? null) : null,
  };
}

export interface AuditEntry {
  actor: AuditActor;
  /** `<subject>.<verb>`: `admin.create`, `admin.sign_in`, `dispute.resolve`, … */
  action: string;
  subjectType?: string | null;
  subjectId?: string | null;
  /** The subject as it was before the action (null when the action created it). */
  before?: unknown;
  /** The subject as the action left it, or what the action decided. */
  after?: unknown;
  /** The request that did it (the `X-Request-Id` the logs carry), when it came over HTTP. */
  requestId?: string | null;
}

/** One row of the audit log as the api answers it (`GET /v1/admin/audit`). */
export interface AuditRecord {
  id: string;
  object: 'audit_entry';
  action: string;
  actor: { type: AuditActor['type']; id: string | null; email: string | null };
  subject_type: string | null;
  subject_id: string | null;
  before: unknown;
  after: unknown;
  request_id: string | null;
  created_at: string;
}

interface AuditRow {
  id: string;
  actor_type: AuditActor['type'];
  actor_id: string | null;
  actor_email: string | null;
  action: string;
  subject_type: string | null;
  subject_id: string | null;
  before_state: string | null;
  after_state: string | null;
  request_id: string | null;
  created_at: Date;
}

export const AUDIT_ACTION_PATTERN = /^[a-z][a-z_]*\.[a-z][a-z_]*$/;

const json = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));

function actorColumns(actor: AuditActor): [string, string | null, string | null] {
  switch (actor.type) {
    case 'admin':
      return ['admin', actor.id, actor.email];
    case 'operator':
      return ['operator', actor.name, null];
    case 'anonymous':
      return ['anonymous', null, actor.email];
  }
}

function toRecord(row: AuditRow): AuditRecord {
  return {
    id: row.id,
    object: 'audit_entry',
    action: row.action,
    actor: { type: row.actor_type, id: row.actor_id, email: row.actor_email },
    subject_type: row.subject_type,
    subject_id: row.subject_id,
    before: row.before_state === null ? null : JSON.parse(row.before_state),
    after: row.after_state === null ? null : JSON.parse(row.after_state),
    request_id: row.request_id,
    created_at: new Date(row.created_at).toISOString(),
  };
}

/**
 * The append-only audit log of admin actions (TEST-PLAN T37): who, what, when, before and after,
 * and the request id. record() writes in the caller's transaction, so an action and its audit
 * row commit or roll back together; the log is only ever INSERTed into and read (the
 * application user of GRANTS.md has no UPDATE or DELETE on it). Before and after are stored as
 * JSON text (LONGTEXT rather than JSON, which MariaDB and MySQL 8 store and answer differently).
 */
@Injectable()
export class AuditLog {
  async record(tx: Tx, entry: AuditEntry, now: Date = new Date()): Promise<string> {
    if (!AUDIT_ACTION_PATTERN.test(entry.action)) throw new Error(`bad audit action ${entry.action}`);
    const id = newId('aud', now.getTime());
    const [actorType, actorId, actorEmail] = actorColumns(entry.actor);
    await tx.query(
      `INSERT INTO audit_log (id, actor_type, actor_id, actor_email, action, subject_type, subject_id,
                              before_state, after_state, request_id, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        id,
        actorType,
        actorId,
        actorEmail?.slice(0, 254) ?? null,
        entry.action,
        entry.subjectType ?? null,
        entry.subjectId ?? null,
        json(entry.before),
        json(entry.after),
        entry.requestId?.slice(0, 64) ?? null,
        now,
      ],
    );
    return id;
  }

  /** A page of entries, newest first, optionally of one action; `startingAfter` is the last id of the previous page. */
  async list(
    tx: Tx,
    options: { action?: string; limit: number; startingAfter?: string },
  ): Promise<{ data: AuditRecord[]; hasMore: boolean }> {
    return pageNewestFirst<AuditRow, AuditRecord>(
      tx,
      { table: 'audit_log', equals: { action: options.action || undefined } },
      options.limit,
      options.startingAfter || undefined,
      toRecord,
    );
  }
}

/** The audit log for every module of a process (it holds no state; any lib may inject it). */
@Global()
@Module({ providers: [AuditLog], exports: [AuditLog] })
export class AuditModule {}

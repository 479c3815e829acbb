import { Inject, Injectable } from '@nestjs/common';
import {
  AuditActor,
  AuditLog,
  Database,
  DomainError,
  isDuplicateKeyError,
  newId,
  runInTransaction,
  type Tx,
} from '@danbao/platform';
import { AdminExistsError, WeakPasswordError } from './admin.errors';
import { hashPassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './password-hash';

export interface Admin {
  id: string;
  email: string;
  createdAt: Date;
  /** The admin who added this one; null when the operator did (CLI or DANBAO_BOOTSTRAP_ADMIN). */
  createdBy: string | null;
}

export interface AdminWithHash extends Admin {
  passwordHash: string;
}

/** The admin as the api answers it: never the hash. */
export interface AdminObject {
  id: string;
  object: 'admin';
  email: string;
  created_at: string;
  created_by: string | null;
}

/** Who adds an admin: another admin, or the operator (the CLI, DANBAO_BOOTSTRAP_ADMIN). */
export type AdminCreator = Extract<AuditActor, { type: 'admin' } | { type: 'operator' }>;

export function toAdminObject(admin: Admin): AdminObject {
  return {
    id: admin.id,
    object: 'admin',
    email: admin.email,
    created_at: new Date(admin.createdAt).toISOString(),
    created_by: admin.createdBy,
  };
}

/** The unique form of an address: trimmed and lowercased (emails are matched case-insensitively). */
export const emailKey = (email: string): string => email.trim().toLowerCase();

/**
 * What an admin's email must look like: something@somewhere, no spaces (hosts without a dot, such
 * as `ops@localhost`, are fine for an operator's bootstrap admin). The routes validate with it too.
 */
export const ADMIN_EMAIL_PATTERN = /^[^\s@]+@[^\s@]+$/;

interface AdminRow {
  id: string;
  email: string;
  password_hash: string;
  created_at: Date;
  created_by: string | null;
}

const toAdmin = (row: AdminRow): AdminWithHash => ({
  id: row.id,
  email: row.email,
  passwordHash: row.password_hash,
  createdAt: row.created_at,
  createdBy: row.created_by,
});

/** A password admins may choose: PASSWORD_MIN_LENGTH characters at least (code points, not UTF-16 units). */
export function assertAcceptablePassword(password: string): void {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH || length > PASSWORD_MAX_LENGTH) throw new WeakPasswordError();
}

/**
 * The admins table: adding an admin (audited, in one transaction with its audit row) and finding
 * one by email. Needs only the database, so the CLI uses it without Nest.
 */
@Injectable()
export class AdminAccounts {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(AuditLog) private readonly audit: AuditLog,
  ) {}

  /**
   * Adds an admin. 400 for a malformed email or a short password, 409 `admin_exists` when the
   * email is taken in any letter case (the unique key decides, so two concurrent creations of one
   * email cannot both succeed).
   */
  async create(
    email: string,
    password: string,
    createdBy: AdminCreator,
    requestId?: string | null,
  ): Promise<Admin> {
    const given = email.trim();
    if (given.length > 254 || !ADMIN_EMAIL_PATTERN.test(given))
      throw new DomainError(400, 'parameter_invalid', 'email must be an email address', 'email');
    assertAcceptablePassword(password);
    const admin: AdminWithHash = {
      id: newId('adm'),
      email: given,
      passwordHash: await hashPassword(password),
      createdAt: new Date(),
      createdBy: createdBy.type === 'admin' ? createdBy.id : null,
    };
    try {
      await runInTransaction(this.db, async (tx) => {
        await tx.query(
          `INSERT INTO admins (id, email, email_key, password_hash, created_at, created_by)
           VALUES (?, ?, ?, ?, ?, ?)`,
          [
            admin.id,
            admin.email,
            emailKey(admin.email),
            admin.passwordHash,
            admin.createdAt,
            admin.createdBy,
          ],
        );
        await this.audit.record(
          tx,
          {
            actor: createdBy,
            action: 'admin.create',
            subjectType: 'admin',
            subjectId: admin.id,
            before: null,
            after: toAdminObject(admin),
            requestId,
          },
          admin.createdAt,
        );
      });
    } catch (error) {
      if (isDuplicateKeyError(error)) throw new AdminExistsError();
      throw error;
    }
    return { id: admin.id, email: admin.email, createdAt: admin.createdAt, createdBy: admin.createdBy };
  }

  /**
   * Makes sure an admin with this email exists (DANBAO_BOOTSTRAP_ADMIN): creates it when absent,
   * otherwise leaves it, its password included, as it is. Safe when several api processes start at
   * once: the unique email decides which one creates it.
   */
  async ensure(email: string, password: string, via: 'bootstrap' | 'cli'): Promise<{ created: boolean }> {
    if (await this.findByEmail(this.db, email)) return { created: false };
    try {
      await this.create(email, password, { type: 'operator', name: via });
      return { created: true };
    } catch (error) {
      if (error instanceof AdminExistsError) return { created: false };
      throw error;
    }
  }

  async findByEmail(tx: Tx, email: string): Promise<AdminWithHash | null> {
    const rows: AdminRow[] = await tx.query(
      'SELECT id, email, password_hash, created_at, created_by FROM admins WHERE email_key = ?',
      [emailKey(email)],
    );
    return rows[0] ? toAdmin(rows[0]) : null;
  }
}

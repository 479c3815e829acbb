import { Inject, Injectable } from '@nestjs/common';
import { AuditLog, Database, TokenService } from '@danbao/platform';
import { Admin, AdminAccounts, AdminCreator, emailKey } from './admin-accounts';
import { InvalidCredentialsError, SignInRateLimitedError } from './admin.errors';
import { DUMMY_PASSWORD_HASH, verifyPassword } from './password-hash';
import { SignInLimiter } from './sign-in-limiter';

/** API.md: an admin session is valid 8 h. */
export const ADMIN_SESSION_SECONDS = 8 * 60 * 60;

export interface AdminSession {
  token: string;
  expiresAt: Date;
  admin: Admin;
}

/**
 * Admins and their sign-in (API.md, Auth). A sign-in answers the same 401 `invalid_credentials`
 * for an unknown email and a wrong password, after the same work: an unknown email's password is
 * verified against a dummy hash of today's cost. Failures per email are limited across all api
 * processes (SignInLimiter). Every sign-in, refused or not, is audited.
 */
@Injectable()
export class AdminService {
  constructor(
    @Inject(AdminAccounts) private readonly accounts: AdminAccounts,
    @Inject(Database) private readonly db: Database,
    @Inject(AuditLog) private readonly audit: AuditLog,
    @Inject(TokenService) private readonly tokens: TokenService,
    @Inject(SignInLimiter) private readonly limiter: SignInLimiter,
  ) {}

  create(
    email: string,
    password: string,
    createdBy: AdminCreator,
    requestId?: string | null,
  ): Promise<Admin> {
    return this.accounts.create(email, password, createdBy, requestId);
  }

  /** An 8 h admin token (subject the admin id, with its email), or 401 / 429. */
  async signIn(email: string, password: string, requestId?: string | null): Promise<AdminSession> {
    const attempt = await this.limiter.attempt(email);
    if (!attempt.allowed) {
      // Only the first refusal of a window is written: the next ones cost no scrypt and no row, so
      // a flood of guesses at a locked email cannot flood the audit log.
      if (attempt.firstRefusal)
        await this.refused(
          email,
          null,
          { reason: 'rate_limited', retry_after: attempt.retryAfterSeconds },
          requestId,
        );
      throw new SignInRateLimitedError(attempt.retryAfterSeconds);
    }
    const admin = await this.accounts.findByEmail(this.db, email);
    // Always one scrypt verification, against the dummy hash when the email is unknown.
    const matches = await verifyPassword(password, admin?.passwordHash ?? DUMMY_PASSWORD_HASH);
    if (!admin || !matches) {
      await this.refused(email, admin?.id ?? null, { reason: 'invalid_credentials' }, requestId);
      throw new InvalidCredentialsError();
    }
    await attempt.release();
    const minted = this.tokens.mint('admin', admin.id, ADMIN_SESSION_SECONDS, admin.email);
    await this.audit.record(this.db, {
      actor: { type: 'admin', id: admin.id, email: admin.email },
      action: 'admin.sign_in',
      subjectType: 'admin',
      subjectId: admin.id,
      after: { expires_at: minted.expiresAt.toISOString() },
      requestId,
    });
    const { passwordHash: _hash, ...plain } = admin;
    return { token: minted.token, expiresAt: minted.expiresAt, admin: plain };
  }

  /**
   * A refused sign-in: nobody is signed in, so the actor is the email that was tried, as given
   * (trimmed, lowercased). The route only lets syntactically valid addresses through, so a
   * password typed into the email field never lands here, and whoever reads the log needs the
   * address to see which accounts are being guessed at. The subject is the admin when the email
   * is one (the audit log is for admins only; the HTTP answer never says so).
   */
  private async refused(
    email: string,
    adminId: string | null,
    after: Record<string, unknown>,
    requestId?: string | null,
  ): Promise<void> {
    await this.audit.record(this.db, {
      actor: { type: 'anonymous', email: emailKey(email) },
      action: 'admin.sign_in_refused',
      subjectType: adminId ? 'admin' : null,
      subjectId: adminId,
      after,
      requestId,
    });
  }
}

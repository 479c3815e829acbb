export {
  ADMIN_EMAIL_PATTERN,
  AdminAccounts,
  assertAcceptablePassword,
  emailKey,
  toAdminObject,
} from './admin-accounts';
export type { Admin, AdminCreator, AdminObject } from './admin-accounts';
export {
  AdminExistsError,
  InvalidCredentialsError,
  SignInRateLimitedError,
  WeakPasswordError,
} from './admin.errors';
export { ADMIN_SESSION_SECONDS, AdminService } from './admin.service';
export type { AdminSession } from './admin.service';
export { AdminsModule } from './admins.module';
export { adminsMigrations } from './migrations';
export {
  DUMMY_PASSWORD_HASH,
  hashPassword,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  SCRYPT_COST,
  verifyPassword,
} from './password-hash';
export { SIGN_IN_MAX_FAILURES, SIGN_IN_WINDOW_SECONDS, SignInLimiter } from './sign-in-limiter';

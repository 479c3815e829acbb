import { DomainError } from '@danbao/platform';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './password-hash';

/** 409: an admin with this email exists already (in any letter case). */
export class AdminExistsError extends DomainError {
  constructor() {
    super(409, 'admin_exists', 'An admin with this email exists already.', 'email');
  }
}

/** 400: the password is shorter than PASSWORD_MIN_LENGTH characters (or absurdly long). */
export class WeakPasswordError extends DomainError {
  constructor() {
    super(
      400,
      'parameter_invalid',
      `password must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters`,
      'password',
    );
  }
}

/** 401: the same answer for an unknown email and a wrong password (API.md, Auth). */
export class InvalidCredentialsError extends DomainError {
  constructor() {
    super(401, 'invalid_credentials', 'The email or the password is wrong.');
  }
}

/** 429: too many failed sign-ins for this email; `Retry-After` says when the window passes. */
export class SignInRateLimitedError extends DomainError {
  constructor(readonly retryAfterSeconds: number) {
    super(429, 'rate_limited', 'Too many failed sign-ins for this email. Try again later.', undefined, {
      'Retry-After': String(retryAfterSeconds),
    });
  }
}

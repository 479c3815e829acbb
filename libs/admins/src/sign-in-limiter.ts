import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** API.md: 5 failures for one email within 15 minutes answer 429 until the window passes. */
export const SIGN_IN_MAX_FAILURES = 5;
export const SIGN_IN_WINDOW_SECONDS = 15 * 60;

export type SignInAttempt =
  | { allowed: true; release(): Promise<void> }
  /** `firstRefusal`: the first attempt refused in this window (the limit was just reached). */
  | { allowed: false; retryAfterSeconds: number; firstRefusal: boolean };

/**
 * Failed sign-ins per email, counted in Redis so that every api process agrees (TEST-PLAN T50).
 * One key per email under QUEUE_PREFIX, named by the SHA-256 of the lowercased email (no address
 * in Redis, and no two test files share a key): `<prefix>:signin-failures:<hex>`.
 *
 * An attempt takes a slot before the password is checked (INCR, and EXPIRE NX, so the window
 * starts at the first failure and a later one does not extend it); a sign-in that succeeds gives
 * its slot back. So a burst of concurrent guesses cannot slip past the limit between a check and
 * a count: once the count is above the limit, every attempt answers 429, even with the right
 * password, until the key expires. Fixed window from the first failure: at most 5 guesses per
 * email per 15 minutes.
 */
export class SignInLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly maxFailures = SIGN_IN_MAX_FAILURES,
    private readonly windowSeconds = SIGN_IN_WINDOW_SECONDS,
  ) {}

  key(email: string): string {
    const digest = createHash('sha256').update(email.trim().toLowerCase()).digest('hex');
    return `${this.prefix}:signin-failures:${digest}`;
  }

  async attempt(email: string): Promise<SignInAttempt> {
    const key = this.key(email);
    const results = await this.redis.multi().incr(key).expire(key, this.windowSeconds, 'NX').pttl(key).exec();
    const failure = results?.find(([error]) => error)?.[0];
    if (!results || failure) throw failure ?? new Error('sign-in limiter: MULTI was aborted');
    const count = Number(results[0][1]);
    if (count > this.maxFailures) {
      const ttl = Number(results[2][1]);
      return {
        allowed: false,
        retryAfterSeconds: Math.max(1, Math.ceil(ttl / 1000)),
        firstRefusal: count === this.maxFailures + 1,
      };
    }
    return {
      allowed: true,
      // The attempt succeeded: it was not a failure. (DECR on an expired key would leave -1 with no
      // expiry; only give the slot back while the key still lives.)
      release: async () => {
        await this.redis.eval(
          "if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('DECR', KEYS[1]) end return 0",
          1,
          key,
        );
      },
    };
  }
}

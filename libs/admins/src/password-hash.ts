import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Admin passwords, hashed with scrypt (node:crypto, no package): salted, slow and memory-hard,
 * with its cost stated explicitly and stored with the hash as `scrypt$N$r$p$salt$hash` (salt and
 * hash base64url), so a later raise of the cost still verifies older hashes. N = 2^15, r = 8,
 * p = 1 take 32 MiB and a few hundred milliseconds a hash on these machines; node runs scrypt on
 * libuv's thread pool, so the event loop keeps serving other requests meanwhile.
 */
export const SCRYPT_COST = { N: 2 ** 15, r: 8, p: 1 } as const;
const SALT_BYTES = 16;
const KEY_BYTES = 32;

/** The most a stored hash may ask for: a row edited to N = 2^30 must not take the process down. */
const MAX_N = 2 ** 20;
const MAX_R = 16;
const MAX_P = 4;

export const PASSWORD_MIN_LENGTH = 12;
/** Long enough for any passphrase; a bound so that a megabyte "password" is refused before hashing. */
export const PASSWORD_MAX_LENGTH = 1024;

interface Cost {
  N: number;
  r: number;
  p: number;
}

function derive(password: string, salt: Buffer, cost: Cost, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(
      password.normalize('NFC'),
      salt,
      length,
      // scrypt needs 128·N·r bytes; node's default limit (32 MiB) is exactly that at N=2^15, r=8 and refuses it.
      { N: cost.N, r: cost.r, p: cost.p, maxmem: 256 * cost.N * cost.r },
      (error, key) => (error ? reject(error) : resolve(key)),
    ),
  );
}

/** A new self-describing hash of `password` with a fresh random salt. */
export async function hashPassword(password: string, cost: Cost = SCRYPT_COST): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, cost, KEY_BYTES);
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

interface ParsedHash extends Cost {
  salt: Buffer;
  key: Buffer;
}

function parse(stored: string): ParsedHash | null {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [N, r, p] = parts.slice(1, 4).map((part) => (/^[0-9]{1,8}$/.test(part) ? Number(part) : NaN));
  const powerOfTwo = Number.isInteger(N) && N >= 2 && (N & (N - 1)) === 0;
  if (!powerOfTwo || N > MAX_N || !(r >= 1 && r <= MAX_R) || !(p >= 1 && p <= MAX_P)) return null;
  const salt = Buffer.from(parts[4], 'base64url');
  const key = Buffer.from(parts[5], 'base64url');
  if (salt.length < 8 || key.length < 16 || key.length > 64) return null;
  return { N, r, p, salt, key };
}

/**
 * Whether `password` is the one `stored` was made from: the same derivation, compared in
 * constant time. A malformed hash (or one asking for an unreasonable cost) never matches.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parse(stored);
  if (!parsed) return false;
  const key = await derive(password, parsed.salt, parsed, parsed.key.length);
  return timingSafeEqual(key, parsed.key);
}

/**
 * A hash no password matches, at today's cost: verifying a sign-in of an unknown email against it
 * costs the same scrypt work as verifying a real admin's, so the answer's timing does not tell
 * whether the email exists. (Its key is all zeros; scrypt's output is never that in practice, and
 * the comparison still runs in constant time.)
 */
export const DUMMY_PASSWORD_HASH = [
  'scrypt',
  SCRYPT_COST.N,
  SCRYPT_COST.r,
  SCRYPT_COST.p,
  Buffer.alloc(SALT_BYTES, 0x5a).toString('base64url'),
  Buffer.alloc(KEY_BYTES).toString('base64url'),
].join('$');

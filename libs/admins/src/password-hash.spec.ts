import { randomBytes, scryptSync } from 'node:crypto';
import { DUMMY_PASSWORD_HASH, hashPassword, SCRYPT_COST, verifyPassword } from './password-hash';

// Real node:crypto scrypt at the production cost (each hash takes a few hundred milliseconds).

describe('admin password hashes', () => {
  const password = 'correct horse battery staple';
  let stored: string;

  beforeAll(async () => {
    stored = await hashPassword(password);
  });

  it('are self-describing: scrypt$N$r$p$salt$hash with N ≥ 2^15, r = 8, p = 1', () => {
    const [scheme, N, r, p, salt, key] = stored.split('$');
    expect({ scheme, N: Number(N), r: Number(r), p: Number(p) }).toEqual({
      scheme: 'scrypt',
      N: 32768,
      r: 8,
      p: 1,
    });
    expect(SCRYPT_COST.N).toBeGreaterThanOrEqual(2 ** 15);
    expect(Buffer.from(salt, 'base64url')).toHaveLength(16);
    expect(Buffer.from(key, 'base64url')).toHaveLength(32);
    // It is exactly scrypt of the password with the stored salt and cost: nothing home-made.
    const expected = scryptSync(password, Buffer.from(salt, 'base64url'), 32, {
      N: 32768,
      r: 8,
      p: 1,
      maxmem: 64 * 1024 * 1024,
    });
    expect(key).toBe(expected.toString('base64url'));
  });

  it('are salted: the same password hashes differently each time', async () => {
    expect(await hashPassword(password)).not.toBe(stored);
  });

  it('verify the right password and refuse a wrong one', async () => {
    expect(await verifyPassword(password, stored)).toBe(true);
    expect(await verifyPassword(`${password} `, stored)).toBe(false);
    expect(await verifyPassword('Correct horse battery staple', stored)).toBe(false);
  });

  it('verify a hash made at another cost, from the cost it states', async () => {
    const cheaper = await hashPassword(password, { N: 2 ** 10, r: 8, p: 1 });
    expect(cheaper.startsWith('scrypt$1024$8$1$')).toBe(true);
    expect(await verifyPassword(password, cheaper)).toBe(true);
  });

  it('never match a malformed hash or one asking for an unreasonable cost', async () => {
    const [, , , , salt, key] = stored.split('$');
    for (const bad of [
      '',
      'plain',
      `bcrypt$32768$8$1$${salt}$${key}`,
      `scrypt$30000$8$1$${salt}$${key}`, // N not a power of two
      `scrypt$1073741824$8$1$${salt}$${key}`, // 2^30: would exhaust memory
      `scrypt$32768$64$1$${salt}$${key}`,
      `scrypt$32768$8$1$$${key}`,
      `scrypt$32768$8$1$${salt}$`,
    ]) {
      expect({ bad, matches: await verifyPassword(password, bad) }).toEqual({ bad, matches: false });
    }
  });

  it('have a dummy of today’s cost that no password matches', async () => {
    expect(DUMMY_PASSWORD_HASH.startsWith(`scrypt$${SCRYPT_COST.N}$${SCRYPT_COST.r}$${SCRYPT_COST.p}$`)).toBe(
      true,
    );
    expect(await verifyPassword(password, DUMMY_PASSWORD_HASH)).toBe(false);
    expect(await verifyPassword(randomBytes(12).toString('hex'), DUMMY_PASSWORD_HASH)).toBe(false);
  });
});

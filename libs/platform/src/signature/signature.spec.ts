import { signPayload, signWithSecrets, verifySignature } from './signature';

describe('notification signatures', () => {
  const secret = 'whsec_test_0123456789';
  const body = '{"id":"ntf_1","type":"payment.succeeded"}';
  const now = 1_790_000_000;

  it('verifies its own signature over the exact body', () => {
    expect(verifySignature(secret, body, signPayload(secret, body, now), now)).toEqual({ valid: true });
  });

  it('accepts a header with an old and a new v1 during rotation', () => {
    const good = signPayload(secret, body, now).split(',')[1];
    expect(verifySignature(secret, body, `t=${now},v1=${'0'.repeat(64)},${good}`, now)).toEqual({
      valid: true,
    });
  });

  it.each([
    ['no header', undefined],
    ['a wrong secret', signPayload('other_secret_0123456', body, now)],
    ['a v0-only header', `t=${now},v0=${'a'.repeat(64)}`],
    ['a timestamp 301 s old', signPayload(secret, body, now - 301)],
    ['a timestamp 301 s ahead', signPayload(secret, body, now + 301)],
    ['garbage', 'hello'],
  ])('refuses %s', (_case, header) => {
    expect(verifySignature(secret, body, header, now).valid).toBe(false);
  });

  it('refuses a one-byte change and a re-serialized body', () => {
    const header = signPayload(secret, body, now);
    expect(verifySignature(secret, body.replace('ntf_1', 'ntf_2'), header, now).valid).toBe(false);
    expect(verifySignature(secret, JSON.stringify(JSON.parse(body), null, 1), header, now).valid).toBe(false);
  });

  describe('signWithSecrets (secret roll)', () => {
    const oldSecret = 'whsec_old_0123456789';
    const newSecret = 'whsec_new_9876543210';

    it('writes one v1 per secret, in order, each equal to signPayload with that secret', () => {
      const header = signWithSecrets([newSecret, oldSecret], body, now);
      const v1 = (secret: string) => signPayload(secret, body, now).split(',')[1];
      expect(header).toBe(`t=${now},${v1(newSecret)},${v1(oldSecret)}`);
    });

    it('verifies with either secret, and not with a third', () => {
      const header = signWithSecrets([newSecret, oldSecret], body, now);
      expect(verifySignature(newSecret, body, header, now)).toEqual({ valid: true });
      expect(verifySignature(oldSecret, body, header, now)).toEqual({ valid: true });
      expect(verifySignature(secret, body, header, now).valid).toBe(false);
    });

    it('with one secret is exactly signPayload', () => {
      expect(signWithSecrets([secret], body, now)).toBe(signPayload(secret, body, now));
    });

    it('refuses an empty list rather than send an unsigned header', () => {
      expect(() => signWithSecrets([], body, now)).toThrow();
    });
  });
});

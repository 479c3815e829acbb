import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig, SHIPPED_PLACEHOLDER_SECRETS } from './config';
import { parseDurationMs } from './duration';

/** A production environment that starts: the sandbox switched on, real secrets of 32+ bytes. */
const PRODUCTION = {
  NODE_ENV: 'production',
  SANDBOX_CHANNEL: 'on',
  SANDBOX_CHANNEL_SECRET: randomBytes(32).toString('hex'),
  DANBAO_SECRET_KEY: randomBytes(32).toString('base64'),
};

/** The ConfigError loadConfig throws for `env`, checked to be one line naming `variable`. */
function refusal(env: Record<string, string>, variable: string): string {
  let thrown: unknown;
  try {
    loadConfig(env);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ConfigError);
  const message = (thrown as ConfigError).message;
  expect((thrown as ConfigError).variable).toBe(variable);
  expect(message).toContain(variable);
  expect(message).not.toContain('\n');
  return message;
}

describe('configuration', () => {
  it('gives every variable of API.md its default on an empty environment', () => {
    const config = loadConfig({});
    expect(config.databaseUrl).toBe('mysql://root@127.0.0.1:3306/danbao');
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.port).toBe(3000);
    expect(config.publicUrl).toBe('http://localhost:3000');
    expect(config.currencies).toEqual(['CNY', 'USD', 'EUR', 'JPY']);
    expect(config.queuePrefix).toBe('danbao');
    expect(config.checkoutExpiresAfterMs).toBe(30 * 60_000);
    expect(config.autoConfirmAfterMs).toBe(10 * 86_400_000);
    expect(config.autoConfirmSurfaceMailMs).toBe(30 * 86_400_000);
    expect(config.autoConfirmVirtualMs).toBe(3 * 86_400_000);
    expect(config.autoConfirmPickupMs).toBe(2 * 86_400_000);
    expect(config.receiptExtensionMs).toBe(3 * 86_400_000);
    expect(config.sellerResponseWindowMs).toBe(2 * 86_400_000);
    expect(config.escalationWindowMs).toBe(5 * 86_400_000);
    expect(config.returnShipWindowMs).toBe(7 * 86_400_000);
    expect(config.returnConfirmWindowMs).toBe(7 * 86_400_000);
    expect(config.adminApprovalThreshold).toBe(500_000);
    expect(config.maxHoldMs).toBe(90 * 86_400_000);
    expect(config.holdExpiryNoticeMs).toBe(5 * 86_400_000);
    expect(config.payoutDelayMs).toBe(86_400_000);
    expect(config.sweepIntervalMs).toBe(30_000);
    expect(config.platformFeeBps).toBe(200);
    expect(config.webhookRetryBaseMs).toBe(30_000);
    expect(config.sandboxChannelSecretGenerated).toBe(true);
    expect(config.sandboxChannelSecret).toMatch(/^[0-9a-f]{48}$/);
    expect(config.bootstrapApiKey).toBeUndefined();
    expect(config.bootstrapAdmin).toBeUndefined();
    expect(config.logFormat).toBe('pretty');
    expect(config.sandboxChannel).toBe(true);
    expect(config.secretKeyGenerated).toBe(true);
    expect(config.secretKey).toHaveLength(32);
  });

  it('prints readable log lines by default only in development, and takes LOG_FORMAT over NODE_ENV', () => {
    expect(loadConfig({ NODE_ENV: 'development' }).logFormat).toBe('pretty');
    expect(loadConfig(PRODUCTION).logFormat).toBe('json');
    expect(loadConfig({ NODE_ENV: 'test' }).logFormat).toBe('json');
    expect(loadConfig({ ...PRODUCTION, LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
    expect(loadConfig({ LOG_FORMAT: 'json' }).logFormat).toBe('json');
  });

  it('derives PUBLIC_URL from PORT and takes overrides', () => {
    const config = loadConfig({
      PORT: '4100',
      AUTO_CONFIRM_AFTER: '2s',
      DANBAO_BOOTSTRAP_ADMIN: 'ops@example.com:correct horse:battery',
    });
    expect(config.publicUrl).toBe('http://localhost:4100');
    expect(config.autoConfirmAfterMs).toBe(2000);
    expect(config.bootstrapAdmin).toEqual({ email: 'ops@example.com', password: 'correct horse:battery' });
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'postgres://localhost/x'],
    ['REDIS_URL', 'not a url'],
    ['AUTO_CONFIRM_AFTER', '10 days'],
    ['SWEEP_INTERVAL', '-5s'],
    ['PLATFORM_FEE_BPS', '10001'],
    ['CURRENCIES', 'usd,EUR'],
    ['DANBAO_BOOTSTRAP_API_KEY', 'key'],
    ['DANBAO_BOOTSTRAP_ADMIN', 'ops@example.com:eleven char'],
    ['DANBAO_BOOTSTRAP_ADMIN', 'no-email:twelve chars!'],
    ['LOG_FORMAT', 'xml'],
  ])('refuses %s=%s with one line naming the variable', (variable, value) => {
    let thrown: unknown;
    try {
      loadConfig({ [variable]: value });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const message = (thrown as ConfigError).message;
    expect((thrown as ConfigError).variable).toBe(variable);
    expect(message).toContain(variable);
    expect(message).not.toContain('\n');
  });

  describe('in production (issue 11, item 1)', () => {
    it('starts with SANDBOX_CHANNEL=on, a 32+ byte channel secret and DANBAO_SECRET_KEY', () => {
      const config = loadConfig(PRODUCTION);
      expect(config.sandboxChannel).toBe(true);
      expect(config.sandboxChannelSecret).toBe(PRODUCTION.SANDBOX_CHANNEL_SECRET);
      expect(config.sandboxChannelSecretGenerated).toBe(false);
      expect(config.secretKey).toEqual(Buffer.from(PRODUCTION.DANBAO_SECRET_KEY, 'base64'));
      expect(config.secretKeyGenerated).toBe(false);
    });

    it('never lets webhooks reach loopback: WEBHOOK_ALLOW_LOOPBACK is false, and true is refused', () => {
      expect(loadConfig(PRODUCTION).webhookAllowLoopback).toBe(false);
      expect(refusal({ ...PRODUCTION, WEBHOOK_ALLOW_LOOPBACK: 'true' }, 'WEBHOOK_ALLOW_LOOPBACK')).toMatch(
        /may not be true/,
      );
      expect(loadConfig({}).webhookAllowLoopback).toBe(true);
      expect(loadConfig({ NODE_ENV: 'test' }).webhookAllowLoopback).toBe(false);
      expect(loadConfig({ NODE_ENV: 'test', WEBHOOK_ALLOW_LOOPBACK: 'true' }).webhookAllowLoopback).toBe(
        true,
      );
      expect(loadConfig({}).webhookTimeoutMs).toBe(10_000);
    });

    it('refuses to start without SANDBOX_CHANNEL', () => {
      const { SANDBOX_CHANNEL: _, ...withoutSwitch } = PRODUCTION;
      expect(refusal(withoutSwitch, 'SANDBOX_CHANNEL')).toMatch(/must be set to on or off/);
      // Any deployment that is not development or test counts as production here.
      refusal({ ...withoutSwitch, NODE_ENV: 'staging' }, 'SANDBOX_CHANNEL');
    });

    it('refuses SANDBOX_CHANNEL other than on or off', () => {
      refusal({ ...PRODUCTION, SANDBOX_CHANNEL: 'yes' }, 'SANDBOX_CHANNEL');
      refusal({ SANDBOX_CHANNEL: 'yes' }, 'SANDBOX_CHANNEL');
    });

    it('refuses a channel secret shorter than 32 bytes', () => {
      const message = refusal(
        { ...PRODUCTION, SANDBOX_CHANNEL_SECRET: 'x'.repeat(31) },
        'SANDBOX_CHANNEL_SECRET',
      );
      expect(message).toContain('32 bytes');
      expect(message).not.toContain('x'.repeat(31)); // a secret is never echoed
      // Bytes, not characters: 11 three-byte characters are 33 bytes.
      expect(loadConfig({ ...PRODUCTION, SANDBOX_CHANNEL_SECRET: '担'.repeat(11) }).sandboxChannel).toBe(
        true,
      );
    });

    it('refuses a channel secret the repository ships (compose, tests, benchmarks)', () => {
      expect(SHIPPED_PLACEHOLDER_SECRETS).toContain('change-me-to-a-long-random-secret');
      for (const placeholder of SHIPPED_PLACEHOLDER_SECRETS) {
        const message = refusal(
          { ...PRODUCTION, SANDBOX_CHANNEL_SECRET: placeholder },
          'SANDBOX_CHANNEL_SECRET',
        );
        expect(message).not.toContain(placeholder);
      }
    });

    it('refuses SANDBOX_CHANNEL=on without a channel secret, and needs none with SANDBOX_CHANNEL=off', () => {
      const { SANDBOX_CHANNEL_SECRET: _, ...withoutSecret } = PRODUCTION;
      refusal(withoutSecret, 'SANDBOX_CHANNEL_SECRET');
      expect(loadConfig({ ...withoutSecret, SANDBOX_CHANNEL: 'off' }).sandboxChannel).toBe(false);
    });

    it('refuses to start without DANBAO_SECRET_KEY, or with a shipped one', () => {
      const { DANBAO_SECRET_KEY: _, ...withoutKey } = PRODUCTION;
      refusal(withoutKey, 'DANBAO_SECRET_KEY');
      for (const placeholder of SHIPPED_PLACEHOLDER_SECRETS) {
        if (/^[0-9a-f]{64}$/.test(placeholder))
          refusal({ ...PRODUCTION, DANBAO_SECRET_KEY: placeholder }, 'DANBAO_SECRET_KEY');
      }
    });
  });

  describe('DANBAO_SECRET_KEY', () => {
    it('takes 32 bytes as hex or base64', () => {
      const key = randomBytes(32);
      expect(loadConfig({ DANBAO_SECRET_KEY: key.toString('hex') }).secretKey).toEqual(key);
      expect(loadConfig({ DANBAO_SECRET_KEY: key.toString('base64') }).secretKey).toEqual(key);
      expect(loadConfig({ DANBAO_SECRET_KEY: key.toString('base64url') }).secretKey).toEqual(key);
      expect(loadConfig({ DANBAO_SECRET_KEY: key.toString('hex') }).secretKeyGenerated).toBe(false);
    });

    it.each([
      ['16 bytes of hex', randomBytes(16).toString('hex')],
      ['31 bytes of base64', randomBytes(31).toString('base64')],
      ['a passphrase', 'correct horse battery staple'],
    ])('refuses %s with one line, in development too', (_, value) => {
      const message = refusal({ DANBAO_SECRET_KEY: value }, 'DANBAO_SECRET_KEY');
      expect(message).toContain('32 bytes');
      expect(message).not.toContain(value);
    });

    it('generates a different key per load where none is set (development and test)', () => {
      const first = loadConfig({ NODE_ENV: 'test' });
      expect(first.secretKeyGenerated).toBe(true);
      expect(first.secretKey).not.toEqual(loadConfig({ NODE_ENV: 'test' }).secretKey);
    });
  });

  describe('CURRENCIES (issue 11, item 6)', () => {
    it('refuses a code libs/money does not know, naming it', () => {
      expect(refusal({ CURRENCIES: 'MYR' }, 'CURRENCIES')).toContain('MYR');
      expect(refusal({ CURRENCIES: 'CNY,XXX,USD' }, 'CURRENCIES')).toContain('XXX');
    });

    it('accepts codes libs/money knows, with any exponent', () => {
      expect(loadConfig({ CURRENCIES: 'CNY, KWD,JPY' }).currencies).toEqual(['CNY', 'KWD', 'JPY']);
    });
  });

  it('never repeats a secret in its refusal, and shows a URL without its password', () => {
    // Proves: a mistyped secret ends up in no log line (found in review of issue 12).
    const admin = refusal(
      { DANBAO_BOOTSTRAP_ADMIN: 'ops@example.test:elevenchars' },
      'DANBAO_BOOTSTRAP_ADMIN',
    );
    expect(admin).not.toContain('elevenchars');
    const key = refusal({ DANBAO_BOOTSTRAP_API_KEY: 'sk_short' }, 'DANBAO_BOOTSTRAP_API_KEY');
    expect(key).not.toContain('sk_short');
    const channel = refusal({ SANDBOX_CHANNEL_SECRET: 'tooshortsecret' }, 'SANDBOX_CHANNEL_SECRET');
    expect(channel).not.toContain('tooshortsecret');
    const url = refusal(
      { DATABASE_URL: 'postgres://danbao:hunter2hunter2@db.internal/danbao' },
      'DATABASE_URL',
    );
    expect(url).not.toContain('hunter2hunter2');
    expect(url).toContain('db.internal');
    // Values that are not secrets are still shown, to help the person fixing them.
    expect(refusal({ PORT: 'abc' }, 'PORT')).toContain('"abc"');
  });

  it('parses durations with every suffix and refuses the rest', () => {
    expect(parseDurationMs('250ms')).toBe(250);
    expect(parseDurationMs('30s')).toBe(30_000);
    expect(parseDurationMs('10m')).toBe(600_000);
    expect(parseDurationMs('2h')).toBe(7_200_000);
    expect(parseDurationMs('10d')).toBe(864_000_000);
    expect(parseDurationMs('1500')).toBe(1500);
    for (const bad of ['', 'd', '1.5d', '-1s', '10w', '1e3s']) expect(parseDurationMs(bad)).toBeUndefined();
  });
});

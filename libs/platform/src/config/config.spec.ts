import { ConfigError, loadConfig } from './config';
import { parseDurationMs } from './duration';

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
  });

  it('prints readable log lines by default only in development, and takes LOG_FORMAT over NODE_ENV', () => {
    expect(loadConfig({ NODE_ENV: 'development' }).logFormat).toBe('pretty');
    expect(loadConfig({ NODE_ENV: 'production' }).logFormat).toBe('json');
    expect(loadConfig({ NODE_ENV: 'test' }).logFormat).toBe('json');
    expect(loadConfig({ NODE_ENV: 'production', LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
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

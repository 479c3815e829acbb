import { AppConfig, loadConfig } from '@danbao/platform';
import { REDIS_URL } from './test-database';

/** The DANBAO_SECRET_KEY of tests (config refuses it outside development and test). */
export const TEST_SECRET_KEY = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';

/**
 * A PAYOUT_RUN_AT twelve hours away, so the daily payout run never fires during a test by itself
 * (tests start runs when they want one).
 */
export function payoutRunAtAwayFromNow(now = new Date()): string {
  return `${String((now.getUTCHours() + 12) % 24).padStart(2, '0')}:00`;
}

/**
 * The configuration a test runs with: the real services, its own database and queue prefix, a
 * fixed sandbox secret and secret key, quiet logs, and any overrides (durations in the API's own syntax).
 */
export function testConfig(
  databaseUrl: string,
  queuePrefix: string,
  overrides: Record<string, string> = {},
): AppConfig {
  return loadConfig({
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    QUEUE_PREFIX: queuePrefix,
    SANDBOX_CHANNEL_SECRET: 'test_sandbox_secret_0123456789',
    DANBAO_SECRET_KEY: TEST_SECRET_KEY,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    NODE_ENV: 'test',
    PAYOUT_RUN_AT: payoutRunAtAwayFromNow(),
    ...overrides,
  });
}

/** The environment for a child process (api or worker) started by a test. */
export function testProcessEnv(config: AppConfig, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: config.databaseUrl,
    REDIS_URL: config.redisUrl,
    QUEUE_PREFIX: config.queuePrefix,
    SANDBOX_CHANNEL_SECRET: config.sandboxChannelSecret,
    DANBAO_SECRET_KEY: config.secretKey.toString('hex'),
    PAYOUT_RUN_AT: config.payoutRunAt,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    ...extra,
  };
}

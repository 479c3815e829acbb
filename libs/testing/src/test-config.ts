import { AppConfig, loadConfig } from '@danbao/platform';
import { REDIS_URL } from './test-database';

/**
 * The configuration a test runs with: the real services, its own database and queue prefix, a
 * fixed sandbox secret, quiet logs, and any overrides (durations in the API's own syntax).
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
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    NODE_ENV: 'test',
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
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    ...extra,
  };
}

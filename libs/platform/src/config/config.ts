import { redactUrl } from '../database/database-url';
import { randomBytes } from 'node:crypto';
import { configSchema, RawConfig } from './config.schema';

/** The validated configuration, durations in milliseconds. */
export interface AppConfig {
  nodeEnv: string;
  databaseUrl: string;
  redisUrl: string;
  port: number;
  publicUrl: string;
  currencies: string[];
  queuePrefix: string;
  checkoutExpiresAfterMs: number;
  autoConfirmAfterMs: number;
  autoConfirmSurfaceMailMs: number;
  autoConfirmVirtualMs: number;
  autoConfirmPickupMs: number;
  receiptExtensionMs: number;
  sellerResponseWindowMs: number;
  escalationWindowMs: number;
  returnShipWindowMs: number;
  returnConfirmWindowMs: number;
  adminApprovalThreshold: number;
  maxHoldMs: number;
  holdExpiryNoticeMs: number;
  /** The payout delay of a `standard` seller (PAYOUT_DELAY), and of every seller not given another. */
  payoutDelayMs: number;
  /** The payout delay of a `new` seller (PAYOUT_DELAY_NEW). */
  payoutDelayNewMs: number;
  /** The payout delay of a `trusted` seller (PAYOUT_DELAY_TRUSTED). */
  payoutDelayTrustedMs: number;
  /** UTC `HH:MM` of the daily payout run (PAYOUT_RUN_AT). */
  payoutRunAt: string;
  /** A scheduled run pays no seller less than this many minor units (PAYOUT_MINIMUM). */
  payoutMinimum: number;
  sweepIntervalMs: number;
  /** A payment still processing this long after it was submitted is looked up at its channel. */
  paymentResultTimeoutMs: number;
  platformFeeBps: number;
  webhookRetryBaseMs: number;
  /** One webhook attempt (connect and answer) may take this long (WEBHOOK_TIMEOUT). */
  webhookTimeoutMs: number;
  /**
   * Whether webhook endpoints may be plain http and on loopback (WEBHOOK_ALLOW_LOOPBACK): true by
   * default in development (a receiver on the developer's machine), false otherwise, and never in
   * a deployment. Private, link-local and metadata addresses are refused always.
   */
  webhookAllowLoopback: boolean;
  /** Whether the sandbox channel (a test acquirer) is registered: SANDBOX_CHANNEL. */
  sandboxChannel: boolean;
  sandboxChannelSecret: string;
  /** True when the sandbox secret was generated at start-up (development only). */
  sandboxChannelSecretGenerated: boolean;
  /** DANBAO_SECRET_KEY: 32 bytes that encrypt secrets at rest (platform_secrets). */
  secretKey: Buffer;
  /**
   * True when the key was generated for this run (development and test only, by loadConfig or by
   * `npm start` for its two processes): secrets an earlier run stored cannot be read with it.
   */
  secretKeyGenerated: boolean;
  bootstrapApiKey?: string;
  bootstrapAdmin?: { email: string; password: string };
  workerLockDurationMs: number;
  workerStalledIntervalMs: number;
  paymentsConcurrency: number;
  notificationsConcurrency: number;
  releaseBatchSize: number;
  releaseBatchWaitMs: number;
  logLevel: string;
  /**
   * How `npm start` prints the api's and the worker's log lines: `pretty` (one readable line
   * each, for a person at a terminal) by default in development, `json` otherwise. The processes
   * themselves always write JSON, which production log shippers and the tests read.
   */
  logFormat: 'json' | 'pretty';
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`Invalid configuration: ${variable} ${detail}`);
  }
}

/**
 * Secrets written in this repository (the old compose default, tests, benchmarks, examples): known
 * to anyone, so a deployment refuses them. Add any value the repository ships here.
 */
export const SHIPPED_PLACEHOLDER_SECRETS: readonly string[] = Object.freeze([
  'change-me-to-a-long-random-secret',
  'change-me',
  'test_sandbox_secret_0123456789',
  'bench_sandbox_secret_0123456789',
  // libs/testing's DANBAO_SECRET_KEY.
  '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff',
]);

/** Secrets, channel secrets included, are at least this many bytes outside development and test. */
const MIN_SECRET_BYTES = 32;

/** Development and test run with defaults; anything else is a deployment and must say more. */
const isDeployment = (nodeEnv: string) => nodeEnv !== 'development' && nodeEnv !== 'test';

/** 32 bytes from 64 hex digits or base64 (standard or URL-safe, padded or not); else undefined. */
function parseSecretKey(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (!/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(trimmed)) return undefined;
  const key = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return key.length === 32 ? key : undefined;
}

/** WEBHOOK_ALLOW_LOOPBACK: development's default is true; a deployment may never set it. */
function webhookAllowLoopback(raw: RawConfig, deployment: boolean): boolean {
  if (deployment && raw.WEBHOOK_ALLOW_LOOPBACK === 'true')
    throw new ConfigError(
      'WEBHOOK_ALLOW_LOOPBACK',
      `may not be true when NODE_ENV is ${raw.NODE_ENV}: webhooks would reach this machine`,
    );
  return (raw.WEBHOOK_ALLOW_LOOPBACK ?? (raw.NODE_ENV === 'development' ? 'true' : 'false')) === 'true';
}

/** The sandbox switch and its secret, checked against the rules of a deployment. */
function sandboxSettings(raw: RawConfig, deployment: boolean) {
  if (deployment && raw.SANDBOX_CHANNEL === undefined)
    throw new ConfigError(
      'SANDBOX_CHANNEL',
      `must be set to on or off when NODE_ENV is ${raw.NODE_ENV} (the sandbox is a test channel)`,
    );
  const on = (raw.SANDBOX_CHANNEL ?? 'on') === 'on';
  const secret = raw.SANDBOX_CHANNEL_SECRET;
  if (secret !== undefined) {
    const minimum = deployment ? MIN_SECRET_BYTES : 16;
    if (Buffer.byteLength(secret, 'utf8') < minimum)
      throw new ConfigError('SANDBOX_CHANNEL_SECRET', `must be at least ${minimum} bytes`);
    if (deployment && SHIPPED_PLACEHOLDER_SECRETS.includes(secret))
      throw new ConfigError(
        'SANDBOX_CHANNEL_SECRET',
        'is a placeholder written in the Danbao repository; generate one (openssl rand -hex 32)',
      );
  } else if (deployment && on) {
    throw new ConfigError('SANDBOX_CHANNEL_SECRET', 'must be set when SANDBOX_CHANNEL is on');
  }
  return {
    sandboxChannel: on,
    sandboxChannelSecret: secret ?? randomBytes(24).toString('hex'),
    sandboxChannelSecretGenerated: secret === undefined,
  };
}

/** DANBAO_SECRET_KEY: required in a deployment, generated for the run in development and test. */
function secretKeySettings(raw: RawConfig, deployment: boolean) {
  const text = raw.DANBAO_SECRET_KEY;
  if (text === undefined) {
    if (deployment)
      throw new ConfigError(
        'DANBAO_SECRET_KEY',
        `must be set when NODE_ENV is ${raw.NODE_ENV} (32 bytes as hex or base64: openssl rand -hex 32)`,
      );
    return { secretKey: randomBytes(32), secretKeyGenerated: true };
  }
  const key = parseSecretKey(text);
  if (!key)
    throw new ConfigError(
      'DANBAO_SECRET_KEY',
      'must be 32 bytes as 64 hex digits or base64 (openssl rand -hex 32)',
    );
  if (deployment && SHIPPED_PLACEHOLDER_SECRETS.includes(text.trim().toLowerCase()))
    throw new ConfigError(
      'DANBAO_SECRET_KEY',
      'is a placeholder written in the Danbao repository; generate one (openssl rand -hex 32)',
    );
  return { secretKey: key, secretKeyGenerated: raw.DANBAO_SECRET_KEY_GENERATED === 'true' && !deployment };
}

/** Variables whose value is a secret: a refusal names them but never repeats what was given. */
const SECRET_VARIABLES = new Set([
  'SANDBOX_CHANNEL_SECRET',
  'DANBAO_SECRET_KEY',
  'DANBAO_BOOTSTRAP_API_KEY',
  'DANBAO_BOOTSTRAP_ADMIN',
  'DANBAO_ADMIN_PASSWORD',
]);

/** What a refusal shows of the value given: nothing of a secret, a URL without its password. */
function shownValue(variable: string, given: string | undefined): string {
  if (given === undefined || SECRET_VARIABLES.has(variable)) return '';
  return ` (got "${variable.endsWith('_URL') ? redactUrl(given) : given}")`;
}

/** Reads and validates the environment; throws ConfigError naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  // An empty variable counts as unset, as it does in most shells' `VAR= cmd`.
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = configSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue.path[0] ?? 'environment');
    throw new ConfigError(variable, `${issue.message}${shownValue(variable, cleaned[variable])}`);
  }
  const raw = parsed.data;
  const deployment = isDeployment(raw.NODE_ENV);
  const sandbox = sandboxSettings(raw, deployment);
  const secretKey = secretKeySettings(raw, deployment);
  const [adminEmail, ...passwordParts] = raw.DANBAO_BOOTSTRAP_ADMIN?.split(':') ?? [];
  return {
    nodeEnv: raw.NODE_ENV,
    databaseUrl: raw.DATABASE_URL,
    redisUrl: raw.REDIS_URL,
    port: raw.PORT,
    publicUrl: (raw.PUBLIC_URL ?? `http://localhost:${raw.PORT}`).replace(/\/$/, ''),
    currencies: raw.CURRENCIES,
    queuePrefix: raw.QUEUE_PREFIX,
    checkoutExpiresAfterMs: raw.CHECKOUT_EXPIRES_AFTER,
    autoConfirmAfterMs: raw.AUTO_CONFIRM_AFTER,
    autoConfirmSurfaceMailMs: raw.AUTO_CONFIRM_SURFACE_MAIL,
    autoConfirmVirtualMs: raw.AUTO_CONFIRM_VIRTUAL,
    autoConfirmPickupMs: raw.AUTO_CONFIRM_PICKUP,
    receiptExtensionMs: raw.RECEIPT_EXTENSION,
    sellerResponseWindowMs: raw.SELLER_RESPONSE_WINDOW,
    escalationWindowMs: raw.ESCALATION_WINDOW,
    returnShipWindowMs: raw.RETURN_SHIP_WINDOW,
    returnConfirmWindowMs: raw.RETURN_CONFIRM_WINDOW,
    adminApprovalThreshold: raw.ADMIN_APPROVAL_THRESHOLD,
    maxHoldMs: raw.MAX_HOLD,
    holdExpiryNoticeMs: raw.HOLD_EXPIRY_NOTICE,
    payoutDelayMs: raw.PAYOUT_DELAY,
    payoutDelayNewMs: raw.PAYOUT_DELAY_NEW,
    payoutDelayTrustedMs: raw.PAYOUT_DELAY_TRUSTED,
    payoutRunAt: raw.PAYOUT_RUN_AT,
    payoutMinimum: raw.PAYOUT_MINIMUM,
    sweepIntervalMs: raw.SWEEP_INTERVAL,
    paymentResultTimeoutMs: raw.PAYMENT_RESULT_TIMEOUT,
    platformFeeBps: raw.PLATFORM_FEE_BPS,
    webhookRetryBaseMs: raw.WEBHOOK_RETRY_BASE,
    webhookTimeoutMs: raw.WEBHOOK_TIMEOUT,
    webhookAllowLoopback: webhookAllowLoopback(raw, deployment),
    ...sandbox,
    ...secretKey,
    bootstrapApiKey: raw.DANBAO_BOOTSTRAP_API_KEY,
    bootstrapAdmin: adminEmail ? { email: adminEmail, password: passwordParts.join(':') } : undefined,
    workerLockDurationMs: raw.WORKER_LOCK_DURATION,
    workerStalledIntervalMs: raw.WORKER_STALLED_INTERVAL,
    paymentsConcurrency: raw.PAYMENTS_CONCURRENCY,
    notificationsConcurrency: raw.NOTIFICATIONS_CONCURRENCY,
    releaseBatchSize: raw.RELEASE_BATCH_SIZE,
    releaseBatchWaitMs: raw.RELEASE_BATCH_WAIT,
    logLevel: raw.LOG_LEVEL,
    logFormat: raw.LOG_FORMAT ?? (raw.NODE_ENV === 'development' ? 'pretty' : 'json'),
  };
}

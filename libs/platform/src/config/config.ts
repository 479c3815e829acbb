import { randomBytes } from 'node:crypto';
import { configSchema } from './config.schema';

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
  payoutDelayMs: number;
  sweepIntervalMs: number;
  /** A payment still processing this long after it was submitted is looked up at its channel. */
  paymentResultTimeoutMs: number;
  platformFeeBps: number;
  webhookRetryBaseMs: number;
  sandboxChannelSecret: string;
  /** True when the sandbox secret was generated at start-up (development only). */
  sandboxChannelSecretGenerated: boolean;
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
    const given = cleaned[variable];
    throw new ConfigError(variable, `${issue.message}${given !== undefined ? ` (got "${given}")` : ''}`);
  }
  const raw = parsed.data;
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
    sweepIntervalMs: raw.SWEEP_INTERVAL,
    paymentResultTimeoutMs: raw.PAYMENT_RESULT_TIMEOUT,
    platformFeeBps: raw.PLATFORM_FEE_BPS,
    webhookRetryBaseMs: raw.WEBHOOK_RETRY_BASE,
    sandboxChannelSecret: raw.SANDBOX_CHANNEL_SECRET ?? randomBytes(24).toString('hex'),
    sandboxChannelSecretGenerated: raw.SANDBOX_CHANNEL_SECRET === undefined,
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

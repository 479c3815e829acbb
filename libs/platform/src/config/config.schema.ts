import { z } from 'zod';
import { isKnownCurrency } from '@danbao/money';
import { parseDurationMs } from './duration';

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, context) => {
      const value = parseDurationMs(text);
      if (value === undefined) {
        context.addIssue({
          code: z.ZodIssueCode.custom,
          message: `"${text}" is not a duration like 30s, 10m, 2h or 10d`,
        });
        return z.NEVER;
      }
      return value;
    });

const integer = (fallback: number, min: number, max: number) =>
  z
    .string()
    .default(String(fallback))
    .refine((text) => /^\d+$/.test(text.trim()), 'must be a whole number')
    .transform((text) => Number(text.trim()))
    .refine((value) => value >= min && value <= max, `must be between ${min} and ${max}`);

const url = (fallback: string, protocols: string[]) =>
  z
    .string()
    .default(fallback)
    .refine(
      (text) => {
        try {
          return protocols.includes(new URL(text).protocol);
        } catch {
          return false;
        }
      },
      `must be a URL starting with ${protocols.join(' or ')}//`,
    );

const emailPassword = z
  .string()
  .optional()
  .refine(
    // 12: the shortest password an admin may have (libs/admins), so a bootstrap admin never fails at start.
    (text) => text === undefined || /^[^:\s]+@[^:\s]+:.{12,}$/.test(text),
    'must be email:password (password of 12+ characters)',
  );

/**
 * Every variable of API.md's configuration table with its default. A bad value stops the process
 * with one line naming the variable (see loadConfig).
 */
export const configSchema = z.object({
  NODE_ENV: z.string().default('development'),
  DATABASE_URL: url('mysql://root@127.0.0.1:3306/danbao', ['mysql:', 'mariadb:']),
  REDIS_URL: url('redis://127.0.0.1:6379', ['redis:', 'rediss:']),
  PORT: integer(3000, 1, 65535),
  PUBLIC_URL: z.string().optional(),
  CURRENCIES: z
    .string()
    .default('CNY,USD,EUR,JPY')
    .transform((text) => text.split(',').map((code) => code.trim()))
    .refine(
      (codes) => codes.length > 0 && codes.every((code) => /^[A-Z]{3}$/.test(code)),
      'must be ISO 4217 codes separated by commas',
    )
    .superRefine((codes, context) => {
      // A code libs/money has no exponent for could not be read or shown (the pay page would 500).
      const unknown = codes.find((code) => !isKnownCurrency(code));
      if (unknown !== undefined)
        context.addIssue({
          code: z.ZodIssueCode.custom,
          message: `has ${unknown}, a currency Danbao does not know (libs/money/src/currency.ts)`,
        });
    }),
  QUEUE_PREFIX: z
    .string()
    .default('danbao')
    .refine((text) => /^[A-Za-z0-9_{}:.-]{1,64}$/.test(text), 'must be 1-64 letters, digits or _{}:.-'),
  CHECKOUT_EXPIRES_AFTER: duration('30m'),
  AUTO_CONFIRM_AFTER: duration('10d'),
  AUTO_CONFIRM_SURFACE_MAIL: duration('30d'),
  AUTO_CONFIRM_VIRTUAL: duration('3d'),
  AUTO_CONFIRM_PICKUP: duration('2d'),
  RECEIPT_EXTENSION: duration('3d'),
  SELLER_RESPONSE_WINDOW: duration('2d'),
  ESCALATION_WINDOW: duration('5d'),
  RETURN_SHIP_WINDOW: duration('7d'),
  RETURN_CONFIRM_WINDOW: duration('7d'),
  ADMIN_APPROVAL_THRESHOLD: integer(500000, 0, 1_000_000_000_000),
  MAX_HOLD: duration('90d'),
  HOLD_EXPIRY_NOTICE: duration('5d'),
  PAYOUT_DELAY: duration('1d'),
  PAYOUT_DELAY_NEW: duration('7d'),
  PAYOUT_DELAY_TRUSTED: duration('0s'),
  PAYOUT_RUN_AT: z
    .string()
    .default('02:00')
    .refine((text) => /^([01]\d|2[0-3]):[0-5]\d$/.test(text.trim()), 'must be a UTC time like 02:00')
    .transform((text) => text.trim()),
  PAYOUT_MINIMUM: integer(100, 1, 1_000_000_000_000),
  SWEEP_INTERVAL: duration('30s'),
  PAYMENT_RESULT_TIMEOUT: duration('10m'),
  PLATFORM_FEE_BPS: integer(200, 0, 10_000),
  WEBHOOK_RETRY_BASE: duration('30s'),
  WEBHOOK_TIMEOUT: duration('10s'),
  WEBHOOK_ALLOW_LOOPBACK: z.enum(['true', 'false']).optional(),
  // `on` by default in development and test only; a deployment must say (see loadConfig).
  SANDBOX_CHANNEL: z.enum(['on', 'off']).optional(),
  // Never echoed in an error line: the refusals of a secret say why, not what it was.
  SANDBOX_CHANNEL_SECRET: z.string().optional(),
  DANBAO_SECRET_KEY: z.string().optional(),
  // Set by `npm start` beside the DANBAO_SECRET_KEY it generated for its run (see loadConfig).
  DANBAO_SECRET_KEY_GENERATED: z.enum(['true']).optional(),
  DANBAO_BOOTSTRAP_API_KEY: z
    .string()
    .optional()
    .refine(
      (text) => text === undefined || /^sk_[A-Za-z0-9_]{16,}$/.test(text),
      'must look like sk_ followed by 16+ letters or digits',
    ),
  DANBAO_BOOTSTRAP_ADMIN: emailPassword,
  // Tuning beyond API.md's table: BullMQ's job lock and stalled-job check (its defaults).
  WORKER_LOCK_DURATION: duration('30s'),
  WORKER_STALLED_INTERVAL: duration('30s'),
  // Worker concurrency of the money queue and of the notifications queue (each its own pool).
  PAYMENTS_CONCURRENCY: integer(128, 1, 1000),
  NOTIFICATIONS_CONCURRENCY: integer(16, 1, 1000),
  // Releases ready together are committed in one transaction of at most this many holds,
  // gathered for at most RELEASE_BATCH_WAIT (PERFORMANCE.md: batching is the biggest lever).
  RELEASE_BATCH_SIZE: integer(32, 1, 1000),
  RELEASE_BATCH_WAIT: duration('5ms'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // How `npm start` prints the processes' lines; the default depends on NODE_ENV (see loadConfig).
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
});

export type RawConfig = z.infer<typeof configSchema>;

import { Counter } from 'prom-client';
import type { Database } from './database';
import { MysqlTx, type Tx } from './tx';

/** MySQL/MariaDB errors after which the whole transaction may simply be run again. */
const RETRYABLE_ERRNOS = new Set([
  1213, // ER_LOCK_DEADLOCK: InnoDB rolled the transaction back
  1205, // ER_LOCK_WAIT_TIMEOUT
  1020, // ER_CHECKREAD: record changed since last read (MariaDB snapshot isolation)
]);

export const transactionRetries = new Counter({
  name: 'danbao_transaction_retries_total',
  help: 'Database transactions run again after a deadlock or lock-wait timeout',
  labelNames: ['errno'],
});

export function isRetryableDatabaseError(error: unknown): boolean {
  const errno =
    (error as { errno?: unknown; driverError?: { errno?: unknown } })?.errno ??
    (error as { driverError?: { errno?: unknown } })?.driverError?.errno;
  return typeof errno === 'number' && RETRYABLE_ERRNOS.has(errno);
}

export function isDuplicateKeyError(error: unknown): boolean {
  const errno =
    (error as { errno?: unknown })?.errno ??
    (error as { driverError?: { errno?: unknown } })?.driverError?.errno;
  return errno === 1062;
}

export interface TransactionOptions {
  /** How many times to run the work in all (default 4: one try and three retries). */
  attempts?: number;
  /** Set for this transaction only (default: the server's, REPEATABLE READ on InnoDB). */
  isolation?: 'READ COMMITTED' | 'REPEATABLE READ';
}

/**
 * Runs `work` in one database transaction and runs it again, a bounded number of times with a
 * short jitter, when the database aborts it for a deadlock or lock-wait timeout. `work` must be
 * safe to repeat: everything it did was rolled back.
 */
export async function runInTransaction<T>(
  database: Database,
  work: (tx: Tx) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const attempts = options.attempts ?? 4;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await transactionOnce(database, work, options);
    } catch (error) {
      if (attempt >= attempts || !isRetryableDatabaseError(error)) throw error;
      transactionRetries.inc({ errno: String((error as { errno?: number }).errno ?? 'unknown') });
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * attempt));
    }
  }
}

/**
 * One attempt on one pooled connection: START TRANSACTION, the work, COMMIT or ROLLBACK, release.
 * A connection whose ROLLBACK failed is destroyed rather than returned to the pool, since its
 * transaction state is unknown.
 */
async function transactionOnce<T>(
  database: Database,
  work: (tx: Tx) => Promise<T>,
  options: TransactionOptions,
): Promise<T> {
  const connection = await database.connection();
  const tx = new MysqlTx(connection, true);
  let healthy = true;
  try {
    if (options.isolation) await tx.query(`SET TRANSACTION ISOLATION LEVEL ${options.isolation}`);
    await tx.query('START TRANSACTION');
    try {
      const result = await work(tx);
      await tx.query('COMMIT');
      return result;
    } catch (error) {
      await tx.query('ROLLBACK').catch(() => {
        healthy = false;
      });
      throw error;
    }
  } finally {
    if (healthy) connection.release();
    else connection.destroy();
  }
}

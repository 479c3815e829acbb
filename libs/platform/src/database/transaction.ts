import { DataSource, EntityManager } from 'typeorm';
import { Counter } from 'prom-client';
import { sql } from './sql';

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
}

/**
 * Runs `work` in one database transaction and runs it again, a bounded number of times with a
 * short jitter, when the database aborts it for a deadlock or lock-wait timeout. `work` must be
 * safe to repeat: everything it did was rolled back.
 */
export async function runInTransaction<T>(
  dataSource: DataSource,
  work: (manager: EntityManager) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const attempts = options.attempts ?? 4;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await transactionOnce(dataSource, work);
    } catch (error) {
      if (attempt >= attempts || !isRetryableDatabaseError(error)) throw error;
      transactionRetries.inc({ errno: String((error as { errno?: number }).errno ?? 'unknown') });
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * attempt));
    }
  }
}

/** The parts of TypeORM's query runner a transaction of ours sets (public at run time). */
interface RunnerState {
  isTransactionActive: boolean;
  transactionDepth: number;
}

/**
 * One attempt: what `DataSource.transaction` does — a query runner on one pooled connection,
 * START TRANSACTION, the work on its EntityManager, COMMIT or ROLLBACK, release — with the three
 * statements sent straight to mysql2 as sql() sends the work's own. TypeORM's wrapper would add a
 * promise connection, a captured stack and four subscriber broadcasts to each (we have no
 * subscribers), which showed in the api's profile at a few percent of every paid order. The
 * runner's state is set as TypeORM sets it, so that code that checks it (the ledger) or nests a
 * transaction (a savepoint) behaves as under DataSource.transaction.
 */
async function transactionOnce<T>(
  dataSource: DataSource,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  const runner = dataSource.createQueryRunner();
  const state = runner as unknown as RunnerState;
  const manager = runner.manager;
  try {
    await sql(manager, 'START TRANSACTION');
    state.isTransactionActive = true;
    state.transactionDepth = 1;
    let result: T;
    try {
      result = await work(manager);
      await sql(manager, 'COMMIT');
    } catch (error) {
      await sql(manager, 'ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      state.isTransactionActive = false;
      state.transactionDepth = 0;
    }
    return result;
  } finally {
    await runner.release();
  }
}

import type { EntityManager } from 'typeorm';

type Callback = (error: Error | null, result: unknown) => void;

interface CallbackQueryable {
  query(sql: string | { sql: string; nestTables: true }, values: unknown[], callback: Callback): void;
}

/** The shape mysql2 answers INSERT, UPDATE and DELETE with. */
export interface ResultHeader {
  affectedRows: number;
  insertId?: number;
}

function isQueryable(value: unknown): value is CallbackQueryable {
  return typeof (value as CallbackQueryable | undefined)?.query === 'function';
}

/** The transaction's own mysql2 connection, or outside a transaction the driver's pool. */
async function mysqlTarget(manager: EntityManager): Promise<unknown> {
  const runner = manager.queryRunner;
  return runner ? runner.connect() : (manager.connection.driver as unknown as { pool?: unknown }).pool;
}

function run<T>(
  target: CallbackQueryable,
  statement: string | { sql: string; nestTables: true },
  values: unknown[],
) {
  return new Promise<T>((resolve, reject) => {
    target.query(statement, values, (error, result) => (error ? reject(error) : resolve(result as T)));
  });
}

/**
 * Runs one statement for the hot paths: inside a transaction on the transaction's own mysql2
 * connection, otherwise on the driver's pool. Same connection and transaction semantics as
 * EntityManager.query, without TypeORM's per-statement promise wrapper, stack capture and event
 * broadcast, which on these CPU-bound machines cost more than the statements themselves.
 */
export async function sql<T = unknown>(
  manager: EntityManager,
  statement: string,
  values: unknown[] = [],
): Promise<T> {
  const target = await mysqlTarget(manager);
  if (!isQueryable(target)) return manager.query(statement, values);
  return run<T>(target, statement, values);
}

export const affectedRows = (result: unknown): number => (result as ResultHeader).affectedRows ?? 0;

/**
 * sql() for a JOIN whose tables share column names: each row comes back as one object per table
 * alias (mysql2's nestTables), e.g. `{ p: {...}, o: {...} }`. Hot paths only, on mysql2.
 */
export async function sqlNested<T = unknown>(
  manager: EntityManager,
  statement: string,
  values: unknown[] = [],
): Promise<T[]> {
  const target = await mysqlTarget(manager);
  if (!isQueryable(target)) throw new Error('sqlNested needs the mysql2 driver.');
  return run<T[]>(target, { sql: statement, nestTables: true }, values);
}

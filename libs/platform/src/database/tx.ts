/**
 * The one handle every statement of the platform goes through: `Tx`. Inside a transaction it is
 * that transaction's own mysql2 connection; outside one (the `Database` itself) it is the pool,
 * each statement on whichever connection is free. Repositories take a Tx and never care which.
 *
 * Statements go straight to mysql2's callback API, not through TypeORM's EntityManager: on these
 * CPU-bound machines TypeORM's per-statement promise wrapper, stack capture and subscriber
 * broadcast cost more than the statements themselves (measured; see the README's architecture).
 */
export interface Tx {
  /**
   * Runs one statement: rows for a SELECT, mysql2's result header for INSERT, UPDATE and DELETE
   * (read it with `affectedRows`).
   */
  query<T = unknown>(statement: string, values?: unknown[]): Promise<T>;
  /**
   * query() for a JOIN whose tables share column names: each row comes back as one object per
   * table alias (mysql2's nestTables), e.g. `{ p: {...}, o: {...} }`.
   */
  queryNested<T = unknown>(statement: string, values?: unknown[]): Promise<T[]>;
  /** True on a transaction's handle; money posts refuse to run outside one. */
  readonly inTransaction: boolean;
}

/** The shape mysql2 answers INSERT, UPDATE and DELETE with. */
export interface ResultHeader {
  affectedRows: number;
  insertId?: number;
}

export const affectedRows = (result: unknown): number => (result as ResultHeader).affectedRows ?? 0;

type Callback = (error: Error | null, result: unknown) => void;
type Statement = string | { sql: string; nestTables: true };

/** What mysql2's callback pool and its connections both answer to. */
export interface Queryable {
  query(statement: Statement, values: unknown[], callback: Callback): void;
}

function send<T>(target: Queryable, statement: Statement, values: unknown[]): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    target.query(statement, values, (error, result) => (error ? reject(error) : resolve(result as T)));
  });
}

/** A Tx over a mysql2 pool (autocommit) or one pooled connection (a transaction). */
export class MysqlTx implements Tx {
  constructor(
    private readonly target: Queryable,
    readonly inTransaction: boolean,
  ) {}

  query<T = unknown>(statement: string, values: unknown[] = []): Promise<T> {
    return send<T>(this.target, statement, values);
  }

  queryNested<T = unknown>(statement: string, values: unknown[] = []): Promise<T[]> {
    return send<T[]>(this.target, { sql: statement, nestTables: true }, values);
  }
}

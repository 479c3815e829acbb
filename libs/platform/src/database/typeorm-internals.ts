import type { DataSource } from 'typeorm';
import type { Queryable } from './tx';

/**
 * The one place the platform touches TypeORM's internals. TypeORM gives us the DataSource, its
 * mysql2 pool and the migrations; every statement then goes to that pool through `Tx` (tx.ts).
 * `typeorm-internals.int-spec.ts` fails loudly if an upgrade of TypeORM changes what is used here.
 */

/** mysql2's callback pool as TypeORM's MysqlDriver keeps it (`driver.pool`, public at run time). */
export interface MysqlPool extends Queryable {
  getConnection(callback: (error: Error | null, connection: PooledConnection) => void): void;
}

/** One connection taken from the pool; released (or destroyed) by its transaction. */
export interface PooledConnection extends Queryable {
  release(): void;
  destroy(): void;
}

/** The mysql2 pool of an initialized DataSource, checked to be what the platform expects. */
export function mysqlPoolOf(dataSource: DataSource): MysqlPool {
  if (!dataSource.isInitialized)
    throw new Error('The DataSource must be initialized before its pool is used.');
  const pool = (dataSource.driver as unknown as { pool?: Partial<MysqlPool> }).pool;
  if (typeof pool?.query !== 'function' || typeof pool.getConnection !== 'function') {
    throw new Error(
      'TypeORM no longer keeps a mysql2 pool at driver.pool: check typeorm-internals.ts against this TypeORM release.',
    );
  }
  return pool as MysqlPool;
}

import type { DataSource } from 'typeorm';
import { MysqlTx } from './tx';
import { mysqlPoolOf, MysqlPool, PooledConnection } from './typeorm-internals';

/**
 * The process's database: a Tx on the pool (each statement autocommits on a free connection),
 * and the source of transactions (`runInTransaction`). Nest provides one per process
 * (DatabaseModule); code outside Nest gets the same one with `databaseOf(dataSource)`.
 */
export class Database extends MysqlTx {
  constructor(private readonly pool: MysqlPool) {
    super(pool, false);
  }

  /** One connection of the pool, for a transaction's whole life. */
  connection(): Promise<PooledConnection> {
    return new Promise((resolve, reject) => {
      this.pool.getConnection((error, connection) => (error ? reject(error) : resolve(connection)));
    });
  }
}

const databases = new WeakMap<DataSource, Database>();

/** The Database over an initialized DataSource's pool (one per DataSource). */
export function databaseOf(dataSource: DataSource): Database {
  let database = databases.get(dataSource);
  if (!database) {
    database = new Database(mysqlPoolOf(dataSource));
    databases.set(dataSource, database);
  }
  return database;
}

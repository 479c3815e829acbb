import { createConnection } from 'mysql2/promise';
import { DataSource, MixedList } from 'typeorm';
import { parseDatabaseUrl } from './database-url';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export type MigrationList = MixedList<Function | string>;

export interface DataSourceOptions {
  databaseUrl: string;
  migrations?: MigrationList;
  poolSize?: number;
}

/**
 * The one way this codebase builds a TypeORM DataSource. TypeORM's role here is the DataSource,
 * its mysql2 pool and the migrations; there are no entities: statements go through `Tx`.
 * mysql2, migrations only (never synchronize), UTC, BIGINT as strings (turned into bigint where
 * read, never a float).
 */
export function createDataSource(options: DataSourceOptions): DataSource {
  const target = parseDatabaseUrl(options.databaseUrl);
  return new DataSource({
    type: 'mysql',
    host: target.host,
    port: target.port,
    username: target.user,
    password: target.password,
    database: target.database,
    timezone: 'Z',
    charset: 'utf8mb4_unicode_ci',
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: false,
    connectTimeout: 5000,
    poolSize: options.poolSize ?? 20,
    synchronize: false,
    migrationsRun: false,
    migrationsTableName: 'schema_migrations',
    entities: [],
    migrations: options.migrations ?? [],
    // trace: false spares mysql2 a stack capture on every statement TypeORM sends.
    extra: { decimalNumbers: false, enableKeepAlive: true, trace: false },
    logging: false,
  });
}

/** Creates the database named in the URL when it does not exist yet. */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const target = parseDatabaseUrl(databaseUrl);
  const connection = await createConnection({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    connectTimeout: 5000,
  });
  try {
    await connection.query(
      `CREATE DATABASE IF NOT EXISTS \`${target.database.replace(/`/g, '')}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
  } finally {
    await connection.end();
  }
}

/** Drops a database (tests only use this on their own per-file databases). */
export async function dropDatabase(databaseUrl: string): Promise<void> {
  const target = parseDatabaseUrl(databaseUrl);
  const connection = await createConnection({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
  });
  try {
    await connection.query(`DROP DATABASE IF EXISTS \`${target.database.replace(/`/g, '')}\``);
  } finally {
    await connection.end();
  }
}

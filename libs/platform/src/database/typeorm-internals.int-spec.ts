import { DataSource } from 'typeorm';
import { createTestDatabase, TestDatabase } from '@danbao/testing';
import { platformMigrations } from '../migrations';
import { createDataSource } from './data-source';
import { Database, databaseOf } from './database';
import { runInTransaction } from './transaction';
import { mysqlPoolOf } from './typeorm-internals';

// Real: MariaDB, TypeORM's DataSource and its mysql2 pool. What is under test is the one place the
// platform reaches into TypeORM (typeorm-internals.ts): if an upgrade of TypeORM moves or changes
// the pool, this file fails and names what changed, before any money path can misbehave.

let database: TestDatabase;
let dataSource: DataSource;

beforeAll(async () => {
  database = await createTestDatabase(platformMigrations);
  dataSource = await createDataSource({ databaseUrl: database.databaseUrl, poolSize: 2 }).initialize();
});

afterAll(async () => {
  await dataSource?.destroy();
  await database?.drop();
});

describe('TypeORM internals the platform relies on', () => {
  it('keeps a mysql2 callback pool on its driver that answers query and getConnection', async () => {
    // Proves: the pool is where typeorm-internals.ts looks, with the callback API tx.ts calls.
    const pool = mysqlPoolOf(dataSource);
    const rows = await new Promise<unknown>((resolve, reject) =>
      pool.query('SELECT 41 + 1 AS answer', [], (error, result) => (error ? reject(error) : resolve(result))),
    );
    expect(rows).toEqual([{ answer: 42 }]);
    const connection = await databaseOf(dataSource).connection();
    expect(typeof connection.release).toBe('function');
    expect(typeof connection.destroy).toBe('function');
    connection.release();
  });

  it('returns BIGINT as a decimal string, never a float', async () => {
    // Proves: the DataSource's mysql2 options reach the pool (supportBigNumbers, bigNumberStrings).
    const [row] = await databaseOf(dataSource).query<{ big: unknown }[]>(
      'SELECT CAST(9007199254740993 AS SIGNED) AS big',
    );
    expect(row.big).toBe('9007199254740993');
  });

  it('refuses a DataSource that is not initialized, with a sentence that says so', () => {
    // Proves: a Database is never built over a pool that does not exist yet.
    const fresh = createDataSource({ databaseUrl: database.databaseUrl });
    expect(() => mysqlPoolOf(fresh)).toThrow(/must be initialized/);
  });

  it('names typeorm-internals.ts when the pool is not where it used to be', () => {
    // Proves: the loud failure an upgrade that moved the driver's pool would meet.
    const moved = { isInitialized: true, driver: {} } as unknown as DataSource;
    expect(() => mysqlPoolOf(moved)).toThrow(/typeorm-internals\.ts/);
  });
});

describe('runInTransaction on the pool', () => {
  it('commits the work on one connection, and rolls it back when the work throws', async () => {
    // Proves: the transaction is real: its statements share a connection, and a throw undoes them.
    const db: Database = databaseOf(dataSource);
    await db.query('CREATE TABLE tx_probe (id INT PRIMARY KEY)');
    const ids = await runInTransaction(db, async (tx) => {
      expect(tx.inTransaction).toBe(true);
      await tx.query('INSERT INTO tx_probe (id) VALUES (1)');
      const [a] = await tx.query<{ id: number }[]>('SELECT CONNECTION_ID() AS id');
      const [b] = await tx.query<{ id: number }[]>('SELECT CONNECTION_ID() AS id');
      return [a.id, b.id];
    });
    expect(ids[0]).toBe(ids[1]);
    await expect(
      runInTransaction(db, async (tx) => {
        await tx.query('INSERT INTO tx_probe (id) VALUES (2)');
        throw new Error('work failed');
      }),
    ).rejects.toThrow('work failed');
    expect(db.inTransaction).toBe(false);
    expect(await db.query('SELECT id FROM tx_probe ORDER BY id')).toEqual([{ id: 1 }]);
  });

  it('sets the isolation level it is asked for, for that transaction only', async () => {
    // Proves: under READ COMMITTED a second read sees a row committed meanwhile by another
    // connection; under the default REPEATABLE READ the snapshot hides it.
    const db = databaseOf(dataSource);
    await db.query('CREATE TABLE isolation_probe (id INT PRIMARY KEY)');
    let next = 0;
    const rowsSeen = (isolation?: 'READ COMMITTED') =>
      runInTransaction(
        db,
        async (tx) => {
          const count = async () =>
            Number((await tx.query<{ n: number }[]>('SELECT COUNT(*) AS n FROM isolation_probe'))[0].n);
          const before = await count();
          next += 1;
          await db.query('INSERT INTO isolation_probe (id) VALUES (?)', [next]);
          return [before, await count()];
        },
        isolation ? { isolation } : {},
      );
    expect(await rowsSeen('READ COMMITTED')).toEqual([0, 1]);
    expect(await rowsSeen()).toEqual([1, 1]);
  });
});

import { randomBytes } from 'node:crypto';
import { dropDatabase, MigrationList, migrateDatabase, withDatabase } from '@danbao/platform';

export const BASE_DATABASE_URL = process.env.DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/danbao';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Every test database's name starts so; .ci/run drops leftovers of killed runs. */
export const TEST_DATABASE_PREFIX = 'danbao_t_';

export interface TestDatabase {
  databaseUrl: string;
  name: string;
  drop(): Promise<void>;
}

/** A fresh, migrated database of this test file's own, dropped by `drop()` in afterAll. */
export async function createTestDatabase(migrations: MigrationList): Promise<TestDatabase> {
  const name = `${TEST_DATABASE_PREFIX}${randomBytes(6).toString('hex')}`;
  const databaseUrl = withDatabase(BASE_DATABASE_URL, name);
  await migrateDatabase(databaseUrl, migrations);
  return { databaseUrl, name, drop: () => dropDatabase(databaseUrl) };
}

/** A queue prefix of this test file's own, so parallel files never share a queue. */
export function testQueuePrefix(): string {
  return `danbao_t_${randomBytes(6).toString('hex')}`;
}

/**
 * A port (and the `count − 1` after it) for a test server to listen on. Below Linux's ephemeral
 * range (32768 and up), so no outgoing connection of the machine can hold it, and in a band of
 * its own per jest worker, so test files running at once never draw the same one.
 */
export function testPorts(count = 1): number {
  const band = (Number(process.env.JEST_WORKER_ID ?? 1) - 1) % 4;
  return 10_000 + band * 5_000 + Math.floor(Math.random() * (5_000 - count));
}

import { createDataSource, ensureDatabase, MigrationList } from './data-source';

/**
 * Creates the database if absent and applies every pending migration, each in its own
 * transaction. Returns the names of the migrations it ran.
 */
export async function migrateDatabase(databaseUrl: string, migrations: MigrationList): Promise<string[]> {
  await ensureDatabase(databaseUrl);
  const dataSource = await createDataSource({ databaseUrl, migrations, poolSize: 2 }).initialize();
  try {
    const ran = await dataSource.runMigrations({ transaction: 'each' });
    return ran.map((migration) => migration.name);
  } finally {
    await dataSource.destroy();
  }
}

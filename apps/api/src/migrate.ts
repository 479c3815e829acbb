import 'reflect-metadata';
import { ConfigError, loadConfig, migrateDatabase, redactUrl } from '@danbao/platform';
import { allMigrations } from '@danbao/schema';

/** Creates the database if absent and applies pending migrations (`npm run migrate`). */
async function main(): Promise<void> {
  const config = loadConfig();
  const ran = await migrateDatabase(config.databaseUrl, allMigrations);
  process.stdout.write(
    ran.length > 0
      ? `Applied ${ran.length} migration(s) to ${redactUrl(config.databaseUrl)}: ${ran.join(', ')}\n`
      : 'Database schema is up to date.\n',
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof ConfigError ? error.message : `migration failed: ${String(error)}`}\n`,
  );
  process.exit(1);
});

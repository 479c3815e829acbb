import { ledgerMigrations } from '@danbao/ledger';
import { platformMigrations } from '@danbao/platform';

/**
 * Every migration and entity of the platform, in one list: the migrate command, the api, the
 * worker and the test databases all build the same schema from here.
 */
export const allMigrations = [...platformMigrations, ...ledgerMigrations];
export const allEntities: never[] = [];

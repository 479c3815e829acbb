import { Platform1764000000000 } from './1764000000000-platform';

export const platformMigrations = [Platform1764000000000];

import { Settlement1764000900000 } from './1764000900000-settlement';

export const settlementMigrations = [Settlement1764000900000];

import { Ledger1764000300000 } from './1764000300000-ledger';

export const ledgerMigrations = [Ledger1764000300000];

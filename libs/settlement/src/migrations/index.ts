import { Settlement1764000900000 } from './1764000900000-settlement';
import { ReconciliationReports1764000900200 } from './1764000900200-reconciliation-reports';

export const settlementMigrations = [Settlement1764000900000, ReconciliationReports1764000900200];

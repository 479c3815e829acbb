import { Platform1764000000000 } from './1764000000000-platform';
import { Auth1764000200000 } from './1764000200000-auth';
import { IdempotencyLease1764000700300 } from './1764000700300-idempotency-lease';
import { AuditLog1764000800000 } from './1764000800000-audit-log';
import { ConsoleLinks1764001000000 } from './1764001000000-console-links';
import { DegradeSwitches1764001200000 } from './1764001200000-degrade-switches';

export const platformMigrations = [
  Platform1764000000000,
  Auth1764000200000,
  IdempotencyLease1764000700300,
  AuditLog1764000800000,
  ConsoleLinks1764001000000,
  DegradeSwitches1764001200000,
];

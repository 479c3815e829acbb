import { Platform1764000000000 } from './1764000000000-platform';
import { Auth1764000200000 } from './1764000200000-auth';
import { IdempotencyLease1764000700300 } from './1764000700300-idempotency-lease';

export const platformMigrations = [Platform1764000000000, Auth1764000200000, IdempotencyLease1764000700300];

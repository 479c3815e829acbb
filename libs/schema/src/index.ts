import { adminsMigrations } from '@danbao/admins';
import { channelsMigrations } from '@danbao/channels';
import { checkoutMigrations } from '@danbao/checkout';
import { disputesMigrations } from '@danbao/disputes';
import { escrowMigrations } from '@danbao/escrow';
import { ledgerMigrations } from '@danbao/ledger';
import { notificationsMigrations } from '@danbao/notifications';
import { ordersMigrations } from '@danbao/orders';
import { platformMigrations } from '@danbao/platform';
import { settlementMigrations } from '@danbao/settlement';

/**
 * Every migration of the platform, in one list: the migrate command, the api, the worker, the
 * benchmarks and the test databases all build the same schema from here. It lives in a lib of
 * its own because both apps need it and no app imports another. TypeORM runs them in timestamp
 * order.
 */
export const allMigrations = [
  ...platformMigrations,
  ...ledgerMigrations,
  ...ordersMigrations,
  ...notificationsMigrations,
  ...escrowMigrations,
  ...checkoutMigrations,
  ...channelsMigrations,
  ...disputesMigrations,
  ...adminsMigrations,
  ...settlementMigrations,
];

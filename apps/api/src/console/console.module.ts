import { Module } from '@nestjs/common';
import { AdminsModule } from '@danbao/admins';
import { ChannelsModule } from '@danbao/channels';
import { DisputesModule } from '@danbao/disputes';
import { EscrowModule } from '@danbao/escrow';
import { OrdersModule } from '@danbao/orders';
import { SettlementModule } from '@danbao/settlement';
import { ConsolePages } from './console-pages';
import { ConsoleDisputesController } from './console-disputes.controller';
import { ConsoleReconciliationController } from './console-reconciliation.controller';
import { ConsoleSessionController } from './console-session.controller';
import { ConsoleController } from './console.controller';

/** The admin console's pages (/admin): server-rendered, no scripts, CSRF on every form. */
@Module({
  imports: [AdminsModule, ChannelsModule, DisputesModule, EscrowModule, OrdersModule, SettlementModule],
  controllers: [
    ConsoleSessionController,
    ConsoleController,
    ConsoleDisputesController,
    ConsoleReconciliationController,
  ],
  providers: [ConsolePages],
})
export class ConsoleModule {}

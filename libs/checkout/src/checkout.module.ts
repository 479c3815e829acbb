import { SettlementModule } from '@danbao/settlement';
import { Module } from '@nestjs/common';
import { ChannelsModule } from '@danbao/channels';
import { EscrowModule } from '@danbao/escrow';
import { OrdersModule } from '@danbao/orders';
import { CheckoutService } from './checkout.service';
import { NotificationIntakeService } from './notification-intake.service';
import { OrderCreationBatcher } from './order-creation.batcher';

@Module({
  imports: [OrdersModule, EscrowModule, ChannelsModule, SettlementModule],
  providers: [CheckoutService, OrderCreationBatcher, NotificationIntakeService],
  exports: [CheckoutService, NotificationIntakeService, ChannelsModule],
})
export class CheckoutModule {}

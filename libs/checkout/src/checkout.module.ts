import { Module } from '@nestjs/common';
import { EscrowModule } from '@danbao/escrow';
import { OrdersModule } from '@danbao/orders';
import { CheckoutService } from './checkout.service';
import { NotificationIntakeService } from './notification-intake.service';
import { OrderCreationBatcher } from './order-creation.batcher';
import { PAYMENT_CHANNEL_LIST, PaymentChannels } from './payment-channel';
import { SandboxChannel, SandboxDeliveryHandler } from './sandbox-channel';

@Module({
  imports: [OrdersModule, EscrowModule],
  providers: [
    CheckoutService,
    OrderCreationBatcher,
    NotificationIntakeService,
    SandboxChannel,
    SandboxDeliveryHandler,
    // The channels this deployment runs; the first takes the hosted checkout's cards.
    {
      provide: PAYMENT_CHANNEL_LIST,
      inject: [SandboxChannel],
      useFactory: (sandbox: SandboxChannel) => [sandbox],
    },
    PaymentChannels,
  ],
  exports: [CheckoutService, NotificationIntakeService, SandboxChannel, SandboxDeliveryHandler],
})
export class CheckoutModule {}

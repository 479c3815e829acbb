import { Module } from '@nestjs/common';
import { EscrowModule } from '@danbao/escrow';
import { LedgerModule } from '@danbao/ledger';
import { NotificationsModule } from '@danbao/notifications';
import { OrdersModule } from '@danbao/orders';
import { CheckoutService } from './checkout.service';
import { NotificationIntakeService } from './notification-intake.service';
import { OrderCreationBatcher } from './order-creation.batcher';
import { PaymentSummariesModule } from './payment-summaries.module';
import { SandboxChannel, SandboxDeliveryHandler } from './sandbox-channel';

@Module({
  imports: [OrdersModule, EscrowModule, LedgerModule, NotificationsModule, PaymentSummariesModule],
  providers: [
    CheckoutService,
    OrderCreationBatcher,
    NotificationIntakeService,
    SandboxChannel,
    SandboxDeliveryHandler,
  ],
  exports: [CheckoutService, NotificationIntakeService, SandboxChannel, SandboxDeliveryHandler],
})
export class CheckoutModule {}

import { Module } from '@nestjs/common';
import { CheckoutModule } from '@danbao/checkout';
import { EscrowModule } from '@danbao/escrow';
import { OrderPresenter } from '../orders/order.presenter';
import { QueuesDashboardModule } from '../queues/queues-dashboard.module';
import { AdminHoldsController } from './admin-holds.controller';
import { ReceiptController } from './receipt.controller';

/**
 * The escrow's HTTP side: shipments, receipt confirmation and extension, the admin list of
 * overdue holds, and the queue dashboard with the queues registered for /metrics.
 */
@Module({
  imports: [EscrowModule, CheckoutModule, QueuesDashboardModule],
  controllers: [ReceiptController, AdminHoldsController],
  providers: [OrderPresenter],
})
export class EscrowHttpModule {}

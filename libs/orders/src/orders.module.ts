import { Module } from '@nestjs/common';
import { NotificationsModule } from '@danbao/notifications';
import { OrderEvents } from './order.events';
import { OrdersService } from './orders.service';

@Module({
  imports: [NotificationsModule],
  providers: [OrdersService, OrderEvents],
  exports: [OrdersService, OrderEvents],
})
export class OrdersModule {}

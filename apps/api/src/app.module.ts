import { DynamicModule, Module } from '@nestjs/common';
import { CheckoutModule } from '@danbao/checkout';
import { EscrowModule } from '@danbao/escrow';
import { NotificationsModule } from '@danbao/notifications';
import { OrdersModule } from '@danbao/orders';
import { AppConfig, PlatformModule } from '@danbao/platform';
import { allMigrations } from '@danbao/schema';
import { AdminHttpModule } from './admin/admin-http.module';
import { AdminOrderRefundsController } from './admin/admin-order-refunds.controller';
import { AdminPaymentsController } from './admin/admin-payments.controller';
import { AdminRefundsController } from './admin/admin-refunds.controller';
import { TokensController } from './auth/tokens.controller';
import { ConsoleModule } from './console/console.module';
import { ChannelNotificationsController } from './checkout/channel-notifications.controller';
import { CheckoutPagesController } from './checkout/checkout-pages.controller';
import { CheckoutSessionsController } from './checkout/checkout-sessions.controller';
import { DisputesHttpModule } from './disputes/disputes-http.module';
import { EscrowHttpModule } from './escrow/escrow-http.module';
import { EventsController } from './events/events.controller';
import { OrderPresenter } from './orders/order.presenter';
import { OrdersController } from './orders/orders.controller';
import { SellerConsoleModule } from './seller-console/seller-console.module';
import { SettlementHttpModule } from './settlement/settlement-http.module';
import { WebhookEndpointsController } from './webhooks/webhook-endpoints.controller';

/** The HTTP api: thin controllers over the domain libs. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({ config, http: true, migrations: allMigrations }),
        OrdersModule,
        CheckoutModule,
        EscrowModule,
        NotificationsModule,
        EscrowHttpModule,
        DisputesHttpModule,
        AdminHttpModule,
        ConsoleModule,
        SettlementHttpModule,
        SellerConsoleModule,
      ],
      controllers: [
        AdminPaymentsController,
        AdminRefundsController,
        AdminOrderRefundsController,
        TokensController,
        OrdersController,
        CheckoutSessionsController,
        ChannelNotificationsController,
        CheckoutPagesController,
        EventsController,
        WebhookEndpointsController,
      ],
      providers: [OrderPresenter],
    };
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { EscrowService, toHoldSummary } from '@danbao/escrow';
import {
  latestPaymentOf,
  Order,
  OrderResource,
  PAYMENT_SUMMARIES,
  PaymentSummaries,
  toOrderResource,
} from '@danbao/orders';
import { APP_CONFIG, AppConfig, Database } from '@danbao/platform';

/** Orders as API.md shows them, with their latest payment and hold loaded in one query each. */
@Injectable()
export class OrderPresenter {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(Database) private readonly db: Database,
    @Inject(PAYMENT_SUMMARIES) private readonly payments: PaymentSummaries,
    @Inject(EscrowService) private readonly escrow: EscrowService,
  ) {}

  async present(order: Order): Promise<OrderResource> {
    return (await this.presentMany([order]))[0];
  }

  async presentMany(orders: Order[]): Promise<OrderResource[]> {
    if (orders.length === 0) return [];
    const paymentIds = orders.map((order) => order.latestPaymentId).filter((id): id is string => id !== null);
    const paidIds = orders.filter((order) => order.paidAt !== null).map((order) => order.id);
    const [payments, holds] = await Promise.all([
      this.payments.byId(this.db, paymentIds),
      paidIds.length ? this.escrow.holdsForOrders(paidIds) : Promise.resolve(new Map()),
    ]);
    return orders.map((order) => {
      const hold = holds.get(order.id);
      return toOrderResource(order, {
        publicUrl: this.config.publicUrl,
        latestPayment: latestPaymentOf(payments, order),
        hold: hold ? toHoldSummary(hold) : undefined,
      });
    });
  }
}

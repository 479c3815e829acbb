import { Inject, Injectable } from '@nestjs/common';
import { EscrowService, toHoldSummary } from '@danbao/escrow';
import { Order, OrderResource, toOrderResource } from '@danbao/orders';
import { APP_CONFIG, AppConfig } from '@danbao/platform';

/** Orders as API.md shows them: the order row (with its latest payment) and its hold, one query for all holds. */
@Injectable()
export class OrderPresenter {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(EscrowService) private readonly escrow: EscrowService,
  ) {}

  async present(order: Order): Promise<OrderResource> {
    return (await this.presentMany([order]))[0];
  }

  async presentMany(orders: Order[]): Promise<OrderResource[]> {
    if (orders.length === 0) return [];
    const paidIds = orders.filter((order) => order.paidAt !== null).map((order) => order.id);
    const holds = paidIds.length ? await this.escrow.holdsForOrders(paidIds) : new Map();
    return orders.map((order) => {
      const hold = holds.get(order.id);
      return toOrderResource(order, {
        publicUrl: this.config.publicUrl,
        hold: hold ? toHoldSummary(hold) : undefined,
      });
    });
  }
}

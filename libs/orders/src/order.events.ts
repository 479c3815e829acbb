import { Inject, Injectable } from '@nestjs/common';
import { OutboxService, type OutboxEntry } from '@danbao/notifications';
import { APP_CONFIG, AppConfig, type Tx } from '@danbao/platform';
import { type HoldSummary, toOrderResource } from './order.resource';
import type { Order } from './order.types';

export type OrderEventType =
  'order.paid' | 'order.shipped' | 'order.completed' | 'order.cancelled' | 'order.expired';

/** An order event: the order as it is after the change, and its hold's summary once paid. */
export interface OrderEvent {
  type: OrderEventType;
  order: Order;
  hold?: HoldSummary;
}

/**
 * The one composer of order events: every lib that changes an order records its event here, in
 * the same transaction, with the order object field for field as `GET /v1/orders/:id` answers it
 * (the latest payment is on the order row, the hold summary comes from the caller).
 */
@Injectable()
export class OrderEvents {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(OutboxService) private readonly outbox: OutboxService,
  ) {}

  /** The outbox row of an order event, for callers that record it with other events in one INSERT. */
  entry(event: OrderEvent): OutboxEntry {
    return {
      type: event.type,
      objectId: event.order.id,
      object: toOrderResource(event.order, { publicUrl: this.config.publicUrl, hold: event.hold }),
    };
  }

  async record(tx: Tx, events: OrderEvent[], now: Date): Promise<void> {
    await this.outbox.recordMany(
      tx,
      events.map((event) => this.entry(event)),
      now,
    );
  }
}

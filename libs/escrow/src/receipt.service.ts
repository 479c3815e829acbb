import { Inject, Injectable } from '@nestjs/common';
import { isVisibleTo, Order, OrderEvents, OrderNotFoundError, OrdersService } from '@danbao/orders';
import { OutboxRelay } from '@danbao/notifications';
import { APP_CONFIG, AppConfig, Principal, runInTransaction, Database } from '@danbao/platform';
import { EscrowStateError, InvalidExtensionError } from './escrow.errors';
import { EscrowJobs } from './escrow.jobs';
import { HoldRepository } from './hold.repository';
import {
  canConfirmReceipt,
  canExtendReceipt,
  canShip,
  receiptWindowMs,
  SELLER_EXTENSION_DAYS,
  ShipmentMethod,
  Verdict,
} from './hold.state';
import { toHoldSummary } from './hold.types';

const DAY_MS = 86_400_000;

export interface ShipmentInput {
  method: ShipmentMethod;
  carrier?: string;
  trackingNumber?: string;
}

export interface ReceiptConfirmation {
  orderId: string;
  holdId: string;
  /** The first confirmation's time: a repeat answers the same. */
  confirmedAt: Date;
}

function check(verdict: Verdict): void {
  if (!verdict.ok) throw new EscrowStateError(verdict.code);
}

/**
 * The buyer's and seller's side of a held order: shipping it (which starts the receipt deadline),
 * extending the deadline, and confirming receipt (which makes the release due at once; the worker
 * releases). Each use case is one transaction that locks the order, then its hold.
 */
@Injectable()
export class ReceiptService {
  private readonly holds = new HoldRepository();

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(OrdersService) private readonly orders: OrdersService,
    @Inject(OrderEvents) private readonly orderEvents: OrderEvents,
    @Inject(OutboxRelay) private readonly relay: OutboxRelay,
    @Inject(EscrowJobs) private readonly jobs: EscrowJobs,
  ) {}

  /** Ships a paid order (its seller, or the marketplace): the receipt deadline starts now. */
  async ship(orderId: string, principal: Principal, input: ShipmentInput, now = new Date()): Promise<Order> {
    const { order, hold } = await runInTransaction(this.db, async (tx) => {
      const order = await this.orders.lock(tx, orderId);
      if (!order || !isVisibleTo(order, principal)) throw new OrderNotFoundError();
      const hold = await this.holds.lockByOrderId(tx, orderId);
      check(canShip(order.status, hold));
      const autoConfirmAt = new Date(
        now.getTime() + receiptWindowMs(input.method, order.autoConfirmDays, this.config),
      );
      const shipment = {
        method: input.method,
        carrier: input.carrier ?? null,
        trackingNumber: input.trackingNumber ?? null,
      };
      const shipped = await this.orders.markShipped(tx, order, shipment, autoConfirmAt, now);
      await this.holds.setReleaseDue(tx, hold!.id, autoConfirmAt, now);
      await this.orderEvents.record(
        tx,
        [{ type: 'order.shipped', order: shipped, hold: toHoldSummary(hold!) }],
        now,
      );
      return { order: shipped, hold: hold! };
    });
    await this.jobs.afterCommit('receipt deadline', () =>
      this.jobs.scheduleDeadline({ holdId: hold.id, orderId }, order.autoConfirmAt!),
    );
    await this.relay.kick();
    return order;
  }

  /**
   * Extends the receipt deadline, once for the buyer (by RECEIPT_EXTENSION) and once for the seller
   * (by 3, 5, 7 or 10 days), counted apart; only while shipped, undisputed and not yet confirmed.
   */
  async extendReceipt(
    orderId: string,
    principal: Principal,
    days?: number,
    now = new Date(),
  ): Promise<Order> {
    if (principal.role !== 'buyer' && principal.role !== 'seller') throw new OrderNotFoundError();
    let extensionMs: number;
    if (principal.role === 'seller') {
      if (days === undefined || !(SELLER_EXTENSION_DAYS as readonly number[]).includes(days)) {
        throw new InvalidExtensionError(`days must be one of ${SELLER_EXTENSION_DAYS.join(', ')}.`);
      }
      extensionMs = days * DAY_MS;
    } else {
      if (days !== undefined) {
        throw new InvalidExtensionError(
          'A buyer extends by the platform’s RECEIPT_EXTENSION; days is for sellers.',
        );
      }
      extensionMs = this.config.receiptExtensionMs;
    }

    const { order, hold } = await runInTransaction(this.db, async (tx) => {
      const order = await this.orders.lock(tx, orderId);
      if (!order || !isVisibleTo(order, principal)) throw new OrderNotFoundError();
      const hold = await this.holds.lockByOrderId(tx, orderId);
      const already = principal.role === 'buyer' ? order.buyerExtended : order.sellerExtended;
      check(canExtendReceipt(order.status, hold, already));
      const autoConfirmAt = new Date(order.autoConfirmAt!.getTime() + extensionMs);
      const extended = await this.orders.extendDeadline(tx, order, autoConfirmAt, principal.role, now);
      await this.holds.setReleaseDue(tx, hold!.id, autoConfirmAt, now);
      return { order: extended, hold: hold! };
    });
    // The deadline job at the old time finds the hold not yet due and does nothing.
    await this.jobs.afterCommit('receipt deadline', () =>
      this.jobs.scheduleDeadline({ holdId: hold.id, orderId }, order.autoConfirmAt!),
    );
    return order;
  }

  /**
   * The buyer confirms receipt: the hold's release falls due now and a release job is queued. A
   * repeat while the release is pending answers the same; after it, 409 hold_already_released.
   */
  async confirmReceipt(
    orderId: string,
    principal: Principal,
    now = new Date(),
  ): Promise<ReceiptConfirmation> {
    const confirmation = await runInTransaction(this.db, async (tx) => {
      const order = await this.orders.lock(tx, orderId);
      if (!order || principal.role !== 'buyer' || order.buyerId !== principal.id)
        throw new OrderNotFoundError();
      const hold = await this.holds.lockByOrderId(tx, orderId);
      check(canConfirmReceipt(order.status, hold));
      if (hold!.confirmedAt === null) await this.holds.markConfirmed(tx, hold!.id, now);
      return { orderId, holdId: hold!.id, confirmedAt: hold!.confirmedAt ?? now };
    });
    await this.jobs.afterCommit('release', () =>
      this.jobs.enqueueReleases([{ holdId: confirmation.holdId, orderId }]),
    );
    return confirmation;
  }
}

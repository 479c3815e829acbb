import { Inject, Injectable, Logger } from '@nestjs/common';
import { type Refund, RefundService } from '@danbao/channels';
import { OutboxService } from '@danbao/notifications';
import { OrdersService } from '@danbao/orders';
import { AuditLog, type AuditActor, Database, runInTransaction, type Tx } from '@danbao/platform';
import { SettlementService } from '@danbao/settlement';
import { HoldRepository } from './hold.repository';
import { type Hold, toHoldObject } from './hold.types';

export type RefundAfterReleaseRefusal =
  'order_not_found' | 'order_not_completed' | 'amount_exceeds_refundable';

/**
 * The platform's share of a refund after release: the fee on the refunded part, in proportion to
 * the released gross, rounded down, so that partial refunds never give back more fee than was taken.
 */
export function feeShareOf(hold: Pick<Hold, 'fee' | 'released'>, amount: bigint): bigint {
  const gross = hold.released + hold.fee;
  return gross === 0n ? 0n : (amount * hold.fee) / gross;
}

/**
 * A refund of a completed order, money the seller already received (an admin's refund; a
 * chargeback would take the same path): the buyer is refunded through the payment's channel; the
 * seller gives back its part (the refund less the fee's share, which the platform gives back), from
 * its available balance as far as it goes and as a receivable for the rest (settlement). The money
 * waits in `suspense:<payment>` until the channel confirms, and the hold counts it as refunded then.
 */
@Injectable()
export class RefundAfterReleaseService {
  private readonly logger = new Logger(RefundAfterReleaseService.name);
  private readonly holds = new HoldRepository();

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(OrdersService) private readonly orders: OrdersService,
    @Inject(SettlementService) private readonly settlement: SettlementService,
    @Inject(RefundService) private readonly refunds: RefundService,
    @Inject(OutboxService) private readonly outbox: OutboxService,
    @Inject(AuditLog) private readonly audit: AuditLog,
  ) {}

  async refund(
    orderId: string,
    amount: bigint,
    reason: string,
    actor: AuditActor,
    requestId?: string | null,
    now = new Date(),
  ): Promise<Refund | RefundAfterReleaseRefusal> {
    const requested = await runInTransaction(this.db, async (tx) => {
      // Order, hold, then the seller's settlement row: the lock order of escrow, then settlement's.
      const order = await this.orders.lock(tx, orderId);
      if (!order) return 'order_not_found' as const;
      const hold = await this.holds.lockByOrderId(tx, orderId);
      // Released (in part or whole) once: its fee and net were set then, whatever refunds followed.
      if (
        !hold ||
        !['released', 'partially_refunded', 'refunded'].includes(hold.status) ||
        hold.released + hold.fee === 0n
      ) {
        return 'order_not_completed' as const;
      }
      if (!(await this.holds.addRefundDueAfterRelease(tx, hold.id, amount, now))) {
        return 'amount_exceeds_refundable' as const;
      }
      const refund = await this.refunds.request(
        tx,
        {
          paymentId: hold.paymentId,
          channel: hold.channel,
          source: 'released',
          orderId,
          amount,
          currency: hold.currency,
          reason,
        },
        now,
      );
      const fromFees = feeShareOf(hold, amount);
      const taken = await this.settlement.clawBack(
        tx,
        {
          sellerId: hold.sellerId,
          currency: hold.currency,
          amount: amount - fromFees,
          fromFees,
          paymentId: hold.paymentId,
          orderId,
          refundId: refund.id,
        },
        now,
      );
      await this.audit.record(
        tx,
        {
          actor,
          action: 'order.refund_after_release',
          subjectType: 'order',
          subjectId: orderId,
          before: { hold_status: hold.status, refund_due: hold.refundDue.toString() },
          after: {
            refund_id: refund.id,
            amount: amount.toString(),
            from_seller_available: taken.fromAvailable.toString(),
            seller_owes: taken.owed.toString(),
            from_fees: fromFees.toString(),
          },
          requestId,
        },
        now,
      );
      return refund;
    });
    if (typeof requested !== 'string') await this.refunds.send(requested);
    return requested;
  }

  /** The channel confirmed a refund after release: the hold counts it (in the notification's transaction). */
  async confirmed(tx: Tx, refund: Refund, now = new Date()): Promise<void> {
    if (refund.source !== 'released' || refund.orderId === null) return;
    const hold = await this.holds.lockByOrderId(tx, refund.orderId);
    if (!hold) throw new Error(`Refund ${refund.id} names order ${refund.orderId}, which has no hold`);
    if (!(await this.holds.addRefundedAfterRelease(tx, hold.id, refund.amount, now))) {
      throw new Error(`Refund ${refund.id} would take hold ${hold.id} past what it owes the buyer`);
    }
    const refunded = hold.refunded + refund.amount;
    const updated: Hold = {
      ...hold,
      refunded,
      status: refunded >= hold.amount ? 'refunded' : 'partially_refunded',
      updatedAt: now,
    };
    await this.outbox.record(tx, 'hold.refunded', hold.id, toHoldObject(updated), now);
    this.logger.log({ hold: hold.id, refund: refund.id }, 'refund after release confirmed by the channel');
  }
}

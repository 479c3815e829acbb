import { Inject, Injectable, Logger } from '@nestjs/common';
import { type Refund, RefundService } from '@danbao/channels';
import { Accounts, LedgerService } from '@danbao/ledger';
import { splitFee } from '@danbao/money';
import { OutboxRelay, OutboxService, type OutboxEntry } from '@danbao/notifications';
import { Order, OrderEvents, OrdersService } from '@danbao/orders';
import { Database, runInTransaction, type Tx } from '@danbao/platform';
import { SettlementService } from '@danbao/settlement';
import { EscrowStateError } from './escrow.errors';
import { EscrowJobs } from './escrow.jobs';
import { HoldRepository } from './hold.repository';
import { canFreeze, type HoldSplit, splitResolution } from './hold.state';
import { Hold, toHoldObject, toHoldSummary } from './hold.types';
import { releasePosting } from './release.service';

/** How a hold ended, as its caller needs it after commit. */
export interface Resolution {
  order: Order;
  hold: Hold;
  split: HoldSplit;
  /** The refund to send through the channel once the transaction committed (afterResolve). */
  refund?: Refund;
}

/**
 * The ways a hold ends other than a plain release, for disputes and MAX_HOLD: freezing it while a
 * dispute is open (the receipt deadline stops with the time it had left), unfreezing it (the
 * deadline resumes), and resolving it with a refund of part or all of it to the buyer and the rest
 * released to the seller (the fee on the released part only). The refund goes through the
 * payment's channel and leaves `escrow:<order>` only when the channel confirms it
 * (refundConfirmed). Each method runs in the caller's transaction, which holds the order's lock
 * (orders, then holds: the escrow's lock order).
 */
@Injectable()
export class HoldResolutionService {
  private readonly logger = new Logger(HoldResolutionService.name);
  private readonly holds = new HoldRepository();

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(OrdersService) private readonly orders: OrdersService,
    @Inject(OrderEvents) private readonly orderEvents: OrderEvents,
    @Inject(LedgerService) private readonly ledger: LedgerService,
    @Inject(OutboxService) private readonly outbox: OutboxService,
    @Inject(RefundService) private readonly refunds: RefundService,
    @Inject(EscrowJobs) private readonly jobs: EscrowJobs,
    @Inject(OutboxRelay) private readonly relay: OutboxRelay,
    @Inject(SettlementService) private readonly settlement: SettlementService,
  ) {}

  /** The order's hold, locked (after the caller locked the order). */
  async lockHold(tx: Tx, orderId: string): Promise<Hold | undefined> {
    return this.holds.lockByOrderId(tx, orderId);
  }

  /** held → frozen: a dispute opened. The receipt deadline stops, keeping the time it had left. */
  async freeze(tx: Tx, order: Order, now: Date): Promise<Hold> {
    const hold = await this.holds.lockByOrderId(tx, order.id);
    const verdict = canFreeze(order.status, hold, now);
    if (!verdict.ok) throw new EscrowStateError(verdict.code);
    const left =
      hold!.releaseDueAt === null ? null : Math.max(0, hold!.releaseDueAt.getTime() - now.getTime());
    if (!(await this.holds.freeze(tx, hold!.id, left, now)))
      throw new Error(`Hold ${hold!.id} changed under its lock`);
    return {
      ...hold!,
      status: 'frozen',
      frozenAt: now,
      deadlineLeftMs: left,
      releaseDueAt: null,
      updatedAt: now,
    };
  }

  /**
   * frozen → held: the dispute ended without moving money (withdrawn, closed). The receipt
   * deadline resumes with the time it had left; schedule its job after commit (afterUnfreeze).
   */
  async unfreeze(tx: Tx, order: Order, now: Date): Promise<{ order: Order; hold: Hold }> {
    const hold = await this.holds.lockByOrderId(tx, order.id);
    if (!hold || hold.status !== 'frozen') throw new Error(`Hold of order ${order.id} is not frozen`);
    const releaseDueAt = hold.deadlineLeftMs === null ? null : new Date(now.getTime() + hold.deadlineLeftMs);
    if (!(await this.holds.unfreeze(tx, hold.id, releaseDueAt, now)))
      throw new Error(`Hold ${hold.id} changed under its lock`);
    const resumed = releaseDueAt ? await this.orders.resumeDeadline(tx, order, releaseDueAt, now) : order;
    return {
      order: resumed,
      hold: { ...hold, status: 'held', frozenAt: null, deadlineLeftMs: null, releaseDueAt, updatedAt: now },
    };
  }

  /** After an unfreeze committed: the resumed deadline's job (the sweep is the backstop). */
  async afterUnfreeze(hold: Hold): Promise<void> {
    if (hold.releaseDueAt === null) return;
    const dueAt = hold.releaseDueAt;
    await this.jobs.afterCommit('receipt deadline', () =>
      this.jobs.scheduleDeadline({ holdId: hold.id, orderId: hold.orderId }, dueAt),
    );
  }

  /**
   * Ends a held or frozen hold: `refund` (0 to all of it) goes back to the buyer through the
   * payment's channel, the rest is released to the seller now, less the fee on that part. The
   * order becomes `refunded` (all refunded) or `completed`. Send the refund after commit
   * (afterResolve); the money leaves escrow when the channel confirms it.
   */
  async resolve(tx: Tx, order: Order, refund: bigint, reason: string, now: Date): Promise<Resolution> {
    const hold = await this.holds.lockByOrderId(tx, order.id);
    if (!hold || (hold.status !== 'held' && hold.status !== 'frozen')) {
      throw new EscrowStateError(hold?.status === 'released' ? 'hold_already_released' : 'order_refunded');
    }
    const split = splitResolution(hold.amount, refund, (gross) => splitFee(gross, hold.feeBps));
    const changed = await this.holds.resolve(
      tx,
      hold.id,
      { status: split.status, fee: split.fee, released: split.net, refundDue: split.refund },
      now,
    );
    if (!changed) throw new Error(`Hold ${hold.id} changed under its lock`);
    const resolved: Hold = {
      ...hold,
      status: split.status,
      fee: split.fee,
      released: split.net,
      refundDue: split.refund,
      frozenAt: null,
      deadlineLeftMs: null,
      resolvedAt: now,
      updatedAt: now,
    };
    const ended =
      split.status === 'refunded'
        ? await this.orders.markRefunded(tx, order, now)
        : (await this.orders.markCompleted(tx, [order], now))[0];
    const events: OutboxEntry[] = [];
    if (split.releasedGross > 0n) {
      await this.ledger.post(
        tx,
        releasePosting({ hold: { ...hold, amount: split.releasedGross }, fee: split.fee, net: split.net }),
      );
      events.push({ type: 'hold.released', objectId: hold.id, object: toHoldObject(resolved) });
    }
    if (ended.status === 'completed') {
      events.push(
        this.orderEvents.entry({ type: 'order.completed', order: ended, hold: toHoldSummary(resolved) }),
      );
    }
    await this.outbox.recordMany(tx, events, now);
    const requested =
      split.refund > 0n
        ? await this.refunds.request(
            tx,
            {
              paymentId: hold.paymentId,
              channel: hold.channel,
              source: 'escrow',
              orderId: order.id,
              amount: split.refund,
              currency: hold.currency,
              reason,
            },
            now,
          )
        : undefined;
    return { order: ended, hold: resolved, split, refund: requested };
  }

  /** After a resolution committed: the refund goes to the channel, the events to the relay. */
  async afterResolve(resolution: Resolution): Promise<void> {
    if (resolution.refund) await this.refunds.send(resolution.refund);
    await this.relay.kick();
    if (resolution.split.net > 0n) {
      // The released part matures after the seller's payout delay: ring for it (the sweep is the backstop).
      try {
        await this.settlement.scheduleMaturation(resolution.hold.sellerId, resolution.hold.currency);
      } catch (error) {
        this.logger.warn({ hold: resolution.hold.id, err: String(error) }, 'maturation doorbell not rung');
      }
    }
  }

  /**
   * Before a refund of held money is confirmed: locks its order, then its hold (the escrow's lock
   * order), and answers whether the refund fits in what was decided to go back to the buyer.
   */
  async lockForRefund(tx: Tx, refund: Refund): Promise<boolean> {
    if (refund.orderId === null) return false;
    const order = await this.orders.lock(tx, refund.orderId);
    const hold = await this.holds.lockByOrderId(tx, refund.orderId);
    return order !== undefined && hold !== undefined && hold.refunded + refund.amount <= hold.refundDue;
  }

  /**
   * The channel confirmed a refund of held money (refund.succeeded, in the notification's
   * transaction): `escrow:<order> → channel`, shown on the hold as it happens (`hold.refunded`).
   */
  async refundConfirmed(tx: Tx, refund: Refund, now = new Date()): Promise<void> {
    if (refund.source !== 'escrow' || refund.orderId === null) return;
    const order = await this.orders.lock(tx, refund.orderId);
    const hold = await this.holds.lockByOrderId(tx, refund.orderId);
    if (!order || !hold)
      throw new Error(`Refund ${refund.id} names order ${refund.orderId}, which has no hold`);
    if (!(await this.holds.addRefunded(tx, hold.id, refund.amount, now))) {
      // More than was decided to go back: never booked (the channel refunded twice: a person looks).
      throw new Error(`Refund ${refund.id} would take hold ${hold.id} past what it owes the buyer`);
    }
    await this.ledger.post(tx, {
      reference: `refund:${refund.id}`,
      kind: 'refund',
      orderId: order.id,
      metadata: { refund_id: refund.id, hold_id: hold.id, reason: refund.reason },
      postings: [
        { account: Accounts.escrow(order.id), currency: refund.currency, amount: -refund.amount },
        { account: Accounts.channel(refund.channel), currency: refund.currency, amount: refund.amount },
      ],
    });
    const refunded: Hold = { ...hold, refunded: hold.refunded + refund.amount, updatedAt: now };
    await this.outbox.recordMany(
      tx,
      [{ type: 'hold.refunded', objectId: hold.id, object: toHoldObject(refunded) }],
      now,
    );
    this.logger.log({ hold: hold.id, refund: refund.id }, 'refund of held money confirmed by the channel');
  }

  /** Resolves in a transaction of its own (MAX_HOLD, admin tools): lock the order, resolve, send. */
  async resolveAlone(orderId: string, refund: bigint, reason: string): Promise<Resolution> {
    const resolution = await runInTransaction(this.db, async (tx) => {
      const order = await this.orders.lock(tx, orderId);
      if (!order) throw new Error(`No order ${orderId}`);
      return this.resolve(tx, order, refund, reason, new Date());
    });
    await this.afterResolve(resolution);
    return resolution;
  }
}

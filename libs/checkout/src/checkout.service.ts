import { Inject, Injectable, Logger } from '@nestjs/common';
import { PaymentChannels, type Refund, RefundService } from '@danbao/channels';
import { EscrowService, toHoldSummary } from '@danbao/escrow';
import { NewOrder, Order, OrderEvents, OrdersService } from '@danbao/orders';
import {
  APP_CONFIG,
  AppConfig,
  Database,
  newId,
  newSecretToken,
  Principal,
  QueueRegistry,
  runInTransaction,
  type Tx,
} from '@danbao/platform';
import { CardInput, checkCard, CardProblem } from './card';
import { CheckoutRepository } from './checkout.repository';
import { cartErrors } from './checkout.errors';
import type { CheckoutSession, Payment } from './checkout.types';
import { OrderCreationBatcher } from './order-creation.batcher';
import { paymentSummary } from './payment-summaries';
import { ExpiryJobData, scheduleExpiries, sessionIdsOf } from './session-expiry';

/** What the marketplace asks for; the order's id and session are made here. */
export type NewOrderInput = Omit<NewOrder, 'id' | 'checkoutSessionId'>;

export type SubmitResult =
  | { kind: 'submitted'; paymentId: string }
  | { kind: 'invalid_card'; problem: CardProblem }
  | { kind: 'not_payable'; reason: 'expired' | 'paid' | 'not_awaiting_payment' }
  | { kind: 'not_found' };

/** A payment's final result, from the channel's notification or from asking the channel. */
export interface PaymentResult {
  /** The channel that answered (a notification's URL); undefined when we asked the payment's own. */
  channel?: string;
  succeeded: boolean;
  amount: bigint;
  currency: string;
  channelReference: string;
  failureCode?: string;
}

/** A successful payment whose orders are all payable, with the reference the channel gave it. */
interface SucceededPayment {
  payment: Payment;
  orders: Order[];
  channelReference: string;
}

/** Whether every order of a session still awaits exactly this payment, so that it can be paid. */
function allAwait(orders: Order[], paymentId: string): boolean {
  return orders.every((order) => order.status === 'awaiting_payment' && order.pendingPaymentId === paymentId);
}

/**
 * Checkout: the session behind each hosted checkout page (one order, or a cart of several), the
 * payment a buyer submits on it, and the moment the channel says it succeeded: in one database
 * transaction the payment succeeds, the orders become paid, escrow opens one hold per order and
 * moves the money from the channel into each order's escrow account, and `order.paid` events are
 * recorded. Checkout never posts to the ledger itself: escrow owns the `escrow:*` accounts.
 */
@Injectable()
export class CheckoutService {
  private readonly logger = new Logger(CheckoutService.name);
  private readonly repository = new CheckoutRepository();

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(OrdersService) private readonly orders: OrdersService,
    @Inject(OrderEvents) private readonly orderEvents: OrderEvents,
    @Inject(EscrowService) private readonly escrow: EscrowService,
    @Inject(PaymentChannels) private readonly channels: PaymentChannels,
    @Inject(RefundService) private readonly refunds: RefundService,
    @Inject(QueueRegistry) private readonly queues: QueueRegistry,
    @Inject(OrderCreationBatcher) private readonly creations: OrderCreationBatcher,
  ) {}

  /** Creates an order awaiting payment, with its own checkout session (refused: 400 naming the field). */
  async createOrder(input: NewOrderInput): Promise<Order> {
    this.orders.checkNewOrder(input, this.config.currencies);
    const now = new Date();
    const orderId = newId('ord');
    const session = this.newSession(
      'order',
      input.buyerId,
      input.amount,
      input.currency,
      input.returnUrl,
      [orderId],
      now,
    );
    // Committed together with the orders created at the same moment, its expiry job added.
    await this.creations.create({
      order: { ...input, id: orderId, checkoutSessionId: session.id, createdAt: now },
      session,
    });
    // The row as inserted: no read back needed.
    return {
      ...input,
      id: orderId,
      status: 'awaiting_payment',
      checkoutSessionId: session.id,
      latestPayment: null,
      pendingPaymentId: null,
      shipmentMethod: null,
      shipmentCarrier: null,
      shipmentTrackingNumber: null,
      shippedAt: null,
      autoConfirmAt: null,
      buyerExtended: false,
      sellerExtended: false,
      paidAt: null,
      cancelledAt: null,
      expiredAt: null,
      completedAt: null,
      createdAt: now,
      updatedAt: now,
    };
  }

  async createCart(orderIds: string[]): Promise<CheckoutSession> {
    const now = new Date();
    const session = await runInTransaction(this.db, async (tx) => {
      const found = await this.orders.lockMany(tx, orderIds);
      const byId = new Map(found.map((order) => [order.id, order]));
      const missing = orderIds.find((id) => !byId.has(id));
      if (missing) throw cartErrors.unknownOrder(missing);
      const orders = orderIds.map((id) => byId.get(id) as Order);
      if (new Set(orders.map((order) => order.buyerId)).size > 1) throw cartErrors.mixedBuyers();
      if (new Set(orders.map((order) => order.currency)).size > 1) throw cartErrors.mixedCurrencies();
      const unpayable = orders.find((order) => order.status !== 'awaiting_payment');
      if (unpayable) throw cartErrors.notPayable(unpayable.id);
      const total = orders.reduce((sum, order) => sum + order.amount, 0n);
      const cart = this.newSession(
        'cart',
        orders[0].buyerId,
        total,
        orders[0].currency,
        orders[0].returnUrl,
        orderIds,
        now,
      );
      await this.repository.insertSession(tx, cart);
      return cart;
    });
    await scheduleExpiries(this.queues, [session], this.logger);
    return session;
  }

  async session(sessionId: string): Promise<CheckoutSession | undefined> {
    return this.repository.findSession(this.db, sessionId);
  }

  async payment(paymentId: string): Promise<Payment | undefined> {
    return this.repository.findPayment(this.db, paymentId);
  }

  /**
   * The buyer submits the card form. Locks the session and its orders, refuses what cannot be
   * paid, and records a processing payment; a second submit while one is in flight returns the
   * first payment, so a double-submitted form pays once. The channel is called after commit.
   */
  async submitPayment(sessionId: string, card: CardInput): Promise<SubmitResult> {
    const checked = checkCard(card);
    if ('problem' in checked) return { kind: 'invalid_card', problem: checked.problem };
    const channel = this.channels.forCards();
    const now = new Date();
    const outcome = await runInTransaction(
      this.db,
      async (tx): Promise<SubmitResult & { payment?: Payment }> => {
        const session = await this.repository.findSession(tx, sessionId, true);
        if (!session) return { kind: 'not_found' };
        if (session.status === 'paid') return { kind: 'not_payable', reason: 'paid' };
        if (session.status === 'expired' || session.expiresAt.getTime() <= now.getTime())
          return { kind: 'not_payable', reason: 'expired' };
        const orders = await this.orders.lockMany(tx, session.orderIds);
        const inFlight = orders.find((order) => order.pendingPaymentId !== null);
        if (inFlight) return { kind: 'submitted', paymentId: inFlight.pendingPaymentId as string };
        if (
          orders.length !== session.orderIds.length ||
          orders.some((order) => order.status !== 'awaiting_payment')
        ) {
          return {
            kind: 'not_payable',
            reason: orders.every((order) => order.paidAt !== null) ? 'paid' : 'not_awaiting_payment',
          };
        }
        const payment: Payment = {
          id: newId('pay'),
          sessionId,
          channel: channel.name,
          amount: session.amount,
          currency: session.currency,
          status: 'processing',
          cardBrand: checked.summary.brand,
          cardLast4: checked.summary.last4,
          failureCode: null,
          channelReference: null,
          reviewReasons: [],
          createdAt: now,
          updatedAt: now,
        };
        await this.repository.insertPayment(tx, payment);
        await this.orders.recordPaymentAttempt(tx, orders, paymentSummary(payment), now);
        return { kind: 'submitted', paymentId: payment.id, payment };
      },
    );
    if (outcome.kind === 'submitted' && outcome.payment) {
      await channel.charge(outcome.payment, checked.digits);
    }
    return outcome.kind === 'submitted' ? { kind: 'submitted', paymentId: outcome.paymentId } : outcome;
  }

  /**
   * Applies a payment's final result inside the notification's transaction. A flagged result
   * names its review reason; a success that no order can take any more is booked into suspense
   * and answers the refund to send after commit (`refunds.send`).
   */
  async applyPaymentResult(
    tx: Tx,
    paymentId: string,
    result: PaymentResult,
  ): Promise<{ outcome: 'applied' | 'duplicate' | 'flagged'; reviewReason?: string; refund?: Refund }> {
    const now = new Date();
    const found = await this.repository.lockPaymentWithSession(tx, paymentId);
    if (!found) return { outcome: 'flagged', reviewReason: 'unknown_reference' };
    const { payment, orders } = found;
    const flag = async (reason: string) => {
      await this.repository.addReviewReason(tx, payment.id, reason, now);
      return { outcome: 'flagged' as const, reviewReason: reason };
    };
    // Only the payment's own channel may answer for it (its secret signed the notification).
    if (result.channel !== undefined && result.channel !== payment.channel) return flag('channel_mismatch');
    if (payment.amount !== result.amount || payment.currency !== result.currency)
      return flag('amount_mismatch');
    const newStatus = result.succeeded ? 'succeeded' : 'failed';
    if (payment.status !== 'processing') {
      if (payment.status === newStatus) return { outcome: 'duplicate' };
      // A payment's first final result stands; a later, different one moves nothing.
      return flag('late_contradiction');
    }
    if (!result.succeeded) {
      const failureCode = result.failureCode ?? 'payment_failed';
      await this.repository.finishPayment(
        tx,
        payment.id,
        { status: 'failed', channelReference: result.channelReference, failureCode },
        now,
      );
      await this.orders.recordPaymentResult(tx, orders, payment.id, 'failed', failureCode, now);
      return { outcome: 'applied' };
    }

    if (!allAwait(orders, payment.id)) {
      // The money arrived but an order can no longer take it: the books show it in suspense, a
      // refund of all of it goes back through the channel, and admins see the payment.
      await this.repository.finishPayment(
        tx,
        payment.id,
        { status: 'succeeded', channelReference: result.channelReference, failureCode: null },
        now,
      );
      await this.orders.recordPaymentResult(tx, orders, payment.id, 'succeeded', null, now);
      const refund = await this.refunds.holdInSuspense(tx, payment, 'refund_required', now);
      this.logger.warn(
        { payment: payment.id, refund: refund.id },
        'payment succeeded for orders that cannot be paid; held in suspense and refunded',
      );
      return { ...(await flag('refund_required')), refund };
    }

    await this.paySucceeded(tx, [{ payment, orders, channelReference: result.channelReference }], now);
    return { outcome: 'applied' };
  }

  /**
   * Sweep: payments still processing PAYMENT_RESULT_TIMEOUT after they were submitted (the
   * channel's answer was lost, or the channel was never reached because the process died between
   * the commit and the charge). The channel is asked for each one's result and it is applied as
   * its notification would have been; a payment the channel never saw failed, so the buyer can pay
   * again. Returns how many were resolved.
   */
  async resolveStuckPayments(now = new Date(), limit = 200): Promise<number> {
    const stuck = await this.repository.processingBefore(
      this.db,
      new Date(now.getTime() - this.config.paymentResultTimeoutMs),
      limit,
    );
    let resolved = 0;
    for (const payment of stuck) {
      const answer = await this.channels.named(payment.channel).paymentResult(payment.id);
      const result: PaymentResult =
        answer.status === 'unknown'
          ? {
              succeeded: false,
              amount: payment.amount,
              currency: payment.currency,
              channelReference: '',
              failureCode: 'not_received_by_channel',
            }
          : {
              succeeded: answer.status === 'succeeded',
              amount: answer.amount,
              currency: answer.currency,
              channelReference: answer.channelReference,
              failureCode: answer.failureCode,
            };
      const applied = await runInTransaction(this.db, (tx) =>
        this.applyPaymentResult(tx, payment.id, result),
      );
      if (applied.refund) await this.refunds.send(applied.refund);
      this.logger.warn(
        { payment: payment.id, channel: payment.channel, answer: answer.status, outcome: applied.outcome },
        'payment stuck in processing resolved by asking its channel',
      );
      if (applied.outcome === 'applied') resolved += 1;
    }
    return resolved;
  }

  /**
   * Successful results for several payments in one go (notifications gathered into one
   * transaction). Only the clean ones are applied here: the payment is processing, the amount and
   * currency match, and every order of its session still awaits exactly this payment. The others
   * are left untouched (their locks end with the transaction) for applyPaymentResult to decide
   * one by one. Returns the ids of the payments applied.
   */
  async applySucceededPayments(
    tx: Tx,
    results: {
      paymentId: string;
      channel: string;
      amount: bigint;
      currency: string;
      channelReference: string;
    }[],
  ): Promise<Set<string>> {
    const now = new Date();
    const found = await this.repository.lockPaymentsWithSessions(
      tx,
      results.map((result) => result.paymentId),
    );
    const clean: SucceededPayment[] = [];
    for (const result of results) {
      const locked = found.get(result.paymentId);
      if (
        locked !== undefined &&
        locked.payment.status === 'processing' &&
        locked.payment.channel === result.channel &&
        locked.payment.amount === result.amount &&
        locked.payment.currency === result.currency &&
        allAwait(locked.orders, locked.payment.id)
      ) {
        clean.push({
          payment: locked.payment,
          orders: locked.orders,
          channelReference: result.channelReference,
        });
      }
    }
    await this.paySucceeded(tx, clean, now);
    return new Set(clean.map((item) => item.payment.id));
  }

  /**
   * The money moves of successful payments whose orders are all payable, one statement per step
   * whatever their number: payments succeeded and sessions paid, one hold per order, one ledger transaction per
   * payment (`channel → escrow:<order>` legs), orders paid, `order.paid` events.
   */
  private async paySucceeded(tx: Tx, items: SucceededPayment[], now: Date): Promise<void> {
    if (items.length === 0) return;
    const changed = await this.repository.markPaymentsSucceeded(
      tx,
      items.map((item) => ({ paymentId: item.payment.id, channelReference: item.channelReference })),
      now,
    );
    if (changed !== items.length)
      throw new Error('A payment changed under its lock; the transaction is rolled back.');
    // Escrow opens one hold per order and posts the money in (`channel → escrow:<order>`).
    const holds = await this.escrow.openHolds(
      tx,
      items.map(({ payment, orders }) => ({
        paymentId: payment.id,
        channel: payment.channel,
        amount: payment.amount,
        currency: payment.currency,
        orders: orders.map((order) => ({
          orderId: order.id,
          sellerId: order.sellerId,
          amount: order.amount,
          feeBps: order.feeBps,
        })),
      })),
      now,
    );
    const paid = await this.orders.markPaid(
      tx,
      items.flatMap(({ orders }) => orders),
      now,
    );
    const holdByOrder = new Map(holds.map((hold) => [hold.orderId, hold]));
    await this.orderEvents.record(
      tx,
      paid.map((order) => ({ type: 'order.paid', order, hold: toHoldSummary(holdByOrder.get(order.id)!) })),
      now,
    );
  }

  /**
   * Expires an unpaid session and its orders that still await payment (delayed job or sweep);
   * false when there was nothing to expire yet, or a payment of its orders is still in flight.
   */
  async expireSession(sessionId: string, now = new Date()): Promise<boolean> {
    return runInTransaction(this.db, async (tx) => {
      const session = await this.repository.findSession(tx, sessionId, true);
      if (!session || session.status !== 'open' || session.expiresAt.getTime() > now.getTime()) return false;
      const orders = await this.orders.lockMany(tx, session.orderIds);
      // An order whose payment is in flight is not expired under it: the session waits for that
      // payment's result (or for resolveStuckPayments to ask the channel), and a later sweep
      // expires it if the payment fails. Otherwise a late success would find the order gone.
      if (orders.some((order) => order.pendingPaymentId !== null)) return false;
      await this.repository.setSessionStatus(tx, session.id, 'open', 'expired');
      if (session.kind === 'cart') return true; // a cart's orders keep their own sessions
      for (const order of orders) {
        if (order.status !== 'awaiting_payment') continue;
        const expired = await this.orders.markExpired(tx, order, now);
        await this.orderEvents.record(tx, [{ type: 'order.expired', order: expired }], now);
      }
      return true;
    });
  }

  /** The marketplace cancels an unpaid order with no payment in flight (`order.cancelled`). */
  async cancelOrder(orderId: string, principal: Principal, now = new Date()): Promise<Order> {
    return runInTransaction(this.db, async (tx) => {
      const cancelled = await this.orders.cancel(tx, orderId, principal, now);
      await this.orderEvents.record(tx, [{ type: 'order.cancelled', order: cancelled }], now);
      return cancelled;
    });
  }

  /** Payments that need a person, oldest first, with their refunds (GET /v1/admin/payments). */
  async paymentsNeedingReview(
    filter: 'review' | 'refund_required',
    limit: number,
    startingAfter?: string,
  ): Promise<{ data: { payment: Payment; refunds: Refund[] }[]; hasMore: boolean }> {
    const payments = await this.repository.needingReview(this.db, filter, limit + 1, startingAfter);
    const page = payments.slice(0, limit);
    const refunds = await this.refunds.forPayments(page.map((payment) => payment.id));
    return {
      data: page.map((payment) => ({
        payment,
        refunds: refunds.filter((refund) => refund.paymentId === payment.id),
      })),
      hasMore: payments.length > limit,
    };
  }

  /** Expires each due session of `ids` in its own transaction; answers how many it expired. */
  async expireSessions(ids: string[], now = new Date()): Promise<number> {
    let expired = 0;
    for (const id of ids) if (await this.expireSession(id, now)) expired += 1;
    return expired;
  }

  /**
   * An expiry job: the open sessions due by its `dueAt` (no session id travels through Redis), in
   * chunks until none is left; a job an older release queued names its sessions instead.
   */
  async expireSessionsOfJob(data: ExpiryJobData, now = new Date(), chunk = 500): Promise<number> {
    if (typeof data.dueAt !== 'number') return this.expireSessions(sessionIdsOf(data).map(String), now);
    const dueBy = new Date(Math.min(data.dueAt, now.getTime()));
    let expired = 0;
    for (;;) {
      const ids = await this.repository.openSessionIdsExpiredBefore(this.db, dueBy, chunk);
      const round = await this.expireSessions(ids, now);
      expired += round;
      // A round that expired nothing found only sessions others are expiring: they will finish.
      if (ids.length < chunk || round === 0) return expired;
    }
  }

  /** Sweep: expires sessions whose delayed job was lost (Redis wiped, worker down). */
  async expireOverdueSessions(limit = 500, now = new Date()): Promise<number> {
    const ids = await this.repository.openSessionIdsExpiredBefore(this.db, now, limit);
    return this.expireSessions(ids, now);
  }

  private newSession(
    kind: 'order' | 'cart',
    buyerId: string,
    amount: bigint,
    currency: string,
    returnUrl: string | null,
    orderIds: string[],
    now: Date,
  ): CheckoutSession {
    return {
      id: newSecretToken('cs'),
      kind,
      buyerId,
      amount,
      currency,
      status: 'open',
      returnUrl,
      paymentId: null,
      expiresAt: new Date(now.getTime() + this.config.checkoutExpiresAfterMs),
      paidAt: null,
      createdAt: now,
      orderIds,
    };
  }
}

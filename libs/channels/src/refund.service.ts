import { Inject, Injectable, Logger } from '@nestjs/common';
import { Accounts, LedgerService, type LedgerReconciler } from '@danbao/ledger';
import { OutboxService } from '@danbao/notifications';
import {
  AuditLog,
  type AuditActor,
  Database,
  isDuplicateKeyError,
  newId,
  runInTransaction,
  type Tx,
} from '@danbao/platform';
import { PaymentChannels } from './payment-channel';
import { RefundRepository } from './refund.repository';
import { type Refund, type RefundResult, type RefundSource, toRefundObject } from './refund.types';

/** A requested refund the channel has not answered this long after it was sent is sent again. */
const RESEND_AFTER_MS = 10 * 60_000;

/** Why an admin's retry of a refund was refused. */
export type RefundRetryRefusal = 'refund_not_found' | 'refund_not_failed' | 'refund_already_retried';

export interface RefundOutcome {
  outcome: 'applied' | 'duplicate' | 'flagged';
  reviewReason?: string;
  refund?: Refund;
}

/**
 * Refunds through the payment's channel: money that goes back to a buyer is requested from the
 * channel after the deciding transaction commits, and booked only when the channel confirms it
 * (`refund.succeeded`). Until then it waits where it is (suspense here; escrow with disputes).
 * This lib owns the `suspense:*` accounts: a captured payment no order could take goes in, and
 * comes out to the channel when its refund is confirmed.
 */
@Injectable()
export class RefundService {
  private readonly logger = new Logger(RefundService.name);
  private readonly refunds = new RefundRepository();

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(LedgerService) private readonly ledger: LedgerService,
    @Inject(PaymentChannels) private readonly channels: PaymentChannels,
    @Inject(AuditLog) private readonly audit: AuditLog,
    @Inject(OutboxService) private readonly outbox: OutboxService,
  ) {}

  /**
   * A captured payment that no order can take any more: in the caller's transaction, its money is
   * booked into `suspense:<payment>` (so the books show it) and a refund of all of it is requested.
   * Send the refund after commit (send()).
   */
  async holdInSuspense(
    tx: Tx,
    payment: { id: string; channel: string; amount: bigint; currency: string },
    reason: string,
    now: Date,
  ): Promise<Refund> {
    await this.ledger.post(tx, {
      reference: `suspense:${payment.id}`,
      kind: 'suspense',
      metadata: { payment_id: payment.id, reason },
      postings: [
        { account: Accounts.channel(payment.channel), currency: payment.currency, amount: -payment.amount },
        { account: Accounts.suspense(payment.id), currency: payment.currency, amount: payment.amount },
      ],
    });
    return this.request(
      tx,
      { ...payment, paymentId: payment.id, source: 'suspense', orderId: null, reason },
      now,
    );
  }

  /**
   * Records a refund request in the caller's transaction (the money stays where it waits until
   * the channel confirms). Send it after commit (send()).
   */
  async request(
    tx: Tx,
    input: {
      paymentId: string;
      channel: string;
      source: RefundSource;
      orderId: string | null;
      amount: bigint;
      currency: string;
      reason: string;
      retryOf?: string;
    },
    now: Date,
  ): Promise<Refund> {
    if (input.amount <= 0n) throw new Error(`A refund must be of a positive amount, not ${input.amount}.`);
    const refund: Refund = {
      id: newId('rfd'),
      paymentId: input.paymentId,
      channel: input.channel,
      source: input.source,
      orderId: input.orderId,
      amount: input.amount,
      currency: input.currency,
      status: 'requested',
      reason: input.reason,
      retryOf: input.retryOf ?? null,
      failureCode: null,
      channelReference: null,
      sentAt: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.refunds.insert(tx, refund);
    return refund;
  }

  /**
   * An admin retries a refund the channel refused: a new refund of the same money through the same
   * channel, sent after commit. Only a failed refund can be retried, and only once (a retry that
   * fails is retried in turn); a second retry of the same refund answers `refund_already_retried`.
   */
  async retry(
    refundId: string,
    actor: AuditActor,
    requestId?: string | null,
    now = new Date(),
  ): Promise<Refund | RefundRetryRefusal> {
    let retried: Refund | RefundRetryRefusal;
    try {
      retried = await runInTransaction(this.db, async (tx) => {
        const failed = await this.refunds.find(tx, refundId, true);
        if (!failed) return 'refund_not_found' as const;
        if (failed.status !== 'failed') return 'refund_not_failed' as const;
        const retry = await this.request(tx, { ...failed, reason: failed.reason, retryOf: failed.id }, now);
        await this.audit.record(
          tx,
          {
            actor,
            action: 'refund.retry',
            subjectType: 'refund',
            subjectId: failed.id,
            before: { id: failed.id, status: failed.status, failure_code: failed.failureCode },
            after: { retry_id: retry.id, amount: retry.amount.toString(), currency: retry.currency },
            requestId,
          },
          now,
        );
        return retry;
      });
    } catch (error) {
      if (isDuplicateKeyError(error)) return 'refund_already_retried';
      throw error;
    }
    if (typeof retried !== 'string') await this.send(retried);
    return retried;
  }

  /** A refund, locked in the caller's transaction (an admin's retry decides under its lock). */
  async lock(tx: Tx, id: string): Promise<Refund | undefined> {
    return this.refunds.find(tx, id, true);
  }

  async find(id: string, tx: Tx = this.db): Promise<Refund | undefined> {
    return this.refunds.find(tx, id);
  }

  /** An order's refunds (of its hold), oldest first. */
  async forOrder(orderId: string, tx: Tx = this.db): Promise<Refund[]> {
    return this.refunds.forOrder(tx, orderId);
  }

  /** Refunds in a status, oldest first (admins see the failed ones). */
  async list(status: Refund['status'], limit: number, startingAfter?: string): Promise<Refund[]> {
    return this.refunds.list(this.db, status, limit, startingAfter);
  }

  /**
   * Asks the channel to refund (after the request committed). A failure to reach it is logged and
   * left to the sweep (resendUnanswered); the channel deduplicates by refund id.
   */
  async send(refund: Refund): Promise<void> {
    try {
      await this.channels.named(refund.channel).refund(refund);
      await this.refunds.markSent(this.db, refund.id, new Date());
    } catch (error) {
      this.logger.warn(
        { refund: refund.id, err: String(error) },
        'refund not sent; the sweep sends it again',
      );
    }
  }

  /** Sweep: sends again the refunds the channel never answered; returns how many. */
  async resendUnanswered(now = new Date(), limit = 500): Promise<number> {
    const refunds = await this.refunds.unanswered(this.db, new Date(now.getTime() - RESEND_AFTER_MS), limit);
    for (const refund of refunds) await this.send(refund);
    return refunds.length;
  }

  /**
   * The channel's answer to a refund, in the notification's transaction. For a suspense refund a
   * success books the money out of suspense to the channel here; an escrow refund's success is
   * booked by escrow (the caller passes the applied refund on). A failure leaves the money where it
   * waited, visible to admins. A repeat changes nothing; a mismatch or a late contradiction is
   * flagged and moves nothing.
   */
  async applyResult(
    tx: Tx,
    refundId: string,
    result: RefundResult,
    now = new Date(),
  ): Promise<RefundOutcome> {
    const refund = await this.refunds.find(tx, refundId, true);
    if (!refund) return { outcome: 'flagged', reviewReason: 'unknown_reference' };
    if (refund.amount !== result.amount || refund.currency !== result.currency) {
      return { outcome: 'flagged', reviewReason: 'amount_mismatch', refund };
    }
    const status = result.succeeded ? 'succeeded' : 'failed';
    if (refund.status !== 'requested') {
      if (refund.status === status) return { outcome: 'duplicate', refund };
      return { outcome: 'flagged', reviewReason: 'late_contradiction', refund };
    }
    const failureCode = result.succeeded ? null : (result.failureCode ?? 'refund_failed');
    await this.refunds.finish(tx, refund.id, status, result.channelReference, failureCode, now);
    if (result.succeeded && refund.source !== 'escrow') {
      await this.ledger.post(tx, {
        reference: `refund:${refund.id}`,
        kind: 'refund',
        orderId: refund.orderId ?? undefined,
        metadata: { refund_id: refund.id, payment_id: refund.paymentId, reason: refund.reason },
        postings: [
          { account: Accounts.suspense(refund.paymentId), currency: refund.currency, amount: -refund.amount },
          { account: Accounts.channel(refund.channel), currency: refund.currency, amount: refund.amount },
        ],
      });
    }
    const answered: Refund = {
      ...refund,
      status,
      failureCode,
      channelReference: result.channelReference,
      updatedAt: now,
    };
    if (!result.succeeded) {
      // The money stays where it waited; admins see the failed refund and may retry it.
      await this.outbox.record(tx, 'refund.failed', refund.id, toRefundObject(answered), now);
      this.logger.warn({ refund: refund.id, failure: failureCode }, 'the channel refused a refund');
    }
    return { outcome: 'applied', refund: answered };
  }

  /** The refunds of these payments, oldest first. */
  async forPayments(paymentIds: string[], tx: Tx = this.db): Promise<Refund[]> {
    return this.refunds.forPayments(tx, paymentIds);
  }

  /** For the books check: suspense holds exactly what its refunds still owe (suspenseReconciler). */
  get suspenseReconciler(): LedgerReconciler {
    return suspenseReconciler(this.ledger);
  }
}

/**
 * For the books check: every `suspense:<payment>` balance equals what its refunds still owe the
 * buyer (requested or failed, not yet confirmed by the channel), and the other way round.
 */
export function suspenseReconciler(ledger: LedgerService): LedgerReconciler {
  const refunds = new RefundRepository();
  return async (tx) => {
    const [balances, owed] = await Promise.all([ledger.balances('suspense:', tx), refunds.suspenseOwed(tx)]);
    const violations: Awaited<ReturnType<LedgerReconciler>> = [];
    const seen = new Set<string>();
    for (const balance of balances) {
      const paymentId = balance.account.slice('suspense:'.length);
      seen.add(paymentId);
      const expected = owed.get(paymentId);
      const expectedAmount = expected && expected.currency === balance.currency ? expected.amount : 0n;
      if (balance.balance !== expectedAmount) {
        violations.push({
          kind: 'balance_unexplained',
          account: balance.account,
          detail: `${balance.account} holds ${balance.balance} ${balance.currency}; its refunds still owe ${expectedAmount}`,
        });
      }
    }
    for (const [paymentId, expected] of owed) {
      if (seen.has(paymentId) || expected.amount === 0n) continue;
      violations.push({
        kind: 'balance_unexplained',
        account: Accounts.suspense(paymentId),
        detail: `refunds of ${paymentId} owe ${expected.amount} ${expected.currency} but suspense holds nothing`,
      });
    }
    return violations;
  };
}

import { Inject, Injectable, Logger } from '@nestjs/common';
import { Accounts, LedgerService, type LedgerReconciler } from '@danbao/ledger';
import { Database, newId, type Tx } from '@danbao/platform';
import { PaymentChannels } from './payment-channel';
import { RefundRepository } from './refund.repository';
import type { Refund, RefundResult } from './refund.types';

/** A requested refund the channel has not answered this long after it was sent is sent again. */
const RESEND_AFTER_MS = 10 * 60_000;

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
    const refund: Refund = {
      id: newId('rfd'),
      paymentId: payment.id,
      channel: payment.channel,
      source: 'suspense',
      orderId: null,
      amount: payment.amount,
      currency: payment.currency,
      status: 'requested',
      reason,
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
   * The channel's answer to a refund, in the notification's transaction. A success books the money
   * out of where it waited to the channel; a failure leaves it there, visible to admins. A repeat
   * changes nothing; a mismatch or a late contradiction is flagged and moves nothing.
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
    if (result.succeeded) {
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
    } else {
      this.logger.warn({ refund: refund.id, failure: failureCode }, 'the channel refused a refund');
    }
    return {
      outcome: 'applied',
      refund: { ...refund, status, failureCode, channelReference: result.channelReference, updatedAt: now },
    };
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

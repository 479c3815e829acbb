import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import {
  APP_CONFIG,
  AppConfig,
  isDuplicateKeyError,
  JobHandler,
  newId,
  QueueRegistry,
  Database,
  signPayload,
} from '@danbao/platform';
import { toJsonAmount } from '@danbao/money';
import type { ChannelPaymentResult, ChannelReportLine, PaymentChannel } from './payment-channel';

/** The sandbox acquirer's name: in its notification URL, on its payments and holds, in the ledger. */
export const SANDBOX_CHANNEL_NAME = 'sandbox';

/** The sandbox acquirer's own queue: it stands for a remote party, so it never shares ours. */
export const SANDBOX_QUEUE = 'sandbox-channel';
export const SANDBOX_DELIVER_JOB = 'deliver';

export interface SandboxNotification {
  id: string;
  type:
    | 'payment.succeeded'
    | 'payment.failed'
    | 'refund.succeeded'
    | 'refund.failed'
    | 'payout.paid'
    | 'payout.failed';
  created: number;
  data: {
    reference: string;
    amount: number;
    currency: string;
    channel_reference: string;
    failure_code?: string;
  };
}

type CardBehaviour =
  | { result: 'succeeded' }
  | { result: 'failed'; failureCode: string }
  | { result: 'duplicated' }
  | { result: 'silent' };

/** The test cards of API.md; any other valid card succeeds. */
export function sandboxBehaviour(digits: string): CardBehaviour {
  switch (digits) {
    case '4000000000000002':
      return { result: 'failed', failureCode: 'card_declined' };
    case '4000000000009995':
      return { result: 'failed', failureCode: 'insufficient_funds' };
    case '4000000000000077':
      return { result: 'duplicated' };
    case '4000000000000341':
      return { result: 'silent' };
    default:
      return { result: 'succeeded' };
  }
}

/**
 * The test card whose payments succeed and whose first refund the sandbox refuses
 * (`refund_declined`); a retry of it succeeds.
 */
export const REFUND_FAILS_CARD_LAST4 = '5126';

/**
 * The sandbox bank refuses a payout to a seller whose id ends with this (`account_closed`), so that
 * a failed payout can be tested end to end.
 */
export const PAYOUT_FAILS_SELLER_SUFFIX = '_bank_closed';

interface ChargeRow {
  id: string;
  amount: string;
  currency: string;
  card_last4: string | null;
  result: string;
  failure_code: string | null;
}

const DELIVERY_OPTIONS = {
  attempts: 12,
  backoff: { type: 'exponential', delay: 500 },
  removeOnComplete: 1000,
  removeOnFail: 5000,
};

/**
 * A built-in acquirer that behaves like a remote one: it keeps its own record of every charge,
 * refund and payout (deduplicated by our payment or refund id, as a real acquirer's idempotency key), and
 * answers later and asynchronously by POSTing a signed notification to our notification endpoint,
 * retrying until it is accepted. It is a test channel: it moves no real money.
 */
@Injectable()
export class SandboxChannel implements PaymentChannel {
  readonly name = SANDBOX_CHANNEL_NAME;
  readonly notificationSecret: string;

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(QueueRegistry) private readonly queues: QueueRegistry,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.notificationSecret = config.sandboxChannelSecret;
  }

  async charge(payment: { id: string; amount: bigint; currency: string }, digits: string): Promise<void> {
    const behaviour = sandboxBehaviour(digits);
    const failureCode = behaviour.result === 'failed' ? behaviour.failureCode : null;
    const chargeId = await this.record('payment', payment.id, payment, {
      cardLast4: digits.slice(-4),
      result: behaviour.result === 'failed' ? 'failed' : 'succeeded',
      failureCode,
    });
    if (chargeId === undefined || behaviour.result === 'silent') return;
    const notification = this.notification(
      behaviour.result === 'failed' ? 'payment.failed' : 'payment.succeeded',
      payment.id,
      payment,
      chargeId,
      failureCode,
    );
    if (behaviour.result === 'duplicated') {
      // The same notification twice, the later copy overtaking the first.
      await this.deliver(notification, `${notification.id}-1`, 400);
      await this.deliver(notification, `${notification.id}-2`, 100);
    } else {
      await this.deliver(notification, notification.id, 100);
    }
  }

  async refund(refund: { id: string; paymentId: string; amount: bigint; currency: string }): Promise<void> {
    // Asked again for a refund it already decided (its answer was lost): it answers again, with
    // what it decided then, as a real acquirer's idempotent refund call does.
    const [decided] = await this.db.query<ChargeRow[]>(
      "SELECT * FROM sandbox_charges WHERE kind = 'refund' AND reference = ?",
      [refund.id],
    );
    if (decided) {
      const notification = this.notification(
        decided.result === 'failed' ? 'refund.failed' : 'refund.succeeded',
        refund.id,
        { amount: BigInt(decided.amount), currency: decided.currency },
        decided.id,
        decided.failure_code,
      );
      await this.deliver(notification, notification.id, 100);
      return;
    }
    const [charge] = await this.db.query<ChargeRow[]>(
      "SELECT * FROM sandbox_charges WHERE kind = 'payment' AND reference = ?",
      [refund.paymentId],
    );
    const [refunded] = await this.db.query<{ total: string | null; tries: number }[]>(
      `SELECT SUM(CASE WHEN result = 'succeeded' THEN amount ELSE 0 END) AS total, COUNT(*) AS tries
       FROM sandbox_charges WHERE kind = 'refund' AND payment_reference = ?`,
      [refund.paymentId],
    );
    // A refund of a payment the sandbox never charged, or beyond what it charged, is refused as a
    // real acquirer would; so is the first refund of the refund-failing test card.
    const failureCode =
      charge === undefined || charge.result !== 'succeeded'
        ? 'payment_not_captured'
        : BigInt(charge.amount) - BigInt(refunded?.total ?? '0') < refund.amount ||
            charge.currency !== refund.currency
          ? 'amount_exceeds_capture'
          : charge.card_last4 === REFUND_FAILS_CARD_LAST4 && Number(refunded?.tries ?? 0) === 0
            ? 'refund_declined'
            : null;
    const refundId = await this.record('refund', refund.id, refund, {
      paymentReference: refund.paymentId,
      cardLast4: charge?.card_last4 ?? null,
      result: failureCode ? 'failed' : 'succeeded',
      failureCode,
    });
    if (refundId === undefined) return; // decided by a concurrent call, which answers
    const notification = this.notification(
      failureCode ? 'refund.failed' : 'refund.succeeded',
      refund.id,
      refund,
      refundId,
      failureCode,
    );
    await this.deliver(notification, notification.id, 100);
  }

  async payout(payout: { id: string; sellerId: string; amount: bigint; currency: string }): Promise<void> {
    const [decided] = await this.db.query<ChargeRow[]>(
      "SELECT * FROM sandbox_charges WHERE kind = 'payout' AND reference = ?",
      [payout.id],
    );
    const failureCode = payout.sellerId.endsWith(PAYOUT_FAILS_SELLER_SUFFIX) ? 'account_closed' : null;
    const transferId =
      decided?.id ??
      (await this.record('payout', payout.id, payout, {
        paymentReference: payout.sellerId,
        cardLast4: null,
        result: failureCode ? 'failed' : 'succeeded',
        failureCode,
      }));
    if (transferId === undefined) return; // decided by a concurrent call, which answers
    // Asked again (its answer was lost), it answers again with what it decided then.
    const failed = decided ? decided.result === 'failed' : failureCode !== null;
    const notification = this.notification(
      failed ? 'payout.failed' : 'payout.paid',
      payout.id,
      decided ? { amount: BigInt(decided.amount), currency: decided.currency } : payout,
      transferId,
      decided ? decided.failure_code : failureCode,
    );
    await this.deliver(notification, notification.id, 100);
  }

  async paymentResult(paymentId: string): Promise<ChannelPaymentResult> {
    const [charge] = await this.db.query<ChargeRow[]>(
      "SELECT * FROM sandbox_charges WHERE kind = 'payment' AND reference = ?",
      [paymentId],
    );
    if (!charge) return { status: 'unknown' };
    return {
      status: charge.result === 'failed' ? 'failed' : 'succeeded',
      amount: BigInt(charge.amount),
      currency: charge.currency,
      channelReference: charge.id,
      ...(charge.failure_code ? { failureCode: charge.failure_code } : {}),
    };
  }

  /**
   * The sandbox's daily settlement report: every charge, refund and payout it recorded on that UTC
   * day (by its own record's time), oldest first. It is built from its own table only, never
   * from ours, so reconciliation compares two independent records.
   */
  async settlementReport(date: string): Promise<ChannelReportLine[]> {
    const from = new Date(`${date}T00:00:00.000Z`);
    if (Number.isNaN(from.getTime())) throw new Error(`Not a date: ${date}`);
    const to = new Date(from.getTime() + 86_400_000);
    const rows = await this.db.query<(ChargeRow & { kind: ChannelReportLine['type']; reference: string })[]>(
      `SELECT id, kind, reference, amount, currency, result FROM sandbox_charges
       WHERE created_at >= ? AND created_at < ? ORDER BY created_at, id`,
      [from, to],
    );
    return rows.map((row) => ({
      type: row.kind,
      reference: row.reference,
      channelReference: row.id,
      amount: BigInt(row.amount),
      currency: row.currency,
      status: row.result === 'failed' ? 'failed' : 'succeeded',
    }));
  }

  /**
   * The sandbox's own record of a charge or refund, once per our id; answers its id, or undefined
   * when this id was recorded before (asked twice: nothing new happens).
   */
  private async record(
    kind: 'payment' | 'refund' | 'payout',
    reference: string,
    money: { amount: bigint; currency: string },
    outcome: {
      paymentReference?: string;
      cardLast4: string | null;
      result: 'succeeded' | 'failed';
      failureCode: string | null;
    },
  ): Promise<string | undefined> {
    const id = newId(kind === 'payment' ? 'ch' : kind === 'refund' ? 're' : 'tr');
    try {
      await this.db.query(
        `INSERT INTO sandbox_charges (id, kind, reference, payment_reference, amount, currency, card_last4, result, failure_code, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          id,
          kind,
          reference,
          outcome.paymentReference ?? null,
          money.amount.toString(),
          money.currency,
          outcome.cardLast4,
          outcome.result,
          outcome.failureCode,
          new Date(),
        ],
      );
      return id;
    } catch (error) {
      if (isDuplicateKeyError(error)) return undefined;
      throw error;
    }
  }

  private notification(
    type: SandboxNotification['type'],
    reference: string,
    money: { amount: bigint; currency: string },
    channelReference: string,
    failureCode: string | null,
  ): SandboxNotification {
    return {
      id: newId('ntf'),
      type,
      created: Math.floor(Date.now() / 1000),
      data: {
        reference,
        amount: toJsonAmount(money.amount),
        currency: money.currency,
        channel_reference: channelReference,
        ...(failureCode ? { failure_code: failureCode } : {}),
      },
    };
  }

  private async deliver(notification: SandboxNotification, jobId: string, delay: number): Promise<void> {
    await this.queues
      .get(SANDBOX_QUEUE)
      .add(SANDBOX_DELIVER_JOB, notification, { ...DELIVERY_OPTIONS, jobId, delay });
  }
}

/** Delivers one sandbox notification to PUBLIC_URL, signed now; a non-2xx answer is retried. */
@Injectable()
export class SandboxDeliveryHandler implements JobHandler {
  readonly queue = SANDBOX_QUEUE;
  readonly jobName = SANDBOX_DELIVER_JOB;
  private readonly logger = new Logger(SandboxDeliveryHandler.name);

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async handle(job: Job<SandboxNotification>): Promise<number> {
    const body = JSON.stringify(job.data);
    const response = await fetch(
      `${this.config.publicUrl}/v1/channels/${SANDBOX_CHANNEL_NAME}/notifications`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'danbao-signature': signPayload(this.config.sandboxChannelSecret, body),
        },
        body,
        signal: AbortSignal.timeout(10_000),
      },
    );
    if (!response.ok) {
      this.logger.warn(
        { notification: job.data.id, status: response.status },
        'sandbox notification refused; will retry',
      );
      throw new Error(`notification endpoint answered ${response.status}`);
    }
    return response.status;
  }
}

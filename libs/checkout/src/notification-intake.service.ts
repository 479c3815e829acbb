import { Inject, Injectable, Logger } from '@nestjs/common';
import { Histogram } from 'prom-client';
import {
  batchElseEach,
  isDuplicateKeyError,
  MicroBatcher,
  REQUEST_BATCHING,
  runInTransaction,
  type Tx,
  Database,
} from '@danbao/platform';
import { HoldResolutionService, RefundAfterReleaseService } from '@danbao/escrow';
import { NotificationRejectedError, UnknownChannelError } from './checkout.errors';
import { CheckoutService } from './checkout.service';
import { PaymentChannels, type Refund, RefundService, verifySignature } from '@danbao/channels';
import { PayoutService } from '@danbao/settlement';

export interface IntakeResult {
  id: string;
  outcome: 'applied' | 'duplicate' | 'flagged' | 'ignored';
  review_reason?: string;
}

interface ParsedNotification {
  id: string;
  type: string;
  data: {
    reference: string;
    amount?: unknown;
    currency?: unknown;
    channel_reference?: unknown;
    failure_code?: unknown;
  };
}

/** Rolls back the work of a notification whose id was stored before. */
class RepeatedNotification extends Error {}

/** A verified notification waiting for its batch. */
interface Received {
  channel: string;
  notification: ParsedNotification;
  rawBody: string;
}

export const intakeBatchSize = new Histogram({
  name: 'danbao_notification_intake_batch_size',
  help: 'Channel notifications received together and decided by one batch',
  buckets: [1, 2, 4, 8, 16, 32, 64],
});

type PaymentResult = NonNullable<ReturnType<typeof paymentResultOf>>;

/** A payment's or refund's result as it is applied, or null when amount or currency is malformed. */
function paymentResultOf(notification: ParsedNotification, channel: string) {
  const { data } = notification;
  if (
    typeof data.amount !== 'number' ||
    !Number.isSafeInteger(data.amount) ||
    typeof data.currency !== 'string'
  ) {
    return null;
  }
  return {
    paymentId: data.reference,
    channel,
    succeeded: notification.type.endsWith('.succeeded'),
    amount: BigInt(data.amount),
    currency: data.currency,
    channelReference: typeof data.channel_reference === 'string' ? data.channel_reference.slice(0, 128) : '',
    failureCode: typeof data.failure_code === 'string' ? data.failure_code.slice(0, 64) : undefined,
  };
}

/**
 * The members a batch may apply in bulk: payment.succeeded with a well-formed amount whose
 * reference and id appear only once in the batch. Anything else is decided one by one.
 */
function bulkSuccesses(batch: Received[]): Map<Received, PaymentResult> {
  const references = new Map<string, number>();
  const ids = new Map<string, number>();
  for (const { notification } of batch) {
    references.set(notification.data.reference, (references.get(notification.data.reference) ?? 0) + 1);
    ids.set(notification.id, (ids.get(notification.id) ?? 0) + 1);
  }
  const bulk = new Map<Received, PaymentResult>();
  for (const received of batch) {
    const { notification } = received;
    const result =
      notification.type === 'payment.succeeded' ? paymentResultOf(notification, received.channel) : null;
    if (result && references.get(notification.data.reference) === 1 && ids.get(notification.id) === 1) {
      bulk.set(received, result);
    }
  }
  return bulk;
}

const appliedResult = ({ notification }: Received): IntakeResult => ({
  id: notification.id,
  outcome: 'applied',
});

/** Stores notifications with their outcomes, several rows in one statement. */
async function storeNotifications(
  tx: Tx,
  rows: { received: Received; result: IntakeResult }[],
): Promise<void> {
  const now = new Date();
  await tx.query(
    `INSERT INTO channel_notifications (channel, notification_id, type, reference, body, outcome, review_reason, received_at)
     VALUES ${rows.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
    rows.flatMap(({ received: { channel, notification, rawBody }, result }) => [
      channel,
      notification.id,
      notification.type,
      notification.data.reference,
      rawBody,
      result.outcome,
      result.review_reason ?? null,
      now,
    ]),
  );
}

function parse(body: string): ParsedNotification {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new NotificationRejectedError('body is not JSON');
  }
  const candidate = value as Partial<ParsedNotification> | null;
  if (
    !candidate ||
    typeof candidate !== 'object' ||
    typeof candidate.id !== 'string' ||
    !/^[A-Za-z0-9_.:-]{1,128}$/.test(candidate.id) ||
    typeof candidate.type !== 'string' ||
    candidate.type.length > 64 ||
    !candidate.data ||
    typeof candidate.data !== 'object' ||
    typeof candidate.data.reference !== 'string' ||
    candidate.data.reference.length > 128
  ) {
    throw new NotificationRejectedError('id, type or data.reference missing');
  }
  return candidate as ParsedNotification;
}

/**
 * Channel notifications in: verified against the channel's secret and the 5-minute window over
 * the raw body, stored once by their own id, and applied in the same transaction as they are
 * stored. Anything authentic answers 200 once stored, whether it applied or was flagged.
 */
@Injectable()
export class NotificationIntakeService {
  private readonly logger = new Logger(NotificationIntakeService.name);
  private readonly batcher = new MicroBatcher<Received, IntakeResult>({
    ...REQUEST_BATCHING,
    run: (batch) => this.receiveBatch(batch),
  });

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(PaymentChannels) private readonly channels: PaymentChannels,
    @Inject(RefundService) private readonly refunds: RefundService,
    @Inject(CheckoutService) private readonly checkout: CheckoutService,
    @Inject(HoldResolutionService) private readonly holdResolution: HoldResolutionService,
    @Inject(PayoutService) private readonly payouts: PayoutService,
    @Inject(RefundAfterReleaseService) private readonly refundsAfterRelease: RefundAfterReleaseService,
  ) {}

  async receive(
    channel: string,
    rawBody: string,
    signatureHeader: string | undefined,
  ): Promise<IntakeResult> {
    const paymentChannel = this.channels.get(channel);
    if (!paymentChannel) throw new UnknownChannelError(channel);
    const check = verifySignature(paymentChannel.notificationSecret, rawBody, signatureHeader);
    if (!check.valid) throw new NotificationRejectedError(check.reason);
    const notification = parse(rawBody);
    return this.batcher.submit({ channel, notification, rawBody });
  }

  /**
   * Notifications that arrived together, in one transaction where it is safe: the clean
   * successes (most of them) are applied in bulk and stored in one INSERT. Everything else — a
   * failure, an unknown or mismatched payment, a repeat, a second notification of one payment in
   * this batch — is then decided alone, in arrival order, by receiveOne, exactly as if it had
   * come by itself. If the bulk transaction fails (a repeated id raced in, a deadlock after its
   * retries), every member is decided alone: nothing is lost and nothing moves twice.
   */
  private async receiveBatch(batch: Received[]): Promise<Array<IntakeResult | Error>> {
    intakeBatchSize.observe(batch.length);
    return batchElseEach<Received, IntakeResult>(batch, {
      batch: (members) => this.applyInBulk(members),
      alone: (received) => this.receiveOne(received),
      onBatchFailure: (error, members) =>
        this.logger.warn(
          { notifications: members.length, err: String(error) },
          'batched notifications failed together; deciding each alone',
        ),
    });
  }

  /**
   * The bulk path of a batch: its clean successes applied and stored in one transaction. Answers
   * their results, and undefined for every other member (decided alone afterwards).
   */
  private async applyInBulk(batch: Received[]): Promise<Array<IntakeResult | undefined>> {
    const bulk = bulkSuccesses(batch);
    if (bulk.size === 0) return batch.map(() => undefined);
    const applied = await runInTransaction(this.db, async (tx) => {
      const paid = await this.checkout.applySucceededPayments(tx, [...bulk.values()]);
      const stored = [...bulk.keys()]
        .filter(({ notification }) => paid.has(notification.data.reference))
        .map((received) => ({ received, result: appliedResult(received) }));
      if (stored.length > 0) await storeNotifications(tx, stored);
      return paid;
    });
    return batch.map((received) =>
      bulk.has(received) && applied.has(received.notification.data.reference)
        ? appliedResult(received)
        : undefined,
    );
  }

  /** One notification in its own transaction: applied, then stored with its outcome. */
  private async receiveOne(received: Received): Promise<IntakeResult> {
    const { notification } = received;
    let toSend: Refund | undefined;
    try {
      const result = await runInTransaction(this.db, async (tx): Promise<IntakeResult> => {
        // Applied first, stored with its outcome in the same transaction: a notification id seen
        // before fails the insert, and the rollback undoes whatever this repeat did.
        const { result: applied, refund } = await this.apply(tx, received);
        try {
          await storeNotifications(tx, [{ received, result: applied }]);
        } catch (error) {
          if (isDuplicateKeyError(error)) throw new RepeatedNotification();
          throw error;
        }
        toSend = refund;
        return applied;
      });
      // Money going back to the buyer is asked of the channel only once its request committed.
      if (toSend) await this.refunds.send(toSend);
      if (result.outcome === 'flagged') {
        this.logger.warn(
          { notification: notification.id, reason: result.review_reason },
          'notification flagged for review',
        );
      }
      return result;
    } catch (error) {
      if (error instanceof RepeatedNotification) return { id: notification.id, outcome: 'duplicate' };
      throw error;
    }
  }

  private async apply(
    tx: Tx,
    { channel, notification }: Received,
  ): Promise<{ result: IntakeResult; refund?: Refund }> {
    const answer = (outcome: IntakeResult['outcome'], reviewReason?: string): IntakeResult => ({
      id: notification.id,
      outcome,
      ...(reviewReason ? { review_reason: reviewReason } : {}),
    });
    switch (notification.type) {
      case 'payment.succeeded':
      case 'payment.failed': {
        const result = paymentResultOf(notification, channel);
        if (!result) return { result: answer('flagged', 'amount_mismatch') };
        const applied = await this.checkout.applyPaymentResult(tx, result.paymentId, result);
        return { result: answer(applied.outcome, applied.reviewReason), refund: applied.refund };
      }
      case 'refund.succeeded':
      case 'refund.failed': {
        const result = paymentResultOf(notification, channel);
        if (!result) return { result: answer('flagged', 'amount_mismatch') };
        const pending = await this.refunds.find(notification.data.reference, tx);
        // Only the refund's own channel may answer for it.
        if (pending && pending.channel !== channel) return { result: answer('flagged', 'channel_mismatch') };
        if (pending?.source === 'escrow' && result.succeeded && pending.status === 'requested') {
          // Held money: the order and its hold are locked first (the escrow's lock order), and a
          // confirmation that would refund more than was decided moves nothing and is flagged.
          if (!(await this.holdResolution.lockForRefund(tx, pending))) {
            return { result: answer('flagged', 'exceeds_refund_due') };
          }
        }
        const applied = await this.refunds.applyResult(tx, notification.data.reference, result);
        // Held money leaves escrow only now that the channel confirmed it; escrow books it.
        if (applied.outcome === 'applied' && applied.refund?.status === 'succeeded') {
          await this.holdResolution.refundConfirmed(tx, applied.refund);
          await this.refundsAfterRelease.confirmed(tx, applied.refund);
        }
        return { result: answer(applied.outcome, applied.reviewReason) };
      }
      case 'payout.paid':
      case 'payout.failed': {
        const result = paymentResultOf(notification, channel);
        if (!result) return { result: answer('flagged', 'amount_mismatch') };
        const payout = await this.payouts.find(notification.data.reference);
        // Only the payout's own channel may answer for it.
        if (payout && payout.channel !== channel) return { result: answer('flagged', 'channel_mismatch') };
        const applied = await this.payouts.applyResult(tx, notification.data.reference, {
          ...result,
          succeeded: notification.type === 'payout.paid',
        });
        return { result: answer(applied.outcome, applied.reviewReason) };
      }
      default:
        return { result: answer('flagged', 'unsupported_type') };
    }
  }
}

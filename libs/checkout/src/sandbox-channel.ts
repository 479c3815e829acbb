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
} from '@danbao/platform';
import { toJsonAmount } from '@danbao/money';
import type { PaymentChannel } from './payment-channel';
import { signPayload } from './signature';

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
 * A built-in acquirer that behaves like a remote one: it keeps its own record of every charge
 * (deduplicated by our payment id, as a real acquirer's idempotency key), and answers later and
 * asynchronously by POSTing a signed notification to our notification endpoint, retrying until
 * it is accepted.
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
    const chargeId = newId('ch');
    const failureCode = behaviour.result === 'failed' ? behaviour.failureCode : null;
    try {
      await this.db.query(
        `INSERT INTO sandbox_charges (id, kind, reference, amount, currency, card_last4, result, failure_code, created_at)
         VALUES (?, 'payment', ?, ?, ?, ?, ?, ?, ?)`,
        [
          chargeId,
          payment.id,
          payment.amount.toString(),
          payment.currency,
          digits.slice(-4),
          behaviour.result === 'failed' ? 'failed' : 'succeeded',
          failureCode,
          new Date(),
        ],
      );
    } catch (error) {
      if (isDuplicateKeyError(error)) return; // charged before under this payment id: nothing new
      throw error;
    }
    if (behaviour.result === 'silent') return;
    const notification: SandboxNotification = {
      id: newId('ntf'),
      type: behaviour.result === 'failed' ? 'payment.failed' : 'payment.succeeded',
      created: Math.floor(Date.now() / 1000),
      data: {
        reference: payment.id,
        amount: toJsonAmount(payment.amount),
        currency: payment.currency,
        channel_reference: chargeId,
        ...(failureCode ? { failure_code: failureCode } : {}),
      },
    };
    const queue = this.queues.get(SANDBOX_QUEUE);
    const options = {
      attempts: 12,
      backoff: { type: 'exponential', delay: 500 },
      removeOnComplete: 1000,
      removeOnFail: 5000,
    };
    if (behaviour.result === 'duplicated') {
      // The same notification twice, the later copy overtaking the first.
      await queue.add(SANDBOX_DELIVER_JOB, notification, {
        ...options,
        jobId: `${notification.id}-1`,
        delay: 400,
      });
      await queue.add(SANDBOX_DELIVER_JOB, notification, {
        ...options,
        jobId: `${notification.id}-2`,
        delay: 100,
      });
    } else {
      await queue.add(SANDBOX_DELIVER_JOB, notification, { ...options, jobId: notification.id, delay: 100 });
    }
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

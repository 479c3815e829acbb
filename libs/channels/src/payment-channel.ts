import { Inject, Injectable } from '@nestjs/common';
import { ConfigError } from '@danbao/platform';

/** What a channel knows of a payment whose result never reached us. */
export type ChannelPaymentResult =
  | {
      status: 'succeeded' | 'failed';
      amount: bigint;
      currency: string;
      channelReference: string;
      failureCode?: string;
    }
  /** The channel never saw the payment: it was never charged. */
  | { status: 'unknown' };

/**
 * One line of a channel's daily settlement report: a payment, refund or payout as the channel
 * recorded it. `reference` is our id (the payment's, refund's or payout's), `channelReference`
 * the channel's own id of it.
 */
export interface ChannelReportLine {
  type: 'payment' | 'refund' | 'payout';
  reference: string;
  channelReference: string;
  amount: bigint;
  currency: string;
  status: 'succeeded' | 'failed';
}

/**
 * A payment channel (an acquirer): it charges the buyer's card, refunds, and answers
 * asynchronously with signed notifications to `/v1/channels/<name>/notifications`. Its `name` is
 * the one string that names it everywhere: that URL, `payments.channel`, `holds.channel`,
 * `refunds.channel` and the ledger account `channel:<name>` of the money it owes us.
 */
export interface PaymentChannel {
  readonly name: string;
  /** The secret its notifications are signed with (`Danbao-Signature`). */
  readonly notificationSecret: string;
  /** Asks the channel to charge a recorded payment; called after its row committed. */
  charge(payment: { id: string; amount: bigint; currency: string }, cardDigits: string): Promise<void>;
  /**
   * Asks the channel to refund (part of) a payment; called after the refund's row committed. The
   * refund id is the channel's idempotency key: asking twice refunds once. The result arrives as
   * `refund.succeeded` or `refund.failed`.
   */
  refund(refund: { id: string; paymentId: string; amount: bigint; currency: string }): Promise<void>;
  /**
   * Asks the channel to transfer a payout to the seller's bank; called after the payout's row
   * committed. The payout id is the channel's idempotency key: asking twice pays once. The result
   * arrives as `payout.paid` or `payout.failed`.
   */
  payout(payout: { id: string; sellerId: string; amount: bigint; currency: string }): Promise<void>;
  /** Asks the channel for a payment's result (a payment stuck in processing). */
  paymentResult(paymentId: string): Promise<ChannelPaymentResult>;
  /**
   * The channel's settlement report of one UTC day (`YYYY-MM-DD`): every payment, refund and
   * payout it recorded that day, as it recorded them. Reconciliation matches it against ours.
   */
  settlementReport(date: string): Promise<ChannelReportLine[]>;
}

/** The refusal of a configuration that runs no channel (today: SANDBOX_CHANNEL=off). */
export function noPaymentChannel(): ConfigError {
  return new ConfigError(
    'SANDBOX_CHANNEL',
    'is off and no other payment channel is configured (the sandbox is the only one so far), so nothing could be paid',
  );
}

/** The channels this deployment runs, as Nest provides them. */
export const PAYMENT_CHANNEL_LIST = Symbol('PAYMENT_CHANNEL_LIST');

/** The payment channels by name; the hosted card form pays through the card channel. */
@Injectable()
export class PaymentChannels {
  private readonly byName: Map<string, PaymentChannel>;

  constructor(@Inject(PAYMENT_CHANNEL_LIST) private readonly channels: PaymentChannel[]) {
    if (channels.length === 0) throw noPaymentChannel();
    this.byName = new Map(channels.map((channel) => [channel.name, channel]));
  }

  /** The channel of this name, or undefined for a name this deployment does not run. */
  get(name: string): PaymentChannel | undefined {
    return this.byName.get(name);
  }

  /** The channel of a stored payment, refund or hold: a name we recorded must still be run. */
  named(name: string): PaymentChannel {
    const channel = this.byName.get(name);
    if (!channel) throw new Error(`Payment channel ${name} is not configured in this deployment.`);
    return channel;
  }

  /** Every channel this deployment runs (reconciliation reads each one's report). */
  all(): readonly PaymentChannel[] {
    return this.channels;
  }

  /** The channel that pays sellers' payouts to their banks (the sandbox for now). */
  forPayouts(): PaymentChannel {
    return this.channels[0];
  }

  /** The channel that takes the hosted checkout's card form (the sandbox acquirer for now). */
  forCards(): PaymentChannel {
    return this.channels[0];
  }
}

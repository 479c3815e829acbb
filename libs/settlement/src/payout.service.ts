import { Inject, Injectable, Logger } from '@nestjs/common';
import { PaymentChannels } from '@danbao/channels';
import { Accounts, LedgerService, type PostInput } from '@danbao/ledger';
import { OutboxService } from '@danbao/notifications';
import {
  APP_CONFIG,
  AppConfig,
  Database,
  newId,
  type Page,
  QueueRegistry,
  runInTransaction,
  type Tx,
} from '@danbao/platform';
import { decidePayoutResult, runDateOf, settledSlices, type Credit } from './payout.state';
import { InsufficientAvailableError } from './settlement.errors';
import { SettlementRepository, type SellerSettlement } from './settlement.repository';
import { SETTLEMENT_QUEUE, SettlementService } from './settlement.service';
import { type Payout, type SettledCredit, toPayoutObject } from './settlement.types';

export const SEND_PAYOUT_JOB = 'send-payout';

/** A payout the channel has not answered this long after it was sent (or not sent) is sent again. */
const RESEND_AFTER_MS = 10 * 60_000;

export interface PayoutResult {
  succeeded: boolean;
  amount: bigint;
  currency: string;
  channelReference: string;
  failureCode?: string;
}

export interface PayoutRunSummary {
  runDate: string;
  payouts: number;
  /** Total paid out per currency, in minor units. */
  amounts: Record<string, bigint>;
}

/**
 * Payouts to sellers' banks. A payout moves `seller:available → seller:payout` in the transaction
 * that creates it, is sent to the channel after commit (a job per payout, deterministic id), and on
 * `payout.paid` moves on to `bank:payouts`, on `payout.failed` back to available. The daily run pays
 * each seller and currency once per run date (a unique key), whatever repeats.
 */
@Injectable()
export class PayoutService {
  private readonly logger = new Logger(PayoutService.name);
  private readonly repository = new SettlementRepository();

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(LedgerService) private readonly ledger: LedgerService,
    @Inject(OutboxService) private readonly outbox: OutboxService,
    @Inject(PaymentChannels) private readonly channels: PaymentChannels,
    @Inject(SettlementService) private readonly settlement: SettlementService,
    @Inject(QueueRegistry) private readonly queues: QueueRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * A seller asks for a payout of part (or all) of its available balance; above it,
   * InsufficientAvailableError. Released money whose delay has passed is matured first, so the
   * seller can be paid what GET /v1/balance shows as available.
   */
  async requestPayout(sellerId: string, amount: bigint, currency: string, now = new Date()): Promise<Payout> {
    // Matured in a transaction of its own, so that a refused request still leaves it matured.
    await this.settlement.mature(sellerId, currency, now);
    const payout = await runInTransaction(this.db, async (tx) => {
      const settlement = await this.settlement.lockSettlement(tx, sellerId, currency, now);
      const available = await this.ledger.balance(Accounts.sellerAvailable(sellerId), currency, tx);
      if (amount > available) throw new InsufficientAvailableError(available, currency);
      const [created] = await this.create(tx, [{ settlement, amount }], 'manual', null, now);
      return created;
    });
    await this.enqueueSends([payout]);
    return payout;
  }

  /**
   * The daily run: every seller and currency with at least PAYOUT_MINIMUM available gets one
   * payout of all of it, a page of sellers per transaction (so memory and lock time stay flat
   * however many sellers there are). A second run of the same date, or two at once, pays nobody
   * twice: the run date is part of a unique key, and each seller's row is locked while it is decided.
   */
  async runPayouts(now = new Date(), pageSize = 500): Promise<PayoutRunSummary> {
    const runDate = runDateOf(now, this.config.payoutRunAt);
    await this.db.query('INSERT IGNORE INTO payout_runs (run_date, started_at, payouts) VALUES (?, ?, 0)', [
      runDate,
      now,
    ]);
    const summary: PayoutRunSummary = { runDate, payouts: 0, amounts: {} };
    const minimum = BigInt(this.config.payoutMinimum);
    let after: { account: string; currency: string } | undefined;
    for (;;) {
      const page = await this.ledger.accountsWithBalance('seller:', ':available', {
        min: minimum,
        after,
        limit: pageSize,
      });
      if (page.length > 0) {
        const payouts = await this.payPage(
          page.map(({ account, currency }) => ({
            sellerId: account.slice('seller:'.length, -':available'.length),
            currency,
          })),
          runDate,
          minimum,
          now,
        );
        for (const payout of payouts) {
          summary.payouts += 1;
          summary.amounts[payout.currency] = (summary.amounts[payout.currency] ?? 0n) + payout.amount;
        }
        await this.enqueueSends(payouts);
      }
      if (page.length < pageSize) break;
      after = page[page.length - 1];
    }
    await this.db.query('UPDATE payout_runs SET finished_at = ?, payouts = payouts + ? WHERE run_date = ?', [
      new Date(),
      summary.payouts,
      runDate,
    ]);
    this.logger.log({ run: runDate, payouts: summary.payouts }, 'payout run finished');
    return summary;
  }

  /** One page of the run in one transaction: lock the sellers' rows, read, pay, post, record events. */
  private async payPage(
    keys: { sellerId: string; currency: string }[],
    runDate: string,
    minimum: bigint,
    now: Date,
  ): Promise<Payout[]> {
    return runInTransaction(this.db, async (tx) => {
      const settlements = await this.repository.lockSettlements(tx, keys, now);
      const paid = await this.repository.ofRun(tx, runDate, keys);
      const balances = await this.availableOf(tx, settlements);
      const due = settlements
        .map((settlement, index) => ({ settlement, amount: balances[index] }))
        .filter(
          ({ settlement, amount }) =>
            amount >= minimum && !paid.has(`${settlement.sellerId} ${settlement.currency}`),
        );
      return this.create(tx, due, 'scheduled', runDate, now);
    });
  }

  /** The available balances of these sellers, in their order, in one statement. */
  private async availableOf(tx: Tx, settlements: SellerSettlement[]): Promise<bigint[]> {
    const balances = new Map<string, bigint>();
    const found = await this.ledger.balancesOf(
      settlements.map((settlement) => Accounts.sellerAvailable(settlement.sellerId)),
      tx,
    );
    for (const { account, currency, balance } of found) balances.set(`${account} ${currency}`, balance);
    return settlements.map(
      (settlement) =>
        balances.get(`${Accounts.sellerAvailable(settlement.sellerId)} ${settlement.currency}`) ?? 0n,
    );
  }

  /** Creates payouts under their sellers' locks: rows, ledger moves to seller:payout, events. */
  private async create(
    tx: Tx,
    due: { settlement: SellerSettlement; amount: bigint }[],
    method: Payout['method'],
    runDate: string | null,
    now: Date,
  ): Promise<Payout[]> {
    if (due.length === 0) return [];
    const channel = this.channels.forPayouts().name;
    const payouts: Payout[] = due.map(({ settlement, amount }) => ({
      id: newId('po', now.getTime()),
      sellerId: settlement.sellerId,
      currency: settlement.currency,
      amount,
      status: 'pending',
      method,
      runDate,
      settlesFrom: settlement.debitedTotal,
      channel,
      channelReference: null,
      failureCode: null,
      sentAt: null,
      resolvedAt: null,
      createdAt: now,
      updatedAt: now,
    }));
    const inserted = await this.repository.insertPayouts(tx, payouts);
    if (inserted !== payouts.length) {
      // Another run of this date paid one of these sellers between our check and our insert:
      // roll back and let the caller's retry (or the next run) decide again.
      throw new Error(`payout run ${runDate}: ${payouts.length - inserted} payouts existed already`);
    }
    await this.repository.addDebited(
      tx,
      payouts.map((payout) => ({
        sellerId: payout.sellerId,
        currency: payout.currency,
        amount: payout.amount,
      })),
      now,
    );
    await this.ledger.postMany(tx, payouts.map(payoutPosting));
    await this.outbox.recordMany(
      tx,
      payouts.map((payout) => ({
        type: 'payout.created' as const,
        objectId: payout.id,
        object: toPayoutObject(payout),
      })),
      now,
    );
    return payouts;
  }

  /**
   * One job per payout asks the channel to pay it (ids only; deterministic job id, without `:`,
   * which BullMQ refuses in a custom id: the whole addBulk would fail and only the sweep would send).
   */
  async enqueueSends(payouts: Pick<Payout, 'id'>[]): Promise<void> {
    if (payouts.length === 0) return;
    try {
      await this.queues.get(SETTLEMENT_QUEUE).addBulk(
        payouts.map((payout) => ({
          name: SEND_PAYOUT_JOB,
          data: { payoutId: payout.id },
          opts: {
            jobId: `send-payout-${payout.id}`,
            attempts: 8,
            backoff: { type: 'exponential', delay: 1000 },
            removeOnComplete: 1000,
            removeOnFail: 5000,
          },
        })),
      );
    } catch (error) {
      this.logger.warn(
        { payouts: payouts.length, err: String(error) },
        'payout sends not queued; the sweep sends them',
      );
    }
  }

  /** Asks the channel to pay a payout that is still unanswered; the channel dedupes by payout id. */
  async send(payoutId: string, now = new Date()): Promise<'sent' | 'answered' | 'missing'> {
    const payout = await this.repository.find(this.db, payoutId);
    if (!payout) return 'missing';
    if (payout.status === 'paid' || payout.status === 'failed') return 'answered';
    await this.channels.named(payout.channel).payout(payout);
    await this.repository.markSent(this.db, payout.id, now);
    return 'sent';
  }

  /** Sweep: queues again the sends of payouts the channel never answered; returns how many. */
  async resendUnanswered(now = new Date(), limit = 500): Promise<number> {
    const payouts = await this.repository.unanswered(
      this.db,
      new Date(now.getTime() - RESEND_AFTER_MS),
      limit,
    );
    for (const payout of payouts) {
      try {
        await this.send(payout.id, now);
      } catch (error) {
        this.logger.warn(
          { payout: payout.id, err: String(error) },
          'payout not sent; the next sweep tries again',
        );
      }
    }
    return payouts.length;
  }

  /**
   * The channel's answer, in the notification's transaction: paid moves `seller:payout →
   * bank:payouts`; failed moves the money back to available (and nets what the seller owes). A
   * repeat changes nothing; a mismatch or a late contradiction is flagged and moves nothing.
   */
  async applyResult(
    tx: Tx,
    payoutId: string,
    result: PayoutResult,
    now = new Date(),
  ): Promise<{ outcome: 'applied' | 'duplicate' | 'flagged'; reviewReason?: string }> {
    const found = await this.repository.find(tx, payoutId);
    if (!found) return { outcome: 'flagged', reviewReason: 'unknown_reference' };
    // The seller's settlement lock first (the order of every settlement move), then the payout.
    const settlement = await this.settlement.lockSettlement(tx, found.sellerId, found.currency, now);
    const payout = (await this.repository.find(tx, payoutId, true))!;
    const decision = decidePayoutResult(payout, result);
    if (decision.kind === 'duplicate') return { outcome: 'duplicate' };
    if (decision.kind === 'flagged') return { outcome: 'flagged', reviewReason: decision.reason };
    const failureCode = decision.kind === 'failed' ? decision.failureCode : null;
    await this.repository.finish(tx, payout.id, decision.kind, result.channelReference, failureCode, now);
    const { sellerId, currency, amount } = payout;
    const answered: Payout = {
      ...payout,
      status: decision.kind,
      failureCode,
      channelReference: result.channelReference,
      resolvedAt: now,
      updatedAt: now,
    };
    if (decision.kind === 'paid') {
      await this.ledger.post(tx, {
        reference: `payout_paid:${payout.id}`,
        kind: 'payout_paid',
        metadata: { payout_id: payout.id, seller_id: sellerId },
        postings: [
          { account: Accounts.sellerPayout(sellerId), currency, amount: -amount },
          { account: Accounts.bankPayouts(), currency, amount },
        ],
      });
      await this.outbox.record(tx, 'payout.paid', payout.id, toPayoutObject(answered), now);
    } else {
      await this.ledger.post(tx, {
        reference: `payout_returned:${payout.id}`,
        kind: 'payout_returned',
        metadata: { payout_id: payout.id, seller_id: sellerId, failure_code: failureCode },
        postings: [
          { account: Accounts.sellerPayout(sellerId), currency, amount: -amount },
          { account: Accounts.sellerAvailable(sellerId), currency, amount },
        ],
      });
      await this.settlement.netReceivable(tx, settlement, now);
      await this.outbox.record(tx, 'payout.failed', payout.id, toPayoutObject(answered), now);
      this.logger.warn({ payout: payout.id, failure: failureCode }, 'the channel could not pay a payout');
    }
    return { outcome: 'applied' };
  }

  async list(sellerId: string, limit: number, startingAfter?: string): Promise<Page<Payout>> {
    return this.repository.list(this.db, sellerId, limit, startingAfter);
  }

  /** A seller's payout; undefined when it does not exist or is another seller's. */
  async find(id: string, sellerId?: string): Promise<Payout | undefined> {
    const payout = await this.repository.find(this.db, id);
    return payout && (sellerId === undefined || payout.sellerId === sellerId) ? payout : undefined;
  }

  /**
   * The credits a payout pays out, each traced to its order: debits of available consume credits
   * first in, first out, and the payout is the slice (settlesFrom, settlesFrom + amount] of them.
   */
  async settledCredits(payout: Payout): Promise<SettledCredit[]> {
    const credits: (Credit & { entry: SettledCredit })[] = [];
    const end = payout.settlesFrom + payout.amount;
    let cumulative = 0n;
    let after: { createdAt: Date; transactionId: string; id: string } | undefined;
    for (;;) {
      const page = await this.ledger.entriesOf([Accounts.sellerAvailable(payout.sellerId)], payout.currency, {
        after,
        increasesOnly: true,
        limit: 1000,
      });
      for (const entry of page) {
        cumulative += entry.amount;
        if (cumulative > payout.settlesFrom) {
          credits.push({
            entryId: entry.id,
            amount: entry.amount,
            cumulative,
            entry: {
              entryId: entry.id,
              transactionId: entry.transactionId,
              type:
                entry.kind === 'maturation'
                  ? 'sale'
                  : entry.kind === 'payout_returned'
                    ? 'payout_returned'
                    : 'adjustment',
              orderId: entry.orderId,
              payoutId: typeof entry.metadata?.payout_id === 'string' ? entry.metadata.payout_id : null,
              amount: entry.amount,
            },
          });
        }
        if (cumulative >= end) break;
      }
      if (cumulative >= end || page.length < 1000) break;
      after = page[page.length - 1];
    }
    const byEntry = new Map(credits.map((credit) => [credit.entryId, credit.entry]));
    return settledSlices(credits, payout.settlesFrom, payout.amount).map((slice) => ({
      ...byEntry.get(slice.entryId)!,
      amount: slice.amount,
    }));
  }
}

/** seller:available → seller:payout, when the payout is created. */
function payoutPosting(payout: Payout): PostInput {
  return {
    reference: `payout:${payout.id}`,
    kind: 'payout',
    metadata: { payout_id: payout.id, seller_id: payout.sellerId, method: payout.method },
    postings: [
      {
        account: Accounts.sellerAvailable(payout.sellerId),
        currency: payout.currency,
        amount: -payout.amount,
      },
      { account: Accounts.sellerPayout(payout.sellerId), currency: payout.currency, amount: payout.amount },
    ],
  };
}

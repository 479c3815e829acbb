import { Inject, Injectable, Logger } from '@nestjs/common';
import { Accounts, LedgerService, type PostInput } from '@danbao/ledger';
import {
  APP_CONFIG,
  AppConfig,
  AuditLog,
  type AuditActor,
  Database,
  newId,
  QueueRegistry,
  runInTransaction,
  type Tx,
} from '@danbao/platform';
import { payoutDelayOf, type PayoutDelays, type RiskTier, type SellerSettings } from './payout.state';
import { SettlementRepository, type SellerSettlement } from './settlement.repository';
import type { SellerBalance } from './settlement.types';

/** The queue of settlement's work: maturation doorbells, payout sends and the daily run. */
export const SETTLEMENT_QUEUE = 'settlement';
export const MATURE_JOB = 'mature';

/**
 * A release whose ledger entry was written this long before a maturation saw past it is still
 * looked for: transactions commit in a different order than their timestamps, and the ledger
 * reference (`mature:<entry>`) keeps a second look from maturing anything twice.
 */
const MATURATION_LOOKBACK_MS = 15 * 60_000;
const MATURATION_PAGE = 1000;

/** The seller accounts whose sum is the seller's balance on a statement (incoming + available − owed). */
export const statementAccounts = (sellerId: string): string[] => [
  Accounts.sellerIncoming(sellerId),
  Accounts.sellerAvailable(sellerId),
  Accounts.sellerReceivable(sellerId),
];

/**
 * A seller's money after release, all of it in the ledger: released funds wait in
 * `seller:<id>:incoming` for the seller's payout delay and are then moved, by journal transactions,
 * to `seller:<id>:available` (maturation); what a seller owes after a refund of released money sits
 * in `seller:<id>:receivable` and is netted from the next credits to available before anything is
 * paid out. Every move of one seller and currency takes its settlement row's lock first.
 */
@Injectable()
export class SettlementService {
  private readonly logger = new Logger(SettlementService.name);
  private readonly repository = new SettlementRepository();

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(LedgerService) private readonly ledger: LedgerService,
    @Inject(AuditLog) private readonly audit: AuditLog,
    @Inject(QueueRegistry) private readonly queues: QueueRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  get delays(): PayoutDelays {
    return {
      standardMs: this.config.payoutDelayMs,
      newMs: this.config.payoutDelayNewMs,
      trustedMs: this.config.payoutDelayTrustedMs,
    };
  }

  /** A seller's balances after release, per currency it has ever had money in, from the ledger. */
  async balances(sellerId: string, tx: Tx = this.db): Promise<SellerBalance[]> {
    const byCurrency = new Map<string, SellerBalance>();
    for (const { account, currency, balance } of await this.ledger.balances(`seller:${sellerId}:`, tx)) {
      const entry =
        byCurrency.get(currency) ??
        ({ currency, incoming: 0n, available: 0n, inPayout: 0n, owed: 0n } satisfies SellerBalance);
      if (account === Accounts.sellerIncoming(sellerId)) entry.incoming = balance;
      else if (account === Accounts.sellerAvailable(sellerId)) entry.available = balance;
      else if (account === Accounts.sellerPayout(sellerId)) entry.inPayout = balance;
      else if (account === Accounts.sellerReceivable(sellerId)) entry.owed = -balance;
      else continue;
      byCurrency.set(currency, entry);
    }
    return [...byCurrency.values()].sort((a, b) => (a.currency < b.currency ? -1 : 1));
  }

  /** The seller's own payout delay and risk tier (none set: the standard delay). */
  async settingsOf(sellerId: string): Promise<SellerSettings & { effectiveDelayMs: number }> {
    const settings = (await this.repository.settings(this.db, [sellerId])).get(sellerId) ?? {
      sellerId,
      riskTier: null,
      payoutDelayMs: null,
      updatedAt: new Date(0),
    };
    return { ...settings, effectiveDelayMs: payoutDelayOf(settings, this.delays) };
  }

  /**
   * An admin sets a seller's payout delay or risk tier (audited). `payoutDelayMs: null` clears the
   * seller's own delay, so its tier's applies again. Money already incoming matures by the new
   * delay from the next maturation on.
   */
  async updateSettings(
    sellerId: string,
    change: { payoutDelayMs?: number | null; riskTier?: RiskTier | null },
    actor: AuditActor,
    requestId?: string | null,
    now = new Date(),
  ): Promise<SellerSettings & { effectiveDelayMs: number }> {
    const updated = await runInTransaction(this.db, async (tx) => {
      const before = await this.repository.lockSettings(tx, sellerId, now);
      const after: SellerSettings = {
        ...before,
        ...(change.payoutDelayMs !== undefined ? { payoutDelayMs: change.payoutDelayMs } : {}),
        ...(change.riskTier !== undefined ? { riskTier: change.riskTier } : {}),
        updatedAt: now,
      };
      await this.repository.saveSettings(tx, after);
      await this.audit.record(
        tx,
        {
          actor,
          action: 'seller.settings',
          subjectType: 'seller',
          subjectId: sellerId,
          before: { risk_tier: before.riskTier, payout_delay_ms: before.payoutDelayMs },
          after: { risk_tier: after.riskTier, payout_delay_ms: after.payoutDelayMs },
          requestId,
        },
        now,
      );
      return after;
    });
    // A shorter delay may make money payable now.
    await this.scheduleMaturationOfSeller(sellerId);
    return { ...updated, effectiveDelayMs: payoutDelayOf(updated, this.delays) };
  }

  /**
   * Moves a seller's released funds whose payout delay has passed from incoming to available, one
   * journal transaction per release (`mature:<release entry>`, so each stays traceable to its order),
   * and nets what the seller owes from them. Answers the amount that matured.
   */
  async mature(sellerId: string, currency: string, now = new Date()): Promise<bigint> {
    return runInTransaction(this.db, async (tx) => {
      const settlement = await this.repository.lockSettlement(tx, sellerId, currency, now);
      return this.matureLocked(tx, settlement, now);
    });
  }

  /** mature() inside the caller's transaction, which holds the seller's settlement lock. */
  async matureLocked(tx: Tx, settlement: SellerSettlement, now: Date): Promise<bigint> {
    const { sellerId, currency } = settlement;
    const settings = (await this.repository.settings(tx, [sellerId])).get(sellerId);
    const cutoff = new Date(now.getTime() - payoutDelayOf(settings, this.delays) + 1);
    const from = settlement.maturedThrough
      ? new Date(settlement.maturedThrough.getTime() - MATURATION_LOOKBACK_MS)
      : undefined;
    let matured = 0n;
    let through = settlement.maturedThrough;
    let after: { createdAt: Date; transactionId: string; id: string } | undefined;
    for (;;) {
      const credits = await this.ledger.entriesOf(
        [Accounts.sellerIncoming(sellerId)],
        currency,
        { from, to: cutoff, after, increasesOnly: true, limit: MATURATION_PAGE },
        tx,
      );
      if (credits.length === 0) break;
      const posts: PostInput[] = credits.map((credit) => ({
        reference: `mature:${credit.id}`,
        kind: 'maturation',
        orderId: credit.orderId ?? undefined,
        metadata: {
          seller_id: sellerId,
          release_entry: credit.id,
          release_transaction: credit.transactionId,
        },
        postings: [
          { account: Accounts.sellerIncoming(sellerId), currency, amount: -credit.amount },
          { account: Accounts.sellerAvailable(sellerId), currency, amount: credit.amount },
        ],
      }));
      const results = await this.ledger.postMany(tx, posts);
      results.forEach((result, index) => {
        if (result.created) matured += credits[index].amount;
      });
      const last = credits[credits.length - 1];
      through = through && through > last.createdAt ? through : last.createdAt;
      if (credits.length < MATURATION_PAGE) break;
      after = last;
    }
    if (through && through !== settlement.maturedThrough) {
      await this.repository.markMatured(tx, sellerId, currency, through, now);
    }
    if (matured > 0n) await this.netReceivable(tx, settlement, now);
    return matured;
  }

  /**
   * Sweep: matures every seller with money incoming, a page of sellers at a time; answers how much
   * matured. A backstop for the doorbells (Redis may lose them).
   */
  async matureDue(now = new Date(), pageSize = 500): Promise<bigint> {
    let total = 0n;
    let after: { account: string; currency: string } | undefined;
    for (;;) {
      const page = await this.ledger.accountsWithBalance('seller:', ':incoming', {
        min: 1n,
        after,
        limit: pageSize,
      });
      for (const { account, currency } of page) {
        const sellerId = account.slice('seller:'.length, -':incoming'.length);
        try {
          total += await this.mature(sellerId, currency, now);
        } catch (error) {
          this.logger.warn(
            { seller: sellerId, currency, err: String(error) },
            'maturation failed; the next sweep retries',
          );
        }
      }
      if (page.length < pageSize) return total;
      after = page[page.length - 1];
    }
  }

  /**
   * A doorbell for the moment a seller's just-released money becomes payable: a delayed job, one per
   * seller and currency and second (deterministic id), that matures it. Called after the release
   * committed; losing it only delays maturation to the next sweep.
   */
  async scheduleMaturation(sellerId: string, currency: string, releasedAt = new Date()): Promise<void> {
    await this.scheduleMaturations([{ sellerId, currency }], releasedAt);
  }

  /** scheduleMaturation for the sellers of a release batch: one read of their settings, one addBulk. */
  async scheduleMaturations(
    keys: { sellerId: string; currency: string }[],
    releasedAt = new Date(),
  ): Promise<void> {
    if (keys.length === 0) return;
    const settings = await this.repository.settings(this.db, [...new Set(keys.map((key) => key.sellerId))]);
    await this.queues.get(SETTLEMENT_QUEUE).addBulk(
      keys.map(({ sellerId, currency }) => {
        const dueAt = releasedAt.getTime() + payoutDelayOf(settings.get(sellerId), this.delays);
        return {
          name: MATURE_JOB,
          data: { sellerId, currency },
          opts: {
            jobId: `mature-${sellerId}-${currency}-${Math.ceil(dueAt / 1000)}`,
            delay: Math.max(0, dueAt - Date.now()) + 50,
            // Gone once done: a later release due in the same second must be able to ring again
            // (a kept job of the same id would swallow its doorbell).
            removeOnComplete: true,
            removeOnFail: 5000,
            attempts: 5,
            backoff: { type: 'exponential', delay: 1000 },
          },
        };
      }),
    );
  }

  private async scheduleMaturationOfSeller(sellerId: string): Promise<void> {
    try {
      for (const { currency, incoming } of await this.balances(sellerId)) {
        if (incoming > 0n) await this.scheduleMaturation(sellerId, currency, new Date(0));
      }
    } catch (error) {
      this.logger.warn(
        { seller: sellerId, err: String(error) },
        'maturation not scheduled; the sweep does it',
      );
    }
  }

  /**
   * Nets what the seller owes (receivable) from its available balance, as far as it goes; in the
   * caller's transaction, under the seller's settlement lock.
   */
  async netReceivable(tx: Tx, settlement: SellerSettlement, now: Date): Promise<bigint> {
    const { sellerId, currency } = settlement;
    const owed = -(await this.ledger.balance(Accounts.sellerReceivable(sellerId), currency, tx));
    if (owed <= 0n) return 0n;
    const available = await this.ledger.balance(Accounts.sellerAvailable(sellerId), currency, tx);
    const netted = owed < available ? owed : available;
    if (netted <= 0n) return 0n;
    await this.ledger.post(tx, {
      reference: `receivable_net:${newId('net', now.getTime())}`,
      kind: 'receivable_net',
      metadata: { seller_id: sellerId },
      postings: [
        { account: Accounts.sellerAvailable(sellerId), currency, amount: -netted },
        { account: Accounts.sellerReceivable(sellerId), currency, amount: netted },
      ],
    });
    await this.repository.addDebited(tx, [{ sellerId, currency, amount: netted }], now);
    settlement.debitedTotal += netted;
    return netted;
  }

  /**
   * A refund of money already released to the seller (an admin's refund of a completed order, a
   * chargeback): in the caller's transaction, the seller's part is taken from its available balance
   * as far as it goes and the rest becomes a receivable the seller owes, the platform's part from
   * its fees; the money waits in
   * `suspense:<payment>` until the channel confirms the refund (channels books it out then). The
   * reference is the refund's id, so it is taken once.
   */
  async clawBack(
    tx: Tx,
    input: {
      sellerId: string;
      currency: string;
      /** The seller's part of the refund. */
      amount: bigint;
      /** The platform's part (its fee on the refunded money), given back from platform:fees. */
      fromFees?: bigint;
      paymentId: string;
      orderId: string;
      refundId: string;
    },
    now: Date,
  ): Promise<{ fromAvailable: bigint; owed: bigint }> {
    const { sellerId, currency, amount } = input;
    const fromFees = input.fromFees ?? 0n;
    if (amount < 0n || fromFees < 0n || amount + fromFees <= 0n) {
      throw new Error(`A refund after release must be of a positive amount, not ${amount} + ${fromFees}.`);
    }
    const settlement = await this.repository.lockSettlement(tx, sellerId, currency, now);
    const available = await this.ledger.balance(Accounts.sellerAvailable(sellerId), currency, tx);
    const fromAvailable = available < amount ? (available > 0n ? available : 0n) : amount;
    const owed = amount - fromAvailable;
    await this.ledger.post(tx, {
      reference: `clawback:${input.refundId}`,
      kind: 'clawback',
      orderId: input.orderId,
      metadata: { seller_id: sellerId, refund_id: input.refundId, payment_id: input.paymentId },
      postings: [
        ...(fromAvailable > 0n
          ? [{ account: Accounts.sellerAvailable(sellerId), currency, amount: -fromAvailable }]
          : []),
        ...(owed > 0n ? [{ account: Accounts.sellerReceivable(sellerId), currency, amount: -owed }] : []),
        ...(fromFees > 0n ? [{ account: Accounts.platformFees(), currency, amount: -fromFees }] : []),
        { account: Accounts.suspense(input.paymentId), currency, amount: amount + fromFees },
      ],
    });
    if (fromAvailable > 0n) {
      await this.repository.addDebited(tx, [{ sellerId, currency, amount: fromAvailable }], now);
      settlement.debitedTotal += fromAvailable;
    }
    return { fromAvailable, owed };
  }

  /** Locks a seller's settlement row (payouts take it before touching available). */
  async lockSettlement(tx: Tx, sellerId: string, currency: string, now: Date): Promise<SellerSettlement> {
    return this.repository.lockSettlement(tx, sellerId, currency, now);
  }
}

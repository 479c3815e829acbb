import { Inject, Injectable, Logger } from '@nestjs/common';
import { Accounts, LedgerService, PostInput } from '@danbao/ledger';
import { splitFee } from '@danbao/money';
import { OutboxService } from '@danbao/notifications';
import { Order, OrderEvents, OrdersService } from '@danbao/orders';
import { batchElseEach, Database, runInTransaction, type Tx } from '@danbao/platform';
import { HoldRef, HoldRepository, ReleaseRow } from './hold.repository';
import { decideRelease, ReleaseSkip } from './hold.state';
import { Hold, toHoldObject, toHoldSummary } from './hold.types';

export type ReleaseOutcome =
  | { status: 'released'; fee: bigint; net: bigint; sellerId: string; currency: string }
  | { status: 'skipped'; reason: ReleaseSkip }
  | { status: 'failed'; error: Error };

export interface ReleaseHooks {
  /** Runs inside the transaction, after every write and before COMMIT (crash tests). */
  beforeCommit?: () => void;
  /** Runs right after COMMIT, before the callers hear of it (crash tests). */
  afterCommit?: () => void;
}

interface Releasing {
  hold: Hold;
  order: Order;
  fee: bigint;
  net: bigint;
}

/**
 * Releases held funds to sellers, in batches: one transaction for all the holds that are ready
 * together (as TigerBeetle batches transfers), each hold still guarded on its own. Per batch:
 * lock the orders then the holds (both in id order), decide each hold under its locks (a hold
 * already released, frozen or not yet due is a no-op), then one UPDATE of the holds, one of the
 * orders, one INSERT of the outbox events, and last one ledger postMany (the deltas of one seller,
 * and of the fee account, summed into one balance update); commit. If the batch fails for any reason
 * other than a deadlock (which runInTransaction retries), its members are released one by one,
 * so that one bad hold never blocks the others.
 */
@Injectable()
export class ReleaseService {
  private readonly logger = new Logger(ReleaseService.name);
  private readonly holds = new HoldRepository();

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(OrdersService) private readonly orders: OrdersService,
    @Inject(OrderEvents) private readonly orderEvents: OrderEvents,
    @Inject(LedgerService) private readonly ledger: LedgerService,
    @Inject(OutboxService) private readonly outbox: OutboxService,
  ) {}

  /** Releases what is due among these holds; the outcome of each, by hold id. */
  async releaseBatch(refs: HoldRef[], hooks: ReleaseHooks = {}): Promise<Map<string, ReleaseOutcome>> {
    const unique = refs.filter(
      (ref, index) => refs.findIndex((other) => other.holdId === ref.holdId) === index,
    );
    const outcomes = await batchElseEach<HoldRef, ReleaseOutcome>(unique, {
      batch: async (members) => {
        const byHold = await this.commit(members, hooks);
        return members.map((ref) => byHold.get(ref.holdId));
      },
      alone: async (ref) => [...(await this.commit([ref], hooks)).values()][0],
      failed: (error) => ({ status: 'failed', error }),
      batchOfOneIsAlone: true,
      onBatchFailure: (error, members) =>
        this.logger.warn(
          { err: error.message, holds: members.length },
          'release batch failed; releasing its members one by one',
        ),
    });
    return new Map(unique.map((ref, index) => [ref.holdId, outcomes[index] as ReleaseOutcome]));
  }

  private async commit(refs: HoldRef[], hooks: ReleaseHooks): Promise<Map<string, ReleaseOutcome>> {
    const outcomes = await runInTransaction(this.db, async (tx) => {
      const result = await this.releaseInTransaction(tx, refs, new Date());
      hooks.beforeCommit?.();
      return result;
    });
    hooks.afterCommit?.();
    return outcomes;
  }

  private async releaseInTransaction(
    tx: Tx,
    refs: HoldRef[],
    now: Date,
  ): Promise<Map<string, ReleaseOutcome>> {
    // Orders before holds, each in id order: the lock order of every escrow use case.
    const orders = new Map(
      (
        await this.orders.lockMany(
          tx,
          refs.map((ref) => ref.orderId),
        )
      ).map((order) => [order.id, order]),
    );
    const holds = new Map(
      (
        await this.holds.lockByIds(
          tx,
          refs.map((ref) => ref.holdId),
        )
      ).map((hold) => [hold.id, hold]),
    );

    const outcomes = new Map<string, ReleaseOutcome>();
    const releasing: Releasing[] = [];
    for (const ref of refs) {
      const hold = holds.get(ref.holdId);
      // A job naming a hold of another order is a bug elsewhere; it must not release anything.
      const order = hold && hold.orderId === ref.orderId ? orders.get(hold.orderId) : undefined;
      const decision = decideRelease(order ? hold : undefined, order?.status, now);
      if (decision.kind === 'skip') {
        outcomes.set(ref.holdId, { status: 'skipped', reason: decision.reason });
        continue;
      }
      const { fee, net } = splitFee(hold!.amount, hold!.feeBps);
      releasing.push({ hold: hold!, order: order!, fee, net });
      outcomes.set(ref.holdId, {
        status: 'released',
        fee,
        net,
        sellerId: hold!.sellerId,
        currency: hold!.currency,
      });
    }
    if (releasing.length === 0) return outcomes;

    const rows: ReleaseRow[] = releasing.map(({ hold, fee, net }) => ({ id: hold.id, fee, net }));
    const changedHolds = await this.holds.markReleased(tx, rows, now);
    if (changedHolds !== releasing.length) {
      throw new Error(`Release batch changed ${changedHolds} holds of ${releasing.length}`);
    }
    const completed = await this.orders.markCompleted(
      tx,
      releasing.map(({ order }) => order),
      now,
    );
    // Hold and order events in one INSERT, the order's composed by OrderEvents.
    await this.outbox.recordMany(
      tx,
      releasing.flatMap(({ hold, fee, net }, index) => {
        const released: Hold = {
          ...hold,
          status: 'released',
          fee,
          released: net,
          resolvedAt: now,
          updatedAt: now,
        };
        return [
          { type: 'hold.released' as const, objectId: hold.id, object: toHoldObject(released) },
          this.orderEvents.entry({
            type: 'order.completed',
            order: completed[index],
            hold: toHoldSummary(released),
          }),
        ];
      }),
      now,
    );
    // The ledger last: the seller's balance row (hot when one seller sells much) and the fee
    // bucket stay locked only from their update to the commit.
    await this.ledger.postMany(tx, releasing.map(releasePosting));
    return outcomes;
  }
}

/**
 * escrow:<order> → seller:<id>:incoming (amount − fee) and → platform:fees (fee). The seller's part
 * waits in incoming for its payout delay; settlement moves it on to available. The metadata keeps
 * gross and fee for the seller's statement.
 */
export function releasePosting({ hold, fee, net }: { hold: Hold; fee: bigint; net: bigint }): PostInput {
  return {
    reference: `release:${hold.id}`,
    kind: 'release',
    orderId: hold.orderId,
    metadata: {
      hold_id: hold.id,
      fee_bps: hold.feeBps,
      seller_id: hold.sellerId,
      gross: hold.amount.toString(),
      fee: fee.toString(),
    },
    postings: [
      { account: Accounts.escrow(hold.orderId), currency: hold.currency, amount: -hold.amount },
      ...(net > 0n
        ? [{ account: Accounts.sellerIncoming(hold.sellerId), currency: hold.currency, amount: net }]
        : []),
      ...(fee > 0n ? [{ account: Accounts.platformFees(), currency: hold.currency, amount: fee }] : []),
    ],
  };
}

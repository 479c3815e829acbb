import { Inject, Injectable } from '@nestjs/common';
import { Accounts, LedgerService, type PostInput } from '@danbao/ledger';
import { APP_CONFIG, AppConfig, Database, newId, type Tx } from '@danbao/platform';
import { HoldRepository } from './hold.repository';
import type { Hold, PayIn } from './hold.types';

/** `channel:<name> → escrow:<order>` for each order a payment paid, under the payment's reference. */
export function payInPosting(payIn: PayIn): PostInput {
  return {
    reference: `payment:${payIn.paymentId}`,
    kind: 'payment',
    orderId: payIn.orders.length === 1 ? payIn.orders[0].orderId : undefined,
    metadata: { payment_id: payIn.paymentId, orders: payIn.orders.length },
    postings: [
      { account: Accounts.channel(payIn.channel), currency: payIn.currency, amount: -payIn.amount },
      ...payIn.orders.map((order) => ({
        account: Accounts.escrow(order.orderId),
        currency: payIn.currency,
        amount: order.amount,
      })),
    ],
  };
}

/**
 * Escrow: one hold per paid order, and the only writer of the `escrow:*` accounts. Money enters
 * escrow here, inside the payment's transaction: the holds and the ledger posting that moves the
 * money from the channel into each order's escrow account.
 */
@Injectable()
export class EscrowService {
  private readonly holds = new HoldRepository();

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LedgerService) private readonly ledger: LedgerService,
  ) {}

  /**
   * Takes successful payments into escrow, in the caller's transaction: one hold per order (one
   * INSERT for all) and one journal transaction per payment (one postMany for all).
   */
  async openHolds(tx: Tx, payIns: PayIn[], now = new Date()): Promise<Hold[]> {
    const holds: Hold[] = payIns.flatMap((payIn) =>
      payIn.orders.map((order): Hold => ({
        id: newId('hold'),
        orderId: order.orderId,
        sellerId: order.sellerId,
        amount: order.amount,
        currency: payIn.currency,
        feeBps: order.feeBps,
        paymentId: payIn.paymentId,
        channel: payIn.channel,
        status: 'held',
        fee: 0n,
        released: 0n,
        refunded: 0n,
        refundDue: 0n,
        expiresAt: new Date(now.getTime() + this.config.maxHoldMs),
        createdAt: now,
        updatedAt: now,
        resolvedAt: null,
        releaseDueAt: null,
        confirmedAt: null,
        expiryNotifiedAt: null,
        overdueAt: null,
        frozenAt: null,
        deadlineLeftMs: null,
      })),
    );
    await this.holds.insertMany(tx, holds);
    await this.ledger.postMany(tx, payIns.map(payInPosting));
    return holds;
  }

  async holdsForOrders(orderIds: string[], tx: Tx = this.db): Promise<Map<string, Hold>> {
    const holds = await this.holds.findByOrderIds(tx, orderIds);
    return new Map(holds.map((hold) => [hold.orderId, hold]));
  }

  /**
   * What is held in escrow for a seller's open orders (holds `held` or `frozen`), per currency: the
   * `pending` of the seller's balance.
   */
  async pendingBySeller(sellerId: string, tx: Tx = this.db): Promise<Map<string, bigint>> {
    const rows = await tx.query<{ currency: string; pending: string }[]>(
      `SELECT currency, SUM(amount - refunded) AS pending FROM holds
       WHERE seller_id = ? AND status IN ('held', 'frozen') GROUP BY currency`,
      [sellerId],
    );
    return new Map(rows.map((row) => [row.currency, BigInt(row.pending)]));
  }

  async findHold(id: string, tx: Tx = this.db): Promise<Hold | undefined> {
    return this.holds.findById(tx, id);
  }

  /** Holds past MAX_HOLD that were flagged for a person and are still open, by id. */
  async listOverdue(limit: number, startingAfter?: string): Promise<{ data: Hold[]; hasMore: boolean }> {
    return this.holds.listOverdue(this.db, limit, startingAfter);
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig, newId, type Tx, Database } from '@danbao/platform';
import { HoldRepository } from './hold.repository';
import type { Hold, NewHold } from './hold.types';

/**
 * Escrow: one hold per paid order. Opening holds happens inside the payment's transaction, with
 * the ledger posting that moves the money into each order's escrow account.
 */
@Injectable()
export class EscrowService {
  private readonly holds = new HoldRepository();

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async openHolds(tx: Tx, newHolds: NewHold[], now = new Date()): Promise<Hold[]> {
    const holds: Hold[] = newHolds.map((hold) => ({
      ...hold,
      id: newId('hold'),
      status: 'held',
      fee: 0n,
      released: 0n,
      refunded: 0n,
      expiresAt: new Date(now.getTime() + this.config.maxHoldMs),
      createdAt: now,
      updatedAt: now,
      resolvedAt: null,
      releaseDueAt: null,
      confirmedAt: null,
      expiryNotifiedAt: null,
      overdueAt: null,
    }));
    await this.holds.insertMany(tx, holds);
    return holds;
  }

  async holdsForOrders(orderIds: string[], tx: Tx = this.db): Promise<Map<string, Hold>> {
    const holds = await this.holds.findByOrderIds(tx, orderIds);
    return new Map(holds.map((hold) => [hold.orderId, hold]));
  }

  async findHold(id: string, tx: Tx = this.db): Promise<Hold | undefined> {
    return this.holds.findById(tx, id);
  }

  /** Holds past MAX_HOLD that were flagged for a person and are still open, by id. */
  async listOverdue(limit: number, startingAfter?: string): Promise<{ data: Hold[]; hasMore: boolean }> {
    return this.holds.listOverdue(this.db, limit, startingAfter);
  }
}

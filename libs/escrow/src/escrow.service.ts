import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig, newId } from '@danbao/platform';
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
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async openHolds(manager: EntityManager, newHolds: NewHold[], now = new Date()): Promise<Hold[]> {
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
    await this.holds.insertMany(manager, holds);
    return holds;
  }

  async holdsForOrders(
    orderIds: string[],
    manager: EntityManager = this.dataSource.manager,
  ): Promise<Map<string, Hold>> {
    const holds = await this.holds.findByOrderIds(manager, orderIds);
    return new Map(holds.map((hold) => [hold.orderId, hold]));
  }

  async findHold(id: string, manager: EntityManager = this.dataSource.manager): Promise<Hold | undefined> {
    return this.holds.findById(manager, id);
  }

  /** Holds past MAX_HOLD that were flagged for a person and are still open, by id. */
  async listOverdue(limit: number, startingAfter?: string): Promise<{ data: Hold[]; hasMore: boolean }> {
    return this.holds.listOverdue(this.dataSource.manager, limit, startingAfter);
  }
}

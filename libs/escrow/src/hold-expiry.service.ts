import { Inject, Injectable, Logger } from '@nestjs/common';
import { OutboxService } from '@danbao/notifications';
import { OrdersService } from '@danbao/orders';
import { APP_CONFIG, AppConfig, runInTransaction, Database } from '@danbao/platform';
import { HoldResolutionService, type Resolution } from './hold-resolution.service';
import { HoldRef, HoldRepository } from './hold.repository';
import { decideExpiry, expiryNoticeDue } from './hold.state';
import { toHoldObject } from './hold.types';

const NOTICE_CHUNK = 200;

export type ExpiryOutcome = 'refunded' | 'flagged' | 'none';

/**
 * The horizon of a hold (MAX_HOLD): `hold.expiring` goes out HOLD_EXPIRY_NOTICE before it; at it,
 * a never-shipped, undisputed order is refunded to the buyer through the payment's channel and any other open hold is flagged
 * for admins (GET /v1/admin/holds?status=overdue).
 */
@Injectable()
export class HoldExpiryService {
  private readonly logger = new Logger(HoldExpiryService.name);
  private readonly holds = new HoldRepository();

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(OrdersService) private readonly orders: OrdersService,
    @Inject(OutboxService) private readonly outbox: OutboxService,
    @Inject(HoldResolutionService) private readonly resolution: HoldResolutionService,
  ) {}

  /** Records `hold.expiring` once for every open hold within the notice; returns how many. */
  async notifyExpiring(now = new Date(), limit = 5000): Promise<number> {
    const ids = await this.holds.findExpiryNoticeDue(
      this.db,
      new Date(now.getTime() + this.config.holdExpiryNoticeMs),
      limit,
    );
    let notified = 0;
    for (let start = 0; start < ids.length; start += NOTICE_CHUNK) {
      const chunk = ids.slice(start, start + NOTICE_CHUNK);
      notified += await runInTransaction(this.db, async (tx) => {
        const due = (await this.holds.lockByIds(tx, chunk)).filter((hold) =>
          expiryNoticeDue(hold, this.config.holdExpiryNoticeMs, now),
        );
        if (due.length === 0) return 0;
        await this.holds.markExpiryNotified(
          tx,
          due.map((hold) => hold.id),
          now,
        );
        await this.outbox.recordMany(
          tx,
          due.map((hold) => ({
            type: 'hold.expiring' as const,
            objectId: hold.id,
            object: toHoldObject(hold),
          })),
          now,
        );
        return due.length;
      });
    }
    return notified;
  }

  /** Open holds past their horizon that still need a decision (the sweep queues a job for each). */
  async findExpired(now = new Date(), limit = 5000): Promise<HoldRef[]> {
    const expired = await this.holds.findExpired(this.db, now, limit);
    return expired.map(({ holdId, orderId }) => ({ holdId, orderId }));
  }

  /**
   * Resolves one hold past MAX_HOLD: refund a never-shipped undisputed order through the payment's
   * channel (the money leaves escrow when the channel confirms), flag anything else.
   */
  async expire(ref: HoldRef, now = new Date()): Promise<ExpiryOutcome> {
    const outcome = await runInTransaction(
      this.db,
      async (tx): Promise<{ kind: ExpiryOutcome; resolution?: Resolution }> => {
        const order = await this.orders.lock(tx, ref.orderId);
        const hold = await this.holds.lockByOrderId(tx, ref.orderId);
        if (!order || !hold || hold.id !== ref.holdId) return { kind: 'none' };
        const decision = decideExpiry(hold, order.status, now);
        if (decision.kind === 'none') return { kind: 'none' };
        if (decision.kind === 'flag') {
          await this.holds.markOverdue(tx, hold.id, now);
          return { kind: 'flagged' };
        }
        return {
          kind: 'refunded',
          resolution: await this.resolution.resolve(tx, order, hold.amount, 'max_hold', now),
        };
      },
    );
    if (outcome.resolution) await this.resolution.afterResolve(outcome.resolution);
    if (outcome.kind !== 'none')
      this.logger.log({ hold: ref.holdId, outcome: outcome.kind }, 'hold reached MAX_HOLD');
    return outcome.kind;
  }
}

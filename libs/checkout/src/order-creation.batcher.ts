import { Inject, Injectable, Logger } from '@nestjs/common';
import { NewOrder, OrdersService } from '@danbao/orders';
import {
  asError,
  batchElseEach,
  MicroBatcher,
  QueueRegistry,
  REQUEST_BATCHING,
  runInTransaction,
  type Tx,
  Database,
} from '@danbao/platform';
import { CheckoutRepository } from './checkout.repository';
import type { CheckoutSession } from './checkout.types';
import { scheduleExpiries, unscheduleExpiries } from './session-expiry';

/** One order being created, as CheckoutService.createOrder made it: the order and its own session. */
export interface OrderCreation {
  order: NewOrder & { createdAt: Date };
  session: CheckoutSession;
}

/**
 * Order creation for the api: concurrent POST /v1/orders are gathered into one transaction (one
 * multi-row INSERT each for orders, sessions and their links) and one delayed expiry job for all
 * their sessions, because per-statement and per-transaction overhead, not the rows, is what creating an
 * order costs. Each order still stands alone: when a batch's transaction fails, every member is
 * run again by itself, so a bad order fails only its own request.
 */
@Injectable()
export class OrderCreationBatcher {
  private readonly logger = new Logger(OrderCreationBatcher.name);
  private readonly repository = new CheckoutRepository();
  private readonly batcher = new MicroBatcher<OrderCreation, true>({
    ...REQUEST_BATCHING,
    run: (creations) => this.run(creations),
  });

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(OrdersService) private readonly orders: OrdersService,
    @Inject(QueueRegistry) private readonly queues: QueueRegistry,
  ) {}

  /**
   * Resolves once the order and its session are committed and their expiry job asked for;
   * rejects with this order's own error only.
   */
  async create(creation: OrderCreation): Promise<void> {
    await this.batcher.submit(creation);
  }

  /**
   * Runs one batch: one transaction for all, or, if it fails for any reason (a bad value, a
   * deadlock past runInTransaction's retries), one transaction per member. The batch's one expiry
   * job goes to Redis while the transaction runs, not after it, so Redis adds no latency: it is due
   * only at the sessions' expiry, long after the commit; if no member was stored it is taken back
   * (members that failed are simply not there to expire). One result per member, in order.
   */
  async run(creations: OrderCreation[]): Promise<Array<true | Error>> {
    const scheduled = scheduleExpiries(
      this.queues,
      creations.map((creation) => creation.session),
      this.logger,
    );
    const results = await batchElseEach<OrderCreation, true>(creations, {
      batch: async (members) => {
        await runInTransaction(this.db, (tx) => this.insertAll(tx, members));
        return members.map(() => true as const);
      },
      alone: async (creation) => {
        await runInTransaction(this.db, (tx) => this.insertAll(tx, [creation]));
        return true;
      },
      failed: (error, creation) => this.storedDespite(creation, error),
      batchOfOneIsAlone: true,
      onBatchFailure: (error, members) =>
        this.logger.warn(
          { orders: members.length, err: String(error) },
          'order batch failed; creating its orders one by one',
        ),
    });
    await scheduled;
    if (results.every((result) => result !== true))
      await unscheduleExpiries(
        this.queues,
        creations.map((creation) => creation.session),
        this.logger,
      );
    return results;
  }

  private async insertAll(tx: Tx, creations: OrderCreation[]): Promise<void> {
    await this.orders.insertMany(
      tx,
      creations.map((creation) => creation.order),
    );
    await this.repository.insertSessions(
      tx,
      creations.map((creation) => creation.session),
    );
  }

  /**
   * After a failure: true if this creation's rows are stored all the same, else the error. That
   * happens when the connection drops after the server committed but before it said so; the
   * member-by-member retry then meets its own rows as duplicates. Order and session ids are
   * random and made for this creation, so rows with both can only be its own.
   */
  private async storedDespite(creation: OrderCreation, error: unknown): Promise<true | Error> {
    try {
      if (await this.repository.isLinked(this.db, creation.session.id, creation.order.id)) return true;
    } catch {
      // The database is unreachable: the original error says more.
    }
    return asError(error);
  }
}

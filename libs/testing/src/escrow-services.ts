import { PaymentChannels, RefundService, SandboxChannel } from '@danbao/channels';
import { EscrowJobs, HoldExpiryService, HoldResolutionService } from '@danbao/escrow';
import { LedgerService } from '@danbao/ledger';
import { OutboxRelay, OutboxService } from '@danbao/notifications';
import { OrderEvents, OrdersService } from '@danbao/orders';
import { AuditLog, type AppConfig, type Database, type QueueRegistry } from '@danbao/platform';
import { SettlementService } from '@danbao/settlement';

/**
 * The escrow's services wired by hand, as Nest wires them, for integration specs that want the
 * real collaborators without booting an app: the real ledger, orders, outbox, the sandbox
 * channel and refunds (which queue on `queues`).
 */
export function escrowServices(db: Database, config: AppConfig, queues: QueueRegistry) {
  const ledger = new LedgerService(db);
  const outbox = new OutboxService();
  const orders = new OrdersService(db);
  const orderEvents = new OrderEvents(config, outbox);
  const sandbox = new SandboxChannel(db, queues, config);
  const refunds = new RefundService(db, ledger, new PaymentChannels([sandbox]), new AuditLog(), outbox);
  const jobs = new EscrowJobs(queues);
  const relay = new OutboxRelay(db, queues, config);
  const settlement = new SettlementService(db, ledger, new AuditLog(), queues, config);
  const resolution = new HoldResolutionService(
    db,
    orders,
    orderEvents,
    ledger,
    outbox,
    refunds,
    jobs,
    relay,
    settlement,
  );
  const expiry = new HoldExpiryService(db, config, orders, outbox, resolution);
  return {
    ledger,
    outbox,
    orders,
    orderEvents,
    sandbox,
    refunds,
    jobs,
    relay,
    settlement,
    resolution,
    expiry,
  };
}

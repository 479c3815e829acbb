import { DynamicModule, Module } from '@nestjs/common';
import { SandboxDeliveryHandler } from '@danbao/channels';
import { CheckoutModule } from '@danbao/checkout';
import { DisputesModule } from '@danbao/disputes';
import { EscrowModule } from '@danbao/escrow';
import { NotificationsModule } from '@danbao/notifications';
import {
  AppConfig,
  CanaryJobHandler,
  IdempotencyService,
  JobHandler,
  PlatformModule,
} from '@danbao/platform';
import { allMigrations } from '@danbao/schema';
import { SettlementModule } from '@danbao/settlement';
import { CheckoutSweepHandler, ExpireCheckoutSessionHandler, IdempotencyPurgeHandler } from './checkout-jobs';
import { DisputeDeadlineJobHandler, DisputeSweepJobHandler } from './handlers/dispute.handlers';
import { HoldExpiryJobHandler } from './handlers/hold-expiry.handler';
import { ReconciliationJobHandler } from './handlers/reconciliation.handler';
import {
  DeliverEventJobHandler,
  RelayOutboxJobHandler,
  SendWebhookJobHandler,
  WebhookSweepJobHandler,
} from './handlers/outbox.handlers';
import { ReleaseBatcher } from './handlers/release-batcher';
import { ReceiptDeadlineJobHandler, ReleaseJobHandler } from './handlers/release.handlers';
import {
  MatureJobHandler,
  PayoutRunJobHandler,
  SendPayoutJobHandler,
  SettlementSweepJobHandler,
} from './handlers/settlement.handlers';
import { EscrowSweepJobHandler } from './handlers/sweep.handler';
import { JobSchedulers } from './job-schedulers';
import { JOB_HANDLERS, WorkerHost } from './worker-host';

const HANDLER_CLASSES = [
  CanaryJobHandler,
  ReleaseJobHandler,
  ReceiptDeadlineJobHandler,
  HoldExpiryJobHandler,
  EscrowSweepJobHandler,
  RelayOutboxJobHandler,
  DeliverEventJobHandler,
  SendWebhookJobHandler,
  WebhookSweepJobHandler,
  SandboxDeliveryHandler,
  ExpireCheckoutSessionHandler,
  CheckoutSweepHandler,
  IdempotencyPurgeHandler,
  DisputeDeadlineJobHandler,
  DisputeSweepJobHandler,
  MatureJobHandler,
  SendPayoutJobHandler,
  PayoutRunJobHandler,
  SettlementSweepJobHandler,
  ReconciliationJobHandler,
];

/** The worker process: BullMQ processors over the same domain services the api calls. */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        PlatformModule.forRoot({ config, migrations: allMigrations }),
        EscrowModule,
        NotificationsModule,
        CheckoutModule,
        DisputesModule,
        SettlementModule,
      ],
      providers: [
        IdempotencyService,
        ReleaseBatcher,
        JobSchedulers,
        ...HANDLER_CLASSES,
        {
          provide: JOB_HANDLERS,
          inject: HANDLER_CLASSES,
          useFactory: (...handlers: JobHandler[]) => handlers,
        },
        WorkerHost,
      ],
    };
  }
}

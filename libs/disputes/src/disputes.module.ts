import { Module } from '@nestjs/common';
import { EscrowModule } from '@danbao/escrow';
import { NotificationsModule } from '@danbao/notifications';
import { OrdersModule } from '@danbao/orders';
import { DisputeAudit } from './dispute.audit';
import { DisputeJobs } from './dispute.jobs';
import { DisputesService } from './disputes.service';

const SERVICES = [DisputesService, DisputeJobs, DisputeAudit];

@Module({
  imports: [OrdersModule, EscrowModule, NotificationsModule],
  providers: SERVICES,
  exports: SERVICES,
})
export class DisputesModule {}

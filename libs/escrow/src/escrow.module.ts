import { Module } from '@nestjs/common';
import { ChannelsModule } from '@danbao/channels';
import { LedgerModule } from '@danbao/ledger';
import { NotificationsModule } from '@danbao/notifications';
import { OrdersModule } from '@danbao/orders';
import { SettlementModule } from '@danbao/settlement';
import { EscrowJobs } from './escrow.jobs';
import { EscrowService } from './escrow.service';
import { EscrowSweep } from './escrow.sweep';
import { HoldExpiryService } from './hold-expiry.service';
import { HoldResolutionService } from './hold-resolution.service';
import { ReceiptService } from './receipt.service';
import { RefundAfterReleaseService } from './refund-after-release.service';
import { ReleaseService } from './release.service';

const SERVICES = [
  EscrowService,
  EscrowJobs,
  ReceiptService,
  ReleaseService,
  HoldExpiryService,
  HoldResolutionService,
  EscrowSweep,
  RefundAfterReleaseService,
];

@Module({
  imports: [OrdersModule, LedgerModule, NotificationsModule, ChannelsModule, SettlementModule],
  providers: SERVICES,
  exports: SERVICES,
})
export class EscrowModule {}

import { Module } from '@nestjs/common';
import { ChannelsModule } from '@danbao/channels';
import { LedgerModule } from '@danbao/ledger';
import { NotificationsModule } from '@danbao/notifications';
import { PayoutService } from './payout.service';
import { ReconciliationService } from './reconciliation.service';
import { SettlementService } from './settlement.service';

/** Seller settlement: balances after release, maturation, payouts, refunds after release. */
@Module({
  imports: [LedgerModule, NotificationsModule, ChannelsModule],
  providers: [SettlementService, PayoutService, ReconciliationService],
  exports: [SettlementService, PayoutService, ReconciliationService],
})
export class SettlementModule {}

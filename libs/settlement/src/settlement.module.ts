import { Module } from '@nestjs/common';
import { ChannelsModule } from '@danbao/channels';
import { LedgerModule } from '@danbao/ledger';
import { NotificationsModule } from '@danbao/notifications';
import { PayoutService } from './payout.service';
import { ReconciliationService } from './reconciliation.service';
import { SettlementService } from './settlement.service';
import { StatementService } from './statement.service';

/** Seller settlement: balances after release, maturation, payouts, refunds after release, statements. */
@Module({
  imports: [LedgerModule, NotificationsModule, ChannelsModule],
  providers: [SettlementService, PayoutService, ReconciliationService, StatementService],
  exports: [SettlementService, PayoutService, ReconciliationService, StatementService],
})
export class SettlementModule {}

import { Module } from '@nestjs/common';
import { EscrowModule } from '@danbao/escrow';
import { SettlementModule } from '@danbao/settlement';
import { AdminReconciliationController } from './admin-reconciliation.controller';
import { AdminSellersController } from './admin-sellers.controller';
import { BalanceController } from './balance.controller';
import { PayoutsController } from './payouts.controller';

/** Settlement's HTTP side: the seller's balance and payouts, admins' seller settings and payout runs. */
@Module({
  imports: [SettlementModule, EscrowModule],
  controllers: [BalanceController, PayoutsController, AdminSellersController, AdminReconciliationController],
})
export class SettlementHttpModule {}

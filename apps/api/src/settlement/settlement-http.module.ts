import { Module } from '@nestjs/common';
import { EscrowModule } from '@danbao/escrow';
import { SettlementModule } from '@danbao/settlement';
import { AdminReconciliationController } from './admin-reconciliation.controller';
import { AdminSellersController } from './admin-sellers.controller';
import { BalanceController } from './balance.controller';
import { PayoutsController } from './payouts.controller';
import { StatementsController } from './statements.controller';

/**
 * Settlement's HTTP side: the seller's balance, payouts and statements, admins' seller settings and
 * payout runs.
 */
@Module({
  imports: [SettlementModule, EscrowModule],
  controllers: [
    BalanceController,
    PayoutsController,
    StatementsController,
    AdminSellersController,
    AdminReconciliationController,
  ],
})
export class SettlementHttpModule {}

import { Module } from '@nestjs/common';
import { EscrowModule } from '@danbao/escrow';
import { LedgerModule } from '@danbao/ledger';
import { SettlementModule } from '@danbao/settlement';
import { SellerConsoleController } from './seller-console.controller';
import { SellerLinks } from './seller-links';
import { SellerPages } from './seller-pages';
import { SellerSessionController } from './seller-session.controller';

/** The seller console's pages (/seller): server-rendered, no scripts, entered by a link the marketplace mints. */
@Module({
  imports: [EscrowModule, LedgerModule, SettlementModule],
  controllers: [SellerSessionController, SellerConsoleController],
  providers: [SellerPages, SellerLinks],
})
export class SellerConsoleModule {}

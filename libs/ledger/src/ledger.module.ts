import { Module } from '@nestjs/common';
import { LedgerService } from './ledger.service';

/** The ledger's one Nest module; it needs the DataSource that DatabaseModule provides globally. */
@Module({ providers: [LedgerService], exports: [LedgerService] })
export class LedgerModule {}

import { Inject, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { AdminAccounts, AdminsModule } from '@danbao/admins';
import { LedgerModule } from '@danbao/ledger';
import { APP_CONFIG, type AppConfig } from '@danbao/platform';
import { AdminAuditController } from './admin-audit.controller';
import { AdminLedgerController } from './admin-ledger.controller';
import { AdminSessionsController } from './admin-sessions.controller';
import { AdminSwitchesController } from './admin-switches.controller';
import { AdminsController } from './admins.controller';

/**
 * DANBAO_BOOTSTRAP_ADMIN: the admin exists once the api has started. Several api processes
 * starting at once agree through the unique email; an existing admin (its password included) is
 * left as it is.
 */
@Injectable()
export class AdminBootstrap implements OnModuleInit {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(AdminAccounts) private readonly accounts: AdminAccounts,
  ) {}

  async onModuleInit(): Promise<void> {
    const admin = this.config.bootstrapAdmin;
    if (admin) await this.accounts.ensure(admin.email, admin.password, 'bootstrap');
  }
}

/** The admin side of the api: sign-in, admins, the audit log, the books check, the degrade switches. */
@Module({
  imports: [AdminsModule, LedgerModule],
  controllers: [
    AdminSessionsController,
    AdminsController,
    AdminAuditController,
    AdminLedgerController,
    AdminSwitchesController,
  ],
  providers: [AdminBootstrap],
})
export class AdminHttpModule {}

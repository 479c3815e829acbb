import { Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig, QueueRegistry } from '@danbao/platform';
import { AdminAccounts } from './admin-accounts';
import { AdminService } from './admin.service';
import { SignInLimiter } from './sign-in-limiter';

/**
 * Admins and their sign-in. Needs the platform's database, audit log, tokens (AuthModule, in HTTP
 * apps) and Redis: the limiter shares QueueRegistry's non-blocking connection and QUEUE_PREFIX.
 */
@Module({
  providers: [
    AdminAccounts,
    AdminService,
    {
      provide: SignInLimiter,
      inject: [QueueRegistry, APP_CONFIG],
      useFactory: (queues: QueueRegistry, config: AppConfig) =>
        new SignInLimiter(queues.redis(), config.queuePrefix),
    },
  ],
  exports: [AdminAccounts, AdminService],
})
export class AdminsModule {}

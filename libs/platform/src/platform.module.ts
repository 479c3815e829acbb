import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AppConfig, loadConfig } from './config/config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule, DatabaseModuleOptions } from './database/database.module';
import { AuditModule } from './audit/audit-log';
import { AuthModule } from './auth/auth.module';
import { IdempotencyModule } from './idempotency/idempotency.module';
import { HealthController } from './health/health.controller';
import { LoggingModule } from './logging/logging.module';
import { MetricsController } from './metrics/metrics.controller';
import { QueueModule } from './queue/queue.module';

export interface PlatformOptions extends DatabaseModuleOptions {
  config?: AppConfig;
  /** HTTP apps get the health and metrics routes; the worker does not serve HTTP. */
  http?: boolean;
}

/** Config, database, queues, logging and the audit log for one process, plus health and metrics for HTTP apps. */
@Module({})
export class PlatformModule {
  static forRoot(options: PlatformOptions): DynamicModule {
    const config = options.config ?? loadConfig();
    return {
      module: PlatformModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule.forRoot(config.logLevel),
        DatabaseModule.forRoot(options),
        QueueModule,
        AuditModule,
        ...(options.http ? [TerminusModule.forRoot({ logger: false }), AuthModule, IdempotencyModule] : []),
      ],
      controllers: options.http ? [HealthController, MetricsController] : [],
      exports: [ConfigModule, DatabaseModule, QueueModule, AuditModule],
    };
  }
}

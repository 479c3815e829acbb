import { DynamicModule, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
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
import { DegradeInterceptor } from './switches/degradable';
import { SwitchesModule } from './switches/switch-board';

export interface PlatformOptions extends DatabaseModuleOptions {
  config?: AppConfig;
  /** HTTP apps get the health and metrics routes; the worker does not serve HTTP. */
  http?: boolean;
}

/** Config, database, queues, logging, the audit log and the degrade switches for one process, plus health and metrics for HTTP apps. */
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
        SwitchesModule,
        ...(options.http ? [TerminusModule.forRoot({ logger: false }), AuthModule, IdempotencyModule] : []),
      ],
      controllers: options.http ? [HealthController, MetricsController] : [],
      providers: options.http ? [{ provide: APP_INTERCEPTOR, useClass: DegradeInterceptor }] : [],
      exports: [ConfigModule, DatabaseModule, QueueModule, AuditModule, SwitchesModule],
    };
  }
}

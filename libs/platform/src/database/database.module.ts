import { DynamicModule, Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import { createDataSource, MigrationList } from './data-source';
import { Database, databaseOf } from './database';

export interface DatabaseModuleOptions {
  migrations: MigrationList;
  poolSize?: number;
}

/**
 * Provides the process's one DataSource (initialized before the app starts) and the Database,
 * the Tx on its pool that every service and repository uses.
 */
@Global()
@Module({})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  static forRoot(options: DatabaseModuleOptions): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        {
          provide: DataSource,
          inject: [APP_CONFIG],
          useFactory: async (config: AppConfig) =>
            createDataSource({ databaseUrl: config.databaseUrl, ...options }).initialize(),
        },
        { provide: Database, inject: [DataSource], useFactory: databaseOf },
      ],
      exports: [DataSource, Database],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

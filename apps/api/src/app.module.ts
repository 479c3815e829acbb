import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, PlatformModule } from '@danbao/platform';
import { allEntities, allMigrations } from './schema';

/** The HTTP api: thin controllers over the domain libs. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({ config, http: true, entities: allEntities, migrations: allMigrations }),
      ],
    };
  }
}

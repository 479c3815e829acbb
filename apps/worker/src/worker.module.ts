import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, CanaryJobHandler, JobHandler, PlatformModule } from '@danbao/platform';
import { allEntities, allMigrations } from '../../api/src/schema';
import { JOB_HANDLERS, WorkerHost } from './worker-host';

const HANDLER_CLASSES = [CanaryJobHandler];

/** The worker process: BullMQ processors over the same domain services the api calls. */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [PlatformModule.forRoot({ config, entities: allEntities, migrations: allMigrations })],
      providers: [
        ...HANDLER_CLASSES,
        {
          provide: JOB_HANDLERS,
          inject: HANDLER_CLASSES,
          useFactory: (...handlers: JobHandler[]) => handlers,
        },
        WorkerHost,
      ],
    };
  }
}

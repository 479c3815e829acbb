import { DynamicModule, Global, Module } from '@nestjs/common';
import { createRootLogger, PinoLoggerService } from './logging';

/** Injection token of the process's root pino logger (tests may override it to read the lines). */
export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

/** The root pino logger and the Nest LoggerService over it, for `app.useLogger`. */
@Global()
@Module({})
export class LoggingModule {
  static forRoot(level: string): DynamicModule {
    return {
      module: LoggingModule,
      providers: [
        { provide: ROOT_LOGGER, useFactory: () => createRootLogger(level) },
        {
          provide: PinoLoggerService,
          useFactory: (root) => new PinoLoggerService(root),
          inject: [ROOT_LOGGER],
        },
      ],
      exports: [ROOT_LOGGER, PinoLoggerService],
    };
  }
}

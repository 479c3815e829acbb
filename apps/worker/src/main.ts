import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigError, PinoLoggerService, stopOnSignals, loadConfig } from '@danbao/platform';
import { requirePaymentChannel } from '@danbao/channels';
import { WorkerModule } from './worker.module';

async function main(): Promise<void> {
  process.env.DANBAO_PROCESS ??= 'worker';
  const config = loadConfig();
  requirePaymentChannel(config);
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), { bufferLogs: true });
  app.useLogger(app.get(PinoLoggerService));
  await app.init();
  stopOnSignals(app);
  process.stdout.write('Danbao worker running\n');
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof ConfigError ? error.message : `worker failed to start: ${String(error)}`}\n`,
  );
  process.exit(1);
});

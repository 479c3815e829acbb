import 'reflect-metadata';
import { ConfigError, stopOnSignals, createHttpApp, loadConfig } from '@danbao/platform';
import { requirePaymentChannel } from '@danbao/channels';
import { AppModule } from './app.module';

async function main(): Promise<void> {
  process.env.DANBAO_PROCESS ??= 'api';
  const config = loadConfig();
  requirePaymentChannel(config);
  const app = await createHttpApp(AppModule.forRoot(config));
  await app.listen({ port: config.port, host: '0.0.0.0' });
  stopOnSignals(app);
  // One plain line for the person who ran `npm start`; everything else is structured JSON.
  process.stdout.write(`Danbao api listening on ${config.publicUrl} (OpenAPI: ${config.publicUrl}/docs)\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof ConfigError ? error.message : `api failed to start: ${String(error)}`}\n`,
  );
  process.exit(1);
});

import type { INestApplicationContext } from '@nestjs/common';

/**
 * SIGTERM or SIGINT closes the app (the shutdown hooks let in-flight requests and jobs finish,
 * then close connections) and exits 0. A second signal exits at once. Nest's own
 * enableShutdownHooks re-raises the signal, which makes a clean stop look like a crash.
 */
export function stopOnSignals(
  app: INestApplicationContext,
  signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'],
): void {
  let stopping = false;
  for (const signal of signals) {
    process.on(signal, () => {
      if (stopping) process.exit(1);
      stopping = true;
      app.close().then(
        () => process.exit(0),
        (error: unknown) => {
          process.stderr.write(`shutdown failed: ${String(error)}\n`);
          process.exit(1);
        },
      );
    });
  }
}

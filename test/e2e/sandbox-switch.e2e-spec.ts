// Proves what a deployment with SANDBOX_CHANNEL=off gets (issue 11, item 1): the sandbox is the
// only payment channel today, so the api and the worker refuse to start with one line naming
// SANDBOX_CHANNEL, before connecting to anything. Real: the api and worker processes from source.
import { randomBytes } from 'node:crypto';
import { startProcess } from '@danbao/testing';

describe('SANDBOX_CHANNEL=off', () => {
  it.each(['api', 'worker'] as const)(
    'stops the %s with one line naming SANDBOX_CHANNEL',
    async (app) => {
      const run = startProcess(app, {
        ...process.env,
        NODE_ENV: 'production',
        SANDBOX_CHANNEL: 'off',
        DANBAO_SECRET_KEY: randomBytes(32).toString('hex'),
        // Nothing listens here: the process must refuse before it connects.
        DATABASE_URL: 'mysql://root@127.0.0.1:1/danbao',
        REDIS_URL: 'redis://127.0.0.1:1',
      });
      expect(await run.exited).toBe(1);
      expect(run.output().trim().split('\n')).toEqual([
        expect.stringMatching(/^Invalid configuration: SANDBOX_CHANNEL is off and no other payment channel/),
      ]);
    },
    60_000,
  );
});

// Proves the README's `npm start`: it refuses bad configuration and unreachable services at once
// with one line, and otherwise builds, migrates and serves health and OpenAPI, then stops cleanly
// on SIGTERM. Real: scripts/start.js, the built api and worker processes, MariaDB, Redis.
import { randomBytes } from 'node:crypto';
import { dropDatabase, withDatabase } from '@danbao/platform';
import { BASE_DATABASE_URL, deleteQueueKeys, REDIS_URL, startNode, testQueuePrefix } from '@danbao/testing';

const baseEnv = () => ({
  ...process.env,
  LOG_LEVEL: 'warn',
  REDIS_URL,
  SANDBOX_CHANNEL_SECRET: 'test_sandbox_secret_0123456789',
});

describe('npm start', () => {
  it('exits non-zero within 15 s naming the URL when MySQL cannot be reached', async () => {
    const startedAt = Date.now();
    const run = startNode(['scripts/start.js'], { ...baseEnv(), DATABASE_URL: 'mysql://root@127.0.0.1:1/x' });
    const code = await run.exited;
    expect(code).not.toBe(0);
    expect(Date.now() - startedAt).toBeLessThan(15_000);
    const lines = run.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('mysql://root@127.0.0.1:1/x');
    expect(lines[0]).toContain('DATABASE_URL');
  });

  it('exits non-zero within 15 s naming REDIS_URL when Redis cannot be reached', async () => {
    const startedAt = Date.now();
    const run = startNode(['scripts/start.js'], { ...baseEnv(), REDIS_URL: 'redis://127.0.0.1:1' });
    expect(await run.exited).not.toBe(0);
    expect(Date.now() - startedAt).toBeLessThan(15_000);
    expect(run.output().trim().split('\n')).toEqual([expect.stringContaining('REDIS_URL')]);
  });

  it('refuses PORT=abc with one line naming PORT', async () => {
    const run = startNode(['scripts/start.js'], { ...baseEnv(), PORT: 'abc' });
    expect(await run.exited).not.toBe(0);
    expect(run.output().trim().split('\n')).toEqual([
      expect.stringMatching(/^Invalid configuration: PORT .*abc/),
    ]);
  });

  it('builds, migrates and answers /health/ready and /docs-json, then stops on SIGTERM', async () => {
    const database = `danbao_t_start_${randomBytes(4).toString('hex')}`;
    const databaseUrl = withDatabase(BASE_DATABASE_URL, database);
    const prefix = testQueuePrefix();
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const run = startNode(['scripts/start.js'], {
      ...baseEnv(),
      DATABASE_URL: databaseUrl,
      QUEUE_PREFIX: prefix,
      PORT: String(port),
    });
    try {
      await run.waitForOutput(/Danbao api listening on http:\/\/localhost:\d+/, 60_000);
      await run.waitForOutput(/Danbao worker running/, 30_000);
      const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
      expect(ready.status).toBe(200);
      const docs = await fetch(`http://127.0.0.1:${port}/docs-json`);
      expect(docs.status).toBe(200);
      expect(((await docs.json()) as { openapi: string }).openapi).toMatch(/^3\./);
      expect(run.output()).toContain(`/docs`);
    } finally {
      run.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      await dropDatabase(databaseUrl);
      await deleteQueueKeys(REDIS_URL, prefix);
    }
  }, 120_000);
});

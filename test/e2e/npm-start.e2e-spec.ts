// Proves the README's `npm start`: it refuses bad configuration and unreachable services at once
// with one line, and otherwise builds, migrates and serves health and OpenAPI, then stops cleanly
// on SIGTERM; its processes' log lines are JSON, or readable lines with LOG_FORMAT=pretty. Real:
// scripts/start.js, the built api and worker processes, MariaDB, Redis.
import { randomBytes } from 'node:crypto';
import { dropDatabase, withDatabase } from '@danbao/platform';
import {
  BASE_DATABASE_URL,
  deleteQueueKeys,
  REDIS_URL,
  startNode,
  testPorts,
  testQueuePrefix,
} from '@danbao/testing';

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

  it('refuses LOG_FORMAT=xml with one line naming LOG_FORMAT', async () => {
    const run = startNode(['scripts/start.js'], { ...baseEnv(), LOG_FORMAT: 'xml' });
    expect(await run.exited).not.toBe(0);
    expect(run.output().trim().split('\n')).toEqual([
      expect.stringMatching(/^Invalid configuration: LOG_FORMAT /),
    ]);
  });

  /** npm start on a database and queue prefix of its own, on a port of this test's own. */
  function startPlatform(env: Record<string, string>) {
    const database = `danbao_t_start_${randomBytes(4).toString('hex')}`;
    const databaseUrl = withDatabase(BASE_DATABASE_URL, database);
    const prefix = testQueuePrefix();
    const port = testPorts();
    const run = startNode(['scripts/start.js'], {
      ...baseEnv(),
      DATABASE_URL: databaseUrl,
      QUEUE_PREFIX: prefix,
      PORT: String(port),
      ...env,
    });
    const stop = async () => {
      run.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      await dropDatabase(databaseUrl);
      await deleteQueueKeys(REDIS_URL, prefix);
    };
    return { run, port, stop };
  }

  it('builds, migrates and answers /health/ready and /docs-json, then stops on SIGTERM', async () => {
    // NODE_ENV is test here (jest sets it), so the log lines are JSON, as in production.
    const { run, port, stop } = startPlatform({ LOG_LEVEL: 'info' });
    try {
      await run.waitForOutput(/Danbao api listening on http:\/\/localhost:\d+/, 60_000);
      await run.waitForOutput(/Danbao worker running/, 30_000);
      const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
      expect(ready.status).toBe(200);
      const docs = await fetch(`http://127.0.0.1:${port}/docs-json`);
      expect(docs.status).toBe(200);
      expect(((await docs.json()) as { openapi: string }).openapi).toMatch(/^3\./);
      expect(run.output()).toContain(`/docs`);
      // One DANBAO_SECRET_KEY for the run, shared by the api and the worker.
      expect(run.output()).toMatch(/^DANBAO_SECRET_KEY was not set; using [0-9a-f]{64} for this run\.$/m);
      expect((await fetch(`http://127.0.0.1:${port}/v1/orders/ord_missing`)).status).toBe(401);
      await run.waitForOutput(/"url":"\/v1\/orders\/ord_missing".*"msg":"request completed"/, 10_000);
      const requestLine = run
        .output()
        .split('\n')
        .find((line) => line.includes('/v1/orders/ord_missing'));
      expect(JSON.parse(requestLine!)).toMatchObject({
        level: 30,
        service: 'api',
        req: { method: 'GET', url: '/v1/orders/ord_missing' },
        res: { statusCode: 401 },
      });
    } finally {
      await stop();
    }
  }, 120_000);

  it('prints readable log lines with LOG_FORMAT=pretty (the default in development)', async () => {
    const { run, port, stop } = startPlatform({ LOG_LEVEL: 'info', LOG_FORMAT: 'pretty' });
    try {
      await run.waitForOutput(/Danbao api listening on http:\/\/localhost:\d+/, 60_000);
      await run.waitForOutput(/Danbao worker running/, 30_000);
      expect((await fetch(`http://127.0.0.1:${port}/v1/orders/ord_missing`)).status).toBe(401);
      await run.waitForOutput(/request completed/, 10_000);
      expect(run.output()).toMatch(
        /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: api GET \/v1\/orders\/ord_missing 401 \d+ms request completed$/m,
      );
      expect(run.output()).not.toMatch(/^\{/m);
    } finally {
      await stop();
    }
  }, 120_000);
});

// Proves docs/integration-guide.md as written: every ```sh block of it, in order, in one bash with
// `set -euo pipefail`, against a real api and worker; then the order it made is completed, its
// hold released with the right fee, and the books balance. If a line of the guide rots, this fails.
// Real: the api and worker processes (ts-node), MariaDB, Redis, curl and jq.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { Accounts, LedgerService } from '@danbao/ledger';
import { AppConfig, createDataSource, databaseOf } from '@danbao/platform';
import {
  createTestDatabase,
  deleteQueueKeys,
  REDIS_URL,
  RunningProcess,
  startProcess,
  TestDatabase,
  testConfig,
  testPorts,
  testProcessEnv,
  testQueuePrefix,
} from '@danbao/testing';
import { COMMANDS } from '../../apps/api/src/cli';
import { allMigrations } from '@danbao/schema';

const ROOT = join(__dirname, '..', '..');
const GUIDE = readFileSync(join(ROOT, 'docs', 'integration-guide.md'), 'utf8');
const API_KEY = 'sk_guide_0123456789abcdef';

/** The bodies of the fenced blocks of one info string, in order. */
function blocks(markdown: string, info: string): string[] {
  return [...markdown.matchAll(/^```([a-z]*)\n([\s\S]*?)^```$/gm)]
    .filter((match) => match[1] === info)
    .map((match) => match[2]);
}

function runBash(script: string, env: NodeJS.ProcessEnv, timeoutMs: number) {
  return new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn('bash', ['-c', script], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('docs/integration-guide.md', () => {
  let database: TestDatabase;
  let config: AppConfig;
  let dataSource: DataSource;
  const running: RunningProcess[] = [];
  const prefix = testQueuePrefix();
  const port = testPorts();
  const env = {
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DANBAO_BOOTSTRAP_API_KEY: API_KEY,
  };

  beforeAll(async () => {
    database = await createTestDatabase(allMigrations);
    config = testConfig(database.databaseUrl, prefix, env);
    dataSource = await createDataSource({ databaseUrl: database.databaseUrl }).initialize();
    const api = startProcess('api', testProcessEnv(config, env));
    const worker = startProcess('worker', testProcessEnv(config, env));
    running.push(api, worker);
    // Generous: ts-node start-up takes seconds, and much longer on a loaded 2-core machine.
    await Promise.all([
      api.waitForOutput(/Danbao api listening/, 90_000),
      worker.waitForOutput(/Danbao worker running/, 90_000),
    ]);
  }, 120_000);

  afterAll(async () => {
    for (const process of running) {
      process.kill('SIGTERM');
      await process.exited;
    }
    await dataSource?.destroy();
    await deleteQueueKeys(REDIS_URL, prefix);
    await database?.drop();
  });

  it('names only operator commands that exist', () => {
    const operator = blocks(GUIDE, 'console').join('\n');
    const scripts = Object.keys(
      (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> })
        .scripts,
    );
    const npmRuns = [...operator.matchAll(/npm (?:run (\S+)|start)/g)].map((match) => match[1] ?? 'start');
    expect(npmRuns).toEqual(expect.arrayContaining(['start', 'cli', 'ledger:check']));
    for (const script of npmRuns) expect(scripts).toContain(script);
    for (const [, command] of operator.matchAll(/npm run cli -- (\S+)/g))
      expect(Object.keys(COMMANDS)).toContain(command);
    // The bootstrap key of the guide is one the configuration accepts.
    const key = /DANBAO_BOOTSTRAP_API_KEY=(\S+)/.exec(operator)?.[1];
    expect(key).toMatch(/^sk_[A-Za-z0-9_]{16,}$/);
  });

  it('runs every sh block in order and leaves the order completed, its fee taken, the books balanced', async () => {
    const steps = blocks(GUIDE, 'sh');
    expect(steps.length).toBeGreaterThanOrEqual(8);
    const script = ['set -euo pipefail', ...steps, 'echo "GUIDE_ORDER_ID=$ORDER_ID"'].join('\n');
    const { code, output } = await runBash(
      script,
      { ...process.env, DANBAO: `http://127.0.0.1:${port}`, API_KEY },
      45_000,
    );
    expect({ code, output }).toEqual({ code: 0, output: expect.stringContaining('GUIDE_ORDER_ID=ord_') });
    expect(output).toContain('is paid');
    expect(output).toContain('is completed');

    const orderId = /GUIDE_ORDER_ID=(ord_[0-9a-z]+)/.exec(output)![1];
    const [order] = await dataSource.query(
      'SELECT status, amount, fee_bps, seller_id FROM orders WHERE id = ?',
      [orderId],
    );
    expect({ ...order, amount: Number(order.amount) }).toEqual({
      status: 'completed',
      amount: 1999,
      fee_bps: 200,
      seller_id: 'seller_7',
    });
    const [hold] = await dataSource.query('SELECT status, fee, released FROM holds WHERE order_id = ?', [
      orderId,
    ]);
    expect({ status: hold.status, fee: Number(hold.fee), released: Number(hold.released) }).toEqual({
      status: 'released',
      fee: 40,
      released: 1959,
    });
    // What the guide printed is what was stored.
    expect(output).toContain('"released":1959');
    expect(output).toMatch(/"fee": 40,/);

    const ledger = new LedgerService(databaseOf(dataSource));
    expect(await ledger.balance(Accounts.sellerIncoming('seller_7'), 'CNY')).toBe(1959n);
    expect(await ledger.balance(Accounts.platformFees(), 'CNY')).toBe(40n);
    expect(await ledger.balance(Accounts.escrow(orderId), 'CNY')).toBe(0n);
    const check = await ledger.check();
    expect({ balanced: check.balanced, violations: check.violations }).toEqual({
      balanced: true,
      violations: [],
    });
  }, 60_000);
});

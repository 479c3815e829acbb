// Proves, with real api processes, what one process cannot: the limit of failed sign-ins is kept in
// Redis, so two api processes count the same failures (T50); DANBAO_BOOTSTRAP_ADMIN creates its
// admin once when two processes start at the same moment; and `npm run cli -- admin:create` takes
// the password from DANBAO_ADMIN_PASSWORD or stdin, never from the command line, and prints the id.
// Real: two api processes (ts-node), the CLI as a process, MariaDB, Redis.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AppConfig, createDataSource } from '@danbao/platform';
import { allMigrations } from '@danbao/schema';
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

const ROOT = join(__dirname, '..', '..');
const BOOTSTRAP = { email: 'root@example.com', password: 'bootstrap root password' };

/** Runs the CLI from source with `args`, feeding `input` to its stdin. */
function runCli(args: string[], env: NodeJS.ProcessEnv, input = '') {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(
      process.execPath,
      [
        '-r',
        'ts-node/register/transpile-only',
        '-r',
        'tsconfig-paths/register',
        'apps/api/src/cli.ts',
        ...args,
      ],
      { cwd: ROOT, env: { TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'), ...env }, stdio: 'pipe' },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.end(input);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('admins across processes', () => {
  let database: TestDatabase;
  let config: AppConfig;
  let dataSource: DataSource;
  const running: RunningProcess[] = [];
  const prefix = testQueuePrefix();
  const base = testPorts(2);
  const urls = [`http://127.0.0.1:${base}`, `http://127.0.0.1:${base + 1}`];
  const env = { DANBAO_BOOTSTRAP_ADMIN: `${BOOTSTRAP.email}:${BOOTSTRAP.password}` };
  const signIn = (api: number, email: string, password: string) =>
    request(urls[api]).post('/v1/admin/sessions').send({ email, password });

  beforeAll(async () => {
    database = await createTestDatabase(allMigrations);
    config = testConfig(database.databaseUrl, prefix, env);
    dataSource = await createDataSource({ databaseUrl: database.databaseUrl }).initialize();
    // Both at once: each finds the bootstrap admin absent and tries to create it.
    for (const [index, url] of urls.entries()) {
      running.push(
        startProcess('api', testProcessEnv(config, { ...env, PORT: String(base + index), PUBLIC_URL: url })),
      );
    }
    await Promise.all(running.map((api) => api.waitForOutput(/Danbao api listening/, 90_000)));
  }, 120_000);

  afterAll(async () => {
    for (const api of running) {
      api.kill('SIGTERM');
      await api.exited;
    }
    await dataSource?.destroy();
    await deleteQueueKeys(REDIS_URL, prefix);
    await database?.drop();
  });

  it('created the bootstrap admin once though both processes started together', async () => {
    const admins = await dataSource.query('SELECT id, email, created_by FROM admins');
    expect(admins).toEqual([
      { id: expect.stringMatching(/^adm_/), email: BOOTSTRAP.email, created_by: null },
    ]);
    const audited = await dataSource.query(
      "SELECT actor_type, actor_id, subject_id FROM audit_log WHERE action = 'admin.create'",
    );
    expect(audited).toEqual([{ actor_type: 'operator', actor_id: 'bootstrap', subject_id: admins[0].id }]);
    for (const api of [0, 1]) await signIn(api, BOOTSTRAP.email, BOOTSTRAP.password).expect(201);
  });

  it('admin:create takes the password from DANBAO_ADMIN_PASSWORD or stdin, never argv, and prints the id', async () => {
    const cliEnv = testProcessEnv(config);
    delete cliEnv.DANBAO_ADMIN_PASSWORD;

    const fromEnvironment = await runCli(['admin:create', 'limited@example.com'], {
      ...cliEnv,
      DANBAO_ADMIN_PASSWORD: 'limited admin password',
    });
    expect(fromEnvironment).toMatchObject({ code: 0, stdout: expect.stringMatching(/^adm_[0-9a-z]{26}\n$/) });
    const [limited] = await dataSource.query("SELECT id FROM admins WHERE email = 'limited@example.com'");
    expect(fromEnvironment.stdout).toBe(`${limited.id}\n`);

    const fromStdin = await runCli(['admin:create', 'piped@example.com'], cliEnv, 'piped admin password\n');
    expect(fromStdin).toMatchObject({ code: 0, stdout: expect.stringMatching(/^adm_[0-9a-z]{26}\n$/) });
    await signIn(0, 'piped@example.com', 'piped admin password').expect(201);

    const onArgv = await runCli(['admin:create', 'argv@example.com', 'argv admin password'], cliEnv);
    expect(onArgv.code).toBe(2);
    expect(onArgv.stderr).toContain('never from the command line');
    const short = await runCli(['admin:create', 'short@example.com'], cliEnv, 'short\n');
    expect(short).toMatchObject({ code: 2, stderr: expect.stringContaining('password must be 12') });
    expect(
      await dataSource.query(
        "SELECT email FROM admins WHERE email IN ('argv@example.com', 'short@example.com')",
      ),
    ).toEqual([]);

    const audited = await dataSource.query(
      "SELECT actor_type, actor_id FROM audit_log WHERE action = 'admin.create' AND subject_id = ?",
      [limited.id],
    );
    expect(audited).toEqual([{ actor_type: 'operator', actor_id: 'cli' }]);
  }, 90_000);

  it('counts failures of one email across both processes: the 6th attempt on either answers 429', async () => {
    const email = 'limited@example.com';
    // Five failures, alternating between the two processes.
    for (const api of [0, 1, 0, 1, 0]) {
      const failed = await signIn(api, email, 'not the password');
      expect({ api, status: failed.status, code: failed.body.error?.code }).toEqual({
        api,
        status: 401,
        code: 'invalid_credentials',
      });
    }
    // The 6th, on the process that saw only two of them, and with the right password.
    for (const api of [1, 0]) {
      const limited = await signIn(api, email, 'limited admin password');
      expect({ api, status: limited.status, body: limited.body }).toEqual({
        api,
        status: 429,
        body: {
          error: {
            type: 'rate_limit_error',
            code: 'rate_limited',
            message: 'Too many failed sign-ins for this email. Try again later.',
          },
        },
      });
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(800);
    }
    // Another admin is not affected, on either process.
    for (const api of [0, 1]) await signIn(api, BOOTSTRAP.email, BOOTSTRAP.password).expect(201);
  });
});

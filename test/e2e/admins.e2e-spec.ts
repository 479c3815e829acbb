// Proves the admin side of the api (issue 12): sign-in with an email and a scrypt-hashed password
// (an 8 h admin token and the console cookie), the same 401 in the same time for an unknown email
// and a wrong password, the per-email limit of failed sign-ins, adding admins, the audit log of all
// of it, the books check, DANBAO_BOOTSTRAP_ADMIN, and that no other role reaches /v1/admin/*.
// Real: the api's full module graph and HTTP stack, MariaDB, Redis (T34, T37, T50).
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AdminAccounts, AdminService, SignInLimiter } from '@danbao/admins';
import { Accounts, LedgerService } from '@danbao/ledger';
import { ApiKeyService, createRedis, databaseOf, TokenService } from '@danbao/platform';
import { REDIS_URL, Stack, startStack } from '@danbao/testing';
import { AppModule } from '../../apps/api/src/app.module';
import { COMMANDS } from '../../apps/api/src/cli';

const BOOTSTRAP = { email: 'Ops@Example.com', password: 'bootstrap password 1' };
const EIGHT_HOURS_MS = 8 * 3600 * 1000;

describe('admins', () => {
  let stack: Stack;
  let app: NestFastifyApplication;
  let dataSource: DataSource;
  let tokens: TokenService;
  let apiKey: string;
  const redis = createRedis(REDIS_URL);
  let limiter: SignInLimiter;
  const http = () => request(app.getHttpServer());
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
  const signIn = (email: string, password: string) =>
    http().post('/v1/admin/sessions').send({ email, password });
  let adminToken: string;

  beforeAll(async () => {
    stack = await startStack(AppModule.forRoot, {
      overrides: {
        DANBAO_BOOTSTRAP_ADMIN: `${BOOTSTRAP.email}:${BOOTSTRAP.password}`,
        PUBLIC_URL: 'https://danbao.example',
      },
    });
    app = stack.app;
    limiter = new SignInLimiter(redis, stack.prefix);
    dataSource = app.get(DataSource);
    tokens = app.get(TokenService);
    apiKey = (await app.get(ApiKeyService).create('admins')).key;
    adminToken = (await signIn(BOOTSTRAP.email, BOOTSTRAP.password).expect(201)).body.token;
  });

  afterAll(async () => {
    redis.disconnect();
    await stack?.stop();
  });

  const bootstrapAdmin = async () =>
    (await dataSource.query('SELECT id, email FROM admins WHERE email_key = ?', ['ops@example.com']))[0];

  const auditOf = async (action: string) =>
    (await http().get(`/v1/admin/audit?action=${action}&limit=100`).set(bearer(adminToken)).expect(200)).body
      .data;

  describe('sign-in', () => {
    it('answers an 8-hour admin token, sets the console cookie, and audits it', async () => {
      const before = Date.now();
      const response = await signIn('ops@example.com', BOOTSTRAP.password)
        .set('X-Request-Id', 'req_signin_ok_1')
        .expect(201);
      expect(response.body).toEqual({ token: expect.any(String), expires_at: expect.any(String) });
      const expiresAt = Date.parse(response.body.expires_at);
      expect(expiresAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + EIGHT_HOURS_MS);
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + EIGHT_HOURS_MS);

      const admin = await bootstrapAdmin();
      expect(admin.id).toMatch(/^adm_[0-9a-z]{26}$/);
      // Subject the admin id, with its email (as created: the bootstrap's own casing).
      expect(tokens.verify(response.body.token)).toEqual({
        role: 'admin',
        id: admin.id,
        email: BOOTSTRAP.email,
      });

      const cookie = response.headers['set-cookie'] as unknown as string[];
      expect(cookie).toEqual([
        `danbao_admin=${response.body.token}; Max-Age=28800; Path=/; HttpOnly; Secure; SameSite=Strict`,
      ]);

      const [entry] = (await auditOf('admin.sign_in')).filter(
        (row: { request_id: string }) => row.request_id === 'req_signin_ok_1',
      );
      expect(entry).toEqual({
        id: expect.stringMatching(/^aud_/),
        object: 'audit_entry',
        action: 'admin.sign_in',
        actor: { type: 'admin', id: admin.id, email: BOOTSTRAP.email },
        subject_type: 'admin',
        subject_id: admin.id,
        before: null,
        after: { expires_at: response.body.expires_at },
        request_id: 'req_signin_ok_1',
        created_at: expect.any(String),
      });
    });

    it('opens the queue dashboard with the cookie it set', async () => {
      const response = await signIn(BOOTSTRAP.email, BOOTSTRAP.password).expect(201);
      const cookie = (response.headers['set-cookie'] as unknown as string[])[0].split(';')[0];
      const queues = await http().get('/admin/queues/api/queues').set('Cookie', cookie).expect(200);
      expect(queues.body.queues.map((queue: { name: string }) => queue.name).sort()).toEqual([
        'notifications',
        'payments',
        'system',
      ]);
      expect((await http().get('/admin/queues/api/queues')).status).toBe(401);
    });

    it('answers an unknown email and a wrong password alike: same status, same body, and audits both', async () => {
      const admin = await bootstrapAdmin();
      const wrong = await signIn(BOOTSTRAP.email, 'not the password at all')
        .set('X-Request-Id', 'req_wrong_password')
        .expect(401);
      const unknown = await signIn('nobody@example.com', BOOTSTRAP.password)
        .set('X-Request-Id', 'req_unknown_email')
        .expect(401);
      const expected = {
        error: {
          type: 'authentication_error',
          code: 'invalid_credentials',
          message: 'The email or the password is wrong.',
        },
      };
      expect(wrong.body).toEqual(expected);
      expect(unknown.body).toEqual(expected);
      expect(wrong.text).toBe(unknown.text);
      expect(wrong.headers['set-cookie']).toBeUndefined();
      expect(unknown.headers['set-cookie']).toBeUndefined();

      const refused = await auditOf('admin.sign_in_refused');
      const byRequest = (id: string) => refused.find((row: { request_id: string }) => row.request_id === id);
      expect(byRequest('req_wrong_password')).toMatchObject({
        actor: { type: 'anonymous', id: null, email: 'ops@example.com' },
        subject_type: 'admin',
        subject_id: admin.id,
        after: { reason: 'invalid_credentials' },
      });
      expect(byRequest('req_unknown_email')).toMatchObject({
        actor: { type: 'anonymous', id: null, email: 'nobody@example.com' },
        subject_type: null,
        subject_id: null,
        after: { reason: 'invalid_credentials' },
      });
      await redis.del(limiter.key(BOOTSTRAP.email), limiter.key('nobody@example.com'));
    });

    it('takes as long for an unknown email as for a wrong password (medians within 40%)', async () => {
      const timed = async (email: string) => {
        const started = process.hrtime.bigint();
        await signIn(email, 'a wrong password!').expect(401);
        return Number(process.hrtime.bigint() - started) / 1e6;
      };
      const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
      const known: number[] = [];
      const unknown: number[] = [];
      await timed(BOOTSTRAP.email); // warm-up of both paths
      await timed('warmup@example.com');
      for (let i = 0; i < 7; i += 1) {
        // Interleaved, so a burst of load elsewhere on the machine hits both alike; the failure count
        // is cleared so that the limit (tested below) does not answer instead.
        await redis.del(limiter.key(BOOTSTRAP.email));
        known.push(await timed(BOOTSTRAP.email));
        unknown.push(await timed(`nobody${i}@example.com`));
      }
      await redis.del(limiter.key(BOOTSTRAP.email));
      const [a, b] = [median(known), median(unknown)];
      // Both pay a full scrypt (tens to hundreds of milliseconds here), which a SELECT cannot hide.
      expect(Math.min(a, b)).toBeGreaterThan(20);
      // Shaped so that a failure prints both medians.
      expect({ known: a, unknown: b, within40Percent: Math.abs(a - b) / Math.max(a, b) < 0.4 }).toEqual({
        known: a,
        unknown: b,
        within40Percent: true,
      });
    });

    it('refuses the 6th attempt after 5 failures, even with the right password, until the window passes', async () => {
      const email = 'limited@example.com';
      const password = 'limited admin password';
      await app.get(AdminService).create(email, password, { type: 'operator', name: 'cli' });
      for (let i = 0; i < 5; i += 1) {
        const failed = await signIn(email, `wrong password ${i}`).expect(401);
        expect(failed.body.error.code).toBe('invalid_credentials');
      }
      const limited = await signIn(email, password).set('X-Request-Id', 'req_limited_1').expect(429);
      expect(limited.body).toEqual({
        error: {
          type: 'rate_limit_error',
          code: 'rate_limited',
          message: 'Too many failed sign-ins for this email. Try again later.',
        },
      });
      const retryAfter = Number(limited.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(890);
      expect(retryAfter).toBeLessThanOrEqual(900);
      // Any casing of the same address is the same account, and the same count.
      expect((await signIn('LIMITED@example.com', password)).status).toBe(429);
      // Another admin is not affected.
      await signIn(BOOTSTRAP.email, BOOTSTRAP.password).expect(201);

      // The first refusal of the window is audited; the ones after it cost no row.
      const refused = (await auditOf('admin.sign_in_refused')).filter(
        (row: { actor: { email: string } }) => row.actor.email === email,
      );
      expect(refused.map((row: { after: { reason: string } }) => row.after.reason)).toEqual([
        'rate_limited',
        ...Array(5).fill('invalid_credentials'),
      ]);
      expect(refused[0]).toMatchObject({ request_id: 'req_limited_1', after: { retry_after: retryAfter } });

      // The window passes (the key expires in Redis): the right password signs in again.
      expect(await redis.pexpire(limiter.key(email), 1)).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 20));
      await signIn(email, password).expect(201);
    });

    it('validates the body before anything else', async () => {
      const missing = await http().post('/v1/admin/sessions').send({ email: BOOTSTRAP.email }).expect(400);
      expect(missing.body.error).toMatchObject({ code: 'parameter_missing', param: 'password' });
      const notEmail = await signIn('a password by mistake', 'whatever password').expect(400);
      expect(notEmail.body.error).toMatchObject({
        type: 'invalid_request_error',
        code: 'parameter_invalid',
        param: 'email',
      });
      const extra = await http()
        .post('/v1/admin/sessions')
        .send({ email: BOOTSTRAP.email, password: 'x', role: 'admin' })
        .expect(400);
      expect(extra.body.error).toMatchObject({ code: 'parameter_unknown', param: 'role' });
    });
  });

  describe('adding admins', () => {
    it('answers the admin (never its hash), audits it, and the new admin signs in', async () => {
      const creator = await bootstrapAdmin();
      const created = await http()
        .post('/v1/admin/admins')
        .set(bearer(adminToken))
        .set('X-Request-Id', 'req_create_admin_1')
        .send({ email: 'Second@Example.com', password: 'second admin password' })
        .expect(201);
      expect(created.body).toEqual({
        id: expect.stringMatching(/^adm_[0-9a-z]{26}$/),
        object: 'admin',
        email: 'Second@Example.com',
        created_at: expect.stringMatching(/Z$/),
        created_by: creator.id,
      });
      const [row] = await dataSource.query('SELECT password_hash FROM admins WHERE id = ?', [
        created.body.id,
      ]);
      expect(row.password_hash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
      expect(JSON.stringify(created.body)).not.toContain('scrypt');

      const [entry] = (await auditOf('admin.create')).filter(
        (candidate: { subject_id: string }) => candidate.subject_id === created.body.id,
      );
      expect(entry).toMatchObject({
        actor: { type: 'admin', id: creator.id, email: BOOTSTRAP.email },
        subject_type: 'admin',
        before: null,
        after: created.body,
        request_id: 'req_create_admin_1',
      });
      expect(JSON.stringify(entry)).not.toMatch(/scrypt|second admin password/);

      const session = await signIn('second@example.com', 'second admin password').expect(201);
      expect(tokens.verify(session.body.token)).toMatchObject({ role: 'admin', id: created.body.id });
    });

    it('answers 409 admin_exists for an email taken in any casing, 400 for a short password', async () => {
      const taken = await http()
        .post('/v1/admin/admins')
        .set(bearer(adminToken))
        .send({ email: 'OPS@example.COM', password: 'another long password' })
        .expect(409);
      expect(taken.body).toEqual({
        error: {
          type: 'conflict_error',
          code: 'admin_exists',
          message: 'An admin with this email exists already.',
          param: 'email',
        },
      });
      const short = await http()
        .post('/v1/admin/admins')
        .set(bearer(adminToken))
        .send({ email: 'short@example.com', password: 'elevenchars' })
        .expect(400);
      expect(short.body).toEqual({
        error: {
          type: 'invalid_request_error',
          code: 'parameter_invalid',
          message: 'password must be 12 to 1024 characters',
          param: 'password',
        },
      });
      expect(await dataSource.query("SELECT id FROM admins WHERE email_key = 'short@example.com'")).toEqual(
        [],
      );
    });

    it('replays a creation by its Idempotency-Key', async () => {
      const create = () =>
        http()
          .post('/v1/admin/admins')
          .set(bearer(adminToken))
          .set('Idempotency-Key', 'admin-third')
          .send({ email: 'third@example.com', password: 'third admin password' });
      const first = await create().expect(201);
      const again = await create().expect(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toEqual(first.body);
      expect(await dataSource.query("SELECT id FROM admins WHERE email_key = 'third@example.com'")).toEqual([
        { id: first.body.id },
      ]);
    });

    it('creates the bootstrap admin once however many processes ensure it at once', async () => {
      const accounts = app.get(AdminAccounts);
      const results = await Promise.all(
        Array.from({ length: 4 }, () =>
          accounts.ensure('boot2@example.com', 'bootstrap two password', 'bootstrap'),
        ),
      );
      expect(results.filter((result) => result.created)).toHaveLength(1);
      const rows = await dataSource.query(
        "SELECT id, created_by FROM admins WHERE email_key = 'boot2@example.com'",
      );
      expect(rows).toEqual([{ id: expect.any(String), created_by: null }]);
      const audited = (await auditOf('admin.create')).filter(
        (entry: { subject_id: string }) => entry.subject_id === rows[0].id,
      );
      expect(audited).toEqual([
        expect.objectContaining({
          actor: { type: 'operator', id: 'bootstrap', email: null },
          request_id: null,
        }),
      ]);
    });
  });

  describe('the audit log', () => {
    it('lists newest first, a page at a time, filtered by action', async () => {
      const first = await http().get('/v1/admin/audit?limit=2').set(bearer(adminToken)).expect(200);
      expect(first.body).toEqual({ object: 'list', data: expect.any(Array), has_more: true });
      expect(first.body.data).toHaveLength(2);
      const next = await http()
        .get(`/v1/admin/audit?limit=100&starting_after=${first.body.data[1].id}`)
        .set(bearer(adminToken))
        .expect(200);
      const ids = [...first.body.data, ...next.body.data].map((entry: { id: string }) => entry.id);
      expect(ids).toEqual([...ids].sort().reverse());
      expect(new Set(ids).size).toBe(ids.length);
      const creations = await auditOf('admin.create');
      expect(creations.length).toBeGreaterThanOrEqual(3);
      expect(creations.every((entry: { action: string }) => entry.action === 'admin.create')).toBe(true);
      const bad = await http().get('/v1/admin/audit?action=DROP').set(bearer(adminToken)).expect(400);
      expect(bad.body.error).toMatchObject({ code: 'parameter_invalid', param: 'action' });
    });
  });

  describe('the books check', () => {
    it('answers what `npm run ledger:check -- --json` prints, and names a violation', async () => {
      const ledger = new LedgerService(databaseOf(dataSource));
      await ledger.postInOwnTransaction({
        reference: 'test:admins:1',
        kind: 'adjustment',
        postings: [
          { account: Accounts.channel('sandbox'), currency: 'CNY', amount: -1999n },
          { account: Accounts.platformFees(), currency: 'CNY', amount: 1999n },
        ],
      });
      const clean = await http().get('/v1/admin/ledger/check').set(bearer(adminToken)).expect(200);
      expect(clean.body).toEqual({
        balanced: true,
        checked_at: expect.stringMatching(/Z$/),
        currencies: [{ currency: 'CNY', debits: '1999', credits: '1999' }],
        violations: [],
      });

      await dataSource.query('UPDATE ledger_balances SET balance = balance + 1 WHERE account_code = ?', [
        Accounts.platformFees(),
      ]);
      const broken = await http().get('/v1/admin/ledger/check').set(bearer(adminToken)).expect(200);
      expect(broken.body.balanced).toBe(false);
      expect(broken.body.violations).toEqual([
        {
          kind: 'balance_mismatch',
          account: Accounts.platformFees(),
          detail: expect.stringContaining('is 2000 but its entries sum to 1999'),
        },
      ]);

      // The CLI's --json, run against the same database, answers the same report.
      const written: string[] = [];
      const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
        written.push(String(chunk));
        return true;
      });
      const previous = process.env.DATABASE_URL;
      process.env.DATABASE_URL = stack.database.databaseUrl;
      try {
        expect(await COMMANDS['ledger:check'].run(['--json'])).toBe(1);
      } finally {
        write.mockRestore();
        process.env.DATABASE_URL = previous;
        if (previous === undefined) delete process.env.DATABASE_URL;
      }
      const printed = JSON.parse(written.join(''));
      expect({ ...printed, checked_at: 'x' }).toEqual({ ...broken.body, checked_at: 'x' });
      await dataSource.query('UPDATE ledger_balances SET balance = balance - 1 WHERE account_code = ?', [
        Accounts.platformFees(),
      ]);
    });
  });

  describe('authorization (T34)', () => {
    const routes: [string, string][] = [
      ['get', '/v1/admin/audit'],
      ['get', '/v1/admin/ledger/check'],
      ['post', '/v1/admin/admins'],
    ];

    it.each(routes)(
      '%s %s: 403 forbidden for buyers, sellers and the marketplace; 401 without a token',
      async (method, path) => {
        const call = () => {
          const agent = http();
          return method === 'post'
            ? agent.post(path).send({ email: 'x@example.com', password: 'a long password here' })
            : agent.get(path);
        };
        for (const credential of [
          tokens.mint('buyer', 'buyer_1', 600).token,
          tokens.mint('seller', 'seller_1', 600).token,
          apiKey,
        ]) {
          const refused = await call().set(bearer(credential));
          expect({ status: refused.status, body: refused.body }).toEqual({
            status: 403,
            body: {
              error: {
                type: 'permission_error',
                code: 'forbidden',
                message: 'This role may not use this route.',
              },
            },
          });
        }
        const anonymous = await call();
        expect({ status: anonymous.status, code: anonymous.body.error.code }).toEqual({
          status: 401,
          code: 'unauthenticated',
        });
        expect(await dataSource.query("SELECT id FROM admins WHERE email_key = 'x@example.com'")).toEqual([]);
      },
    );
  });
});

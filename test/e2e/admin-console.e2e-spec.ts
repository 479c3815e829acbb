// Proves the rules of the admin console (issue 12): signing in sets the `danbao_admin` cookie and
// redirects; a refused sign-in re-renders 401 without saying which part was wrong (429 with its text
// once limited); pages without the cookie, or with a buyer's, seller's or marketplace's credential in
// it, go to sign-in; every form without its CSRF token is refused with 403 and changes nothing; the
// pages allow no inline script; text that came from outside is escaped.
// Real: the api's full module graph and HTTP stack, MariaDB, Redis.
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { RefundService } from '@danbao/channels';
import { ApiKeyService, Database, runInTransaction, TokenService } from '@danbao/platform';
import { allMigrations } from '@danbao/schema';
import {
  createTestApp,
  createTestDatabase,
  deleteQueueKeys,
  REDIS_URL,
  TestDatabase,
  testConfig,
  testQueuePrefix,
} from '@danbao/testing';
import { AppModule } from '../../apps/api/src/app.module';

const ADMIN = { email: 'console@example.com', password: 'console password 1' };

/** The `name=value` pairs a response sets, by name. */
function setCookies(response: request.Response): Record<string, string> {
  const header = (response.headers['set-cookie'] ?? []) as unknown as string[];
  return Object.fromEntries(header.map((line) => line.split(';')[0].split(/=(.*)/s).slice(0, 2)));
}

const csrfOf = (html: string): string => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

describe('admin console', () => {
  let database: TestDatabase;
  let app: NestFastifyApplication;
  let dataSource: DataSource;
  let tokens: TokenService;
  const prefix = testQueuePrefix();
  const http = () => request(app.getHttpServer());
  /** The CSRF secret cookie of a browser that opened the sign-in page, and a token for it. */
  let csrfCookie: string;
  let signInToken: string;
  /** A signed-in browser: both cookies. */
  let session: string;

  beforeAll(async () => {
    database = await createTestDatabase(allMigrations);
    app = await createTestApp(
      AppModule.forRoot(
        testConfig(database.databaseUrl, prefix, {
          DANBAO_BOOTSTRAP_ADMIN: `${ADMIN.email}:${ADMIN.password}`,
        }),
      ),
    );
    dataSource = app.get(DataSource);
    tokens = app.get(TokenService);
    const page = await http().get('/admin/sign-in').expect(200);
    csrfCookie = `danbao_console_csrf=${setCookies(page).danbao_console_csrf}`;
    signInToken = csrfOf(page.text);
    const signedIn = await signIn(ADMIN.email, ADMIN.password).expect(303);
    session = `${csrfCookie}; danbao_admin=${setCookies(signedIn).danbao_admin}`;
  });

  afterAll(async () => {
    await app?.close();
    await deleteQueueKeys(REDIS_URL, prefix);
    await database?.drop();
  });

  const signIn = (email: string, password: string, token = signInToken) =>
    http()
      .post('/admin/sign-in')
      .set('cookie', csrfCookie)
      .type('form')
      .send({ _csrf: token, email, password });

  const auditCount = async (action: string): Promise<number> =>
    Number((await dataSource.query('SELECT COUNT(*) AS n FROM audit_log WHERE action = ?', [action]))[0].n);

  /** A refund the channel refused, as the home page lists it. */
  async function failedRefund(reason = 'refund_required'): Promise<string> {
    const refunds = app.get(RefundService);
    const refund = await runInTransaction(app.get(Database), (tx) =>
      refunds.holdInSuspense(
        tx,
        { id: `pay_console_${Date.now()}`, channel: 'sandbox', amount: 820n, currency: 'CNY' },
        reason,
        new Date(),
      ),
    );
    await dataSource.query(
      "UPDATE refunds SET status = 'failed', failure_code = 'card_closed' WHERE id = ?",
      [refund.id],
    );
    return refund.id;
  }

  describe('sign-in', () => {
    it('shows the form with a CSRF token, under the page policy', async () => {
      const page = await http().get('/admin/sign-in').expect(200);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.headers['cache-control']).toBe('no-store');
      const policy = page.headers['content-security-policy'];
      expect(policy).toContain("script-src 'none'");
      expect(policy).toContain("frame-ancestors 'none'");
      expect(policy).not.toContain('unsafe-inline');
      expect(page.headers['set-cookie']).toEqual([
        expect.stringMatching(/^danbao_console_csrf=[^;]+; Path=\/admin; HttpOnly; SameSite=Strict$/),
      ]);
      expect(csrfOf(page.text)).not.toBe('');
      expect(page.text).not.toMatch(/<script/i);
    });

    it('sets the danbao_admin cookie as the sessions route does and redirects 303 to /admin', async () => {
      const response = await signIn(ADMIN.email.toUpperCase(), ADMIN.password).expect(303);
      expect(response.headers.location).toBe('/admin');
      expect(response.headers['cache-control']).toBe('no-store');
      const [cookie] = response.headers['set-cookie'] as unknown as string[];
      expect(cookie).toMatch(/^danbao_admin=[^;]+; Max-Age=28800; Path=\/; HttpOnly; SameSite=Strict$/);
      const token = setCookies(response).danbao_admin;
      expect(tokens.verify(token)).toMatchObject({ role: 'admin', email: ADMIN.email });

      const home = await http().get('/admin').set('cookie', `danbao_admin=${token}`).expect(200);
      expect(home.text).toContain('Admin console');
      expect(home.text).toContain('href="/admin/queues"');
      expect(home.text).toContain(ADMIN.email);
    });

    it('re-renders 401 with one neutral message for a wrong password and an unknown email alike', async () => {
      const wrongPassword = await signIn(ADMIN.email, 'not the password 1').expect(401);
      const unknownEmail = await signIn('nobody@example.com', ADMIN.password).expect(401);
      const malformed = await signIn('not an email', ADMIN.password).expect(401);
      const message = (html: string) => /data-testid="error">([^<]*)</.exec(html)?.[1];
      expect(message(wrongPassword.text)).toBe('The email or the password is wrong.');
      expect(message(unknownEmail.text)).toBe(message(wrongPassword.text));
      expect(message(malformed.text)).toBe(message(wrongPassword.text));
      for (const response of [wrongPassword, unknownEmail, malformed]) {
        expect(setCookies(response).danbao_admin).toBeUndefined();
        expect(response.headers['cache-control']).toBe('no-store');
        // The form comes back, with a fresh token, and never echoes the password.
        expect(csrfOf(response.text)).not.toBe('');
        expect(response.text).not.toContain(ADMIN.password);
      }
    });

    it('answers 429 with its text and Retry-After once an email has failed 5 times', async () => {
      const email = 'limited@example.com';
      for (let attempt = 0; attempt < 5; attempt += 1) await signIn(email, 'wrong password 12').expect(401);
      const limited = await signIn(email, 'wrong password 12').expect(429);
      expect(limited.text).toContain('Too many failed sign-ins for this email. Try again later.');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(setCookies(limited).danbao_admin).toBeUndefined();
    });

    it('refuses a sign-in form without its CSRF token (403) and signs nobody in', async () => {
      const before = await auditCount('admin.sign_in');
      const missing = await http()
        .post('/admin/sign-in')
        .set('cookie', csrfCookie)
        .type('form')
        .send({ email: ADMIN.email, password: ADMIN.password })
        .expect(403);
      const forged = await signIn(ADMIN.email, ADMIN.password, 'forged-token').expect(403);
      // A token without the secret cookie it belongs to is no better.
      const noCookie = await http()
        .post('/admin/sign-in')
        .type('form')
        .send({ _csrf: signInToken, email: ADMIN.email, password: ADMIN.password })
        .expect(403);
      for (const response of [missing, forged, noCookie]) {
        expect(setCookies(response).danbao_admin).toBeUndefined();
        expect(response.text).toContain('This form has expired');
      }
      expect(await auditCount('admin.sign_in')).toBe(before);
    });
  });

  describe('who may see the pages', () => {
    const pages = ['/admin', '/admin/'];

    it('sends a browser without the cookie, or with a bad one, to the sign-in page', async () => {
      for (const path of pages) {
        for (const cookie of [
          undefined,
          'danbao_admin=',
          'danbao_admin=not.a.token',
          'danbao_admin=eyJhbGciOiJub25lIn0.e30.',
        ]) {
          const call = http().get(path);
          if (cookie) call.set('cookie', cookie);
          const response = await call.expect(303);
          expect(response.headers.location).toBe('/admin/sign-in');
        }
      }
    });

    it('refuses a buyer, a seller and a marketplace key in the cookie, and an admin bearer header without it', async () => {
      const buyer = tokens.mint('buyer', 'buyer_console', 600).token;
      const seller = tokens.mint('seller', 'seller_console', 600).token;
      const { key } = await app.get(ApiKeyService).create('console');
      const admin = tokens.mint('admin', 'adm_other', 600, 'other@example.com').token;
      for (const cookie of [buyer, seller, key]) {
        const response = await http().get('/admin').set('cookie', `danbao_admin=${cookie}`).expect(303);
        expect(response.headers.location).toBe('/admin/sign-in');
      }
      // The console reads only its cookie: a bearer header (which a page cannot be made to send) is not it.
      await http().get('/admin').set('Authorization', `Bearer ${admin}`).expect(303);
      await http().get('/admin').set('cookie', `danbao_admin=${admin}`).expect(200);
    });

    it('refuses a buyer token on a form too, without doing anything', async () => {
      const refundId = await failedRefund();
      const page = await http().get('/admin').set('cookie', session).expect(200);
      const buyer = tokens.mint('buyer', 'buyer_console', 600).token;
      const response = await http()
        .post(`/admin/refunds/${refundId}/retry`)
        .set('cookie', `${csrfCookie}; danbao_admin=${buyer}`)
        .type('form')
        .send({ _csrf: csrfOf(page.text) })
        .expect(303);
      expect(response.headers.location).toBe('/admin/sign-in');
      expect(await dataSource.query('SELECT id FROM refunds WHERE retry_of = ?', [refundId])).toEqual([]);
    });
  });

  describe('failed refunds', () => {
    it('lists a failed refund with a Retry form that retries it as the signed-in admin, once', async () => {
      const refundId = await failedRefund();
      const home = await http().get('/admin').set('cookie', session).expect(200);
      expect(home.text).toContain(refundId);
      expect(home.text).toContain(`action="/admin/refunds/${refundId}/retry"`);
      const token = csrfOf(home.text);

      const retried = await http()
        .post(`/admin/refunds/${refundId}/retry`)
        .set('cookie', session)
        .type('form')
        .send({ _csrf: token })
        .expect(303);
      const [retry] = await dataSource.query('SELECT id, status FROM refunds WHERE retry_of = ?', [refundId]);
      expect(retry.status).toBe('requested');
      expect(retried.headers.location).toBe(`/admin?done=refund_retried&refund=${retry.id}`);
      const after = await http().get(retried.headers.location).set('cookie', session).expect(200);
      expect(after.text).toContain(`The refund was retried: ${retry.id} was sent to the channel.`);
      const [entry] = await dataSource.query(
        "SELECT actor_type, actor_email FROM audit_log WHERE action = 'refund.retry' AND subject_id = ?",
        [refundId],
      );
      expect(entry).toEqual({ actor_type: 'admin', actor_email: ADMIN.email });
      // The audit log on the home page shows it.
      expect(after.text).toContain('refund.retry');

      const again = await http()
        .post(`/admin/refunds/${refundId}/retry`)
        .set('cookie', session)
        .type('form')
        .send({ _csrf: token })
        .expect(409);
      expect(again.text).toContain('This refund has been retried already.');
    });

    it('refuses a Retry without its CSRF token (403) and retries nothing', async () => {
      const refundId = await failedRefund();
      const adminCookie = session.split('; ').find((part) => part.startsWith('danbao_admin='))!;
      for (const [cookie, form] of [
        [session, {}],
        [session, { _csrf: 'forged' }],
        [adminCookie, { _csrf: signInToken }],
      ] as const) {
        const response = await http()
          .post(`/admin/refunds/${refundId}/retry`)
          .set('cookie', cookie)
          .type('form')
          .send(form)
          .expect(403);
        expect(response.text).toContain('This form has expired');
      }
      expect(await dataSource.query('SELECT id FROM refunds WHERE retry_of = ?', [refundId])).toEqual([]);
      const [row] = await dataSource.query('SELECT status FROM refunds WHERE id = ?', [refundId]);
      expect(row.status).toBe('failed');
    });

    it('escapes text that came from outside', async () => {
      const refundId = await failedRefund('<script>alert(1)</script><img src=x onerror=alert(2)>');
      const home = await http().get('/admin').set('cookie', session).expect(200);
      expect(home.text).toContain(refundId);
      expect(home.text).not.toContain('<script>alert(1)</script>');
      expect(home.text).not.toContain('<img src=x');
      expect(home.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    });
  });

  describe('sign-out', () => {
    it('refuses a sign-out without its CSRF token and keeps the session', async () => {
      const response = await http()
        .post('/admin/sign-out')
        .set('cookie', session)
        .type('form')
        .send({})
        .expect(403);
      expect(setCookies(response).danbao_admin).toBeUndefined();
      await http().get('/admin').set('cookie', session).expect(200);
    });

    it('clears the cookie and goes to sign-in', async () => {
      const home = await http().get('/admin').set('cookie', session).expect(200);
      const response = await http()
        .post('/admin/sign-out')
        .set('cookie', session)
        .type('form')
        .send({ _csrf: csrfOf(home.text) })
        .expect(303);
      expect(response.headers.location).toBe('/admin/sign-in');
      expect(response.headers['set-cookie']).toEqual([
        expect.stringMatching(
          /^danbao_admin=; Max-Age=0; Path=\/; Expires=[^;]+; HttpOnly; SameSite=Strict$/,
        ),
      ]);
    });
  });
});

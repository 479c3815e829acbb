// Proves the rules of the admin console (issue 12): signing in sets the `danbao_admin` cookie and
// redirects; a refused sign-in re-renders 401 without saying which part was wrong (429 with its text
// once limited); pages without the cookie, or with a buyer's, seller's or marketplace's credential in
// it, go to sign-in; every form without its CSRF token is refused with 403 and changes nothing; the
// pages allow no inline script; text that came from outside (a buyer's dispute message) is escaped;
// the dispute page resolves and approves through DisputesService, showing its refusals.
// Real: the api's full module graph and HTTP stack, MariaDB, Redis.
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { RefundService } from '@danbao/channels';
import { ApiKeyService, Database, runInTransaction, TokenService } from '@danbao/platform';
import { Stack, startStack } from '@danbao/testing';
import { AppModule } from '../../apps/api/src/app.module';
import { ApiClient } from '../support/api-client';

const ADMIN = { email: 'console@example.com', password: 'console password 1' };
/** Rulings refunding more than CNY 50.00 wait for a second admin. */
const THRESHOLD = '5000';
const MARKUP = '<script>alert(1)</script><img src=x onerror=alert(2)>';

/** The `name=value` pairs a response sets, by name. */
function setCookies(response: request.Response): Record<string, string> {
  const header = (response.headers['set-cookie'] ?? []) as unknown as string[];
  return Object.fromEntries(header.map((line) => line.split(';')[0].split(/=(.*)/s).slice(0, 2)));
}

const csrfOf = (html: string): string => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

describe('admin console', () => {
  let stack: Stack;
  let app: NestFastifyApplication;
  let dataSource: DataSource;
  let tokens: TokenService;
  const http = () => request(app.getHttpServer());
  /** The CSRF secret cookie of a browser that opened the sign-in page, and a token for it. */
  let csrfCookie: string;
  let signInToken: string;
  /** A signed-in browser: both cookies. */
  let session: string;

  beforeAll(async () => {
    stack = await startStack(AppModule.forRoot, {
      overrides: {
        DANBAO_BOOTSTRAP_ADMIN: `${ADMIN.email}:${ADMIN.password}`,
        ADMIN_APPROVAL_THRESHOLD: THRESHOLD,
      },
    });
    app = stack.app;
    dataSource = app.get(DataSource);
    tokens = app.get(TokenService);
    const page = await http().get('/admin/sign-in').expect(200);
    csrfCookie = `danbao_console_csrf=${setCookies(page).danbao_console_csrf}`;
    signInToken = csrfOf(page.text);
    const signedIn = await signIn(ADMIN.email, ADMIN.password).expect(303);
    session = `${csrfCookie}; danbao_admin=${setCookies(signedIn).danbao_admin}`;
  });

  afterAll(async () => {
    await stack?.stop();
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

  describe('disputes', () => {
    let client: ApiClient;
    beforeAll(async () => {
      client = await ApiClient.create(app);
    });

    /** Paid (the sandbox's notification), shipped, disputed with markup in the message, rejected, escalated. */
    async function escalated(amount: number, refundAsked: number): Promise<{ id: string; orderId: string }> {
      const suffix = `${Date.now()}${Math.floor(Math.random() * 1000)}`;
      const order = await client.createOrder({
        amount,
        buyer_id: `buyer_${suffix}`,
        seller_id: `seller_${suffix}`,
        description: `Vase ${MARKUP}`,
      });
      const submitted = await client.submitCard(order.checkout_url, '4242 4242 4242 4242');
      await client
        .notify(client.paymentNotification(`ntf_${suffix}`, submitted.paymentId!, amount))
        .expect(200);
      const seller = await client.tokenFor('seller', order.seller_id);
      const buyer = await client.tokenFor('buyer', order.buyer_id);
      await client
        .http()
        .post(`/v1/orders/${order.id}/shipments`)
        .set(seller)
        .send({ method: 'express', carrier: 'SF Express', tracking_number: `SF${suffix}` })
        .expect(200);
      const opened = await client
        .http()
        .post(`/v1/orders/${order.id}/disputes`)
        .set(buyer)
        .send({ reason: 'damaged', refund_amount: refundAsked, message: `Broken ${MARKUP}` })
        .expect(201);
      await client
        .http()
        .post(`/v1/disputes/${opened.body.id}/reject`)
        .set(seller)
        .send({ message: 'No.' })
        .expect(200);
      await client.http().post(`/v1/disputes/${opened.body.id}/escalate`).set(buyer).expect(200);
      return { id: opened.body.id, orderId: order.id };
    }

    const statusOf = async (id: string): Promise<string> =>
      (await dataSource.query('SELECT status FROM disputes WHERE id = ?', [id]))[0].status;
    const page = (id: string, cookie = session) => http().get(`/admin/disputes/${id}`).set('cookie', cookie);
    const post = (
      id: string,
      action: 'resolve' | 'approve',
      form: Record<string, string>,
      cookie = session,
    ) => http().post(`/admin/disputes/${id}/${action}`).set('cookie', cookie).type('form').send(form);

    it('lists an escalated dispute on the home page and shows it with the markup of its message escaped', async () => {
      const dispute = await escalated(12_800, 6_000);
      const home = await http().get('/admin').set('cookie', session).expect(200);
      expect(home.text).toContain(`href="/admin/disputes/${dispute.id}"`);
      const shown = await page(dispute.id).expect(200);
      expect(shown.headers['content-security-policy']).not.toContain('unsafe-inline');
      expect(shown.headers['cache-control']).toBe('no-store');
      expect(shown.text).not.toContain(MARKUP);
      expect(shown.text).toContain(
        'Broken &lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;',
      );
      expect(shown.text).toContain('Vase &lt;script&gt;');
      expect(shown.text).not.toMatch(/<script/i);
      // The split of a partial refund of what was asked: ¥68.00 released, the 2% fee on it only.
      expect(shown.text).toContain('¥68.00 to the seller, after a fee of ¥1.36 (¥66.64 net)');
      expect(shown.text).toContain(`action="/admin/disputes/${dispute.id}/resolve"`);
    });

    it('sends a browser without an admin cookie to sign-in from a dispute and its forms', async () => {
      const dispute = await escalated(3_000, 1_000);
      const buyer = `danbao_admin=${tokens.mint('buyer', 'buyer_x', 600).token}`;
      for (const cookie of ['', buyer]) {
        expect((await page(dispute.id, cookie).expect(303)).headers.location).toBe('/admin/sign-in');
        await post(dispute.id, 'resolve', { outcome: 'refund', note: 'x' }, cookie).expect(303);
      }
      expect(await statusOf(dispute.id)).toBe('escalated');
    });

    it('refuses the resolve and approve forms without their CSRF token (403) and changes nothing', async () => {
      const dispute = await escalated(12_000, 9_000);
      const token = csrfOf((await page(dispute.id).expect(200)).text);
      for (const form of [{}, { _csrf: 'forged' }] as Record<string, string>[]) {
        const refused = await post(dispute.id, 'resolve', {
          ...form,
          outcome: 'refund',
          note: 'All back.',
        }).expect(403);
        expect(refused.text).toContain('This form has expired');
      }
      expect(await statusOf(dispute.id)).toBe('escalated');
      // Above the threshold: the ruling waits for a second admin.
      await post(dispute.id, 'resolve', { _csrf: token, outcome: 'refund', note: 'All back.' }).expect(303);
      expect(await statusOf(dispute.id)).toBe('awaiting_approval');
      const other = `${csrfCookie}; danbao_admin=${tokens.mint('admin', 'adm_second', 600, 'second@example.com').token}`;
      await post(dispute.id, 'approve', {}, other).expect(403);
      await post(dispute.id, 'approve', { _csrf: 'forged' }, other).expect(403);
      expect(await statusOf(dispute.id)).toBe('awaiting_approval');
    });

    it("shows a bad ruling and the refusal of approving one's own ruling on the page, and lets a second admin approve", async () => {
      const dispute = await escalated(12_000, 9_000);
      const token = csrfOf((await page(dispute.id).expect(200)).text);
      const partialWithout = await post(dispute.id, 'resolve', {
        _csrf: token,
        outcome: 'partial_refund',
        refund_amount: '',
        note: 'Half.',
      }).expect(400);
      expect(partialWithout.text).toContain('A partial refund needs a refund amount');
      const tooMuch = await post(dispute.id, 'resolve', {
        _csrf: token,
        outcome: 'partial_refund',
        refund_amount: '12000',
        note: 'All of it.',
      }).expect(400);
      expect(tooMuch.text).toContain('refund_amount of a partial_refund must be between 1 and 11999');
      // What was typed comes back, escaped.
      expect(tooMuch.text).toContain('All of it.');
      expect(await statusOf(dispute.id)).toBe('escalated');

      const ruled = await post(dispute.id, 'resolve', {
        _csrf: token,
        outcome: 'partial_refund',
        refund_amount: '8000',
        note: `Mostly ${MARKUP}`,
      }).expect(303);
      expect(ruled.headers.location).toBe(`/admin/disputes/${dispute.id}?done=awaiting_approval`);
      const waiting = await page(dispute.id).expect(200);
      expect(waiting.text).toContain(`action="/admin/disputes/${dispute.id}/approve"`);
      expect(waiting.text).not.toContain(MARKUP);
      const home = await http().get('/admin').set('cookie', session).expect(200);
      expect(home.text).toMatch(new RegExp(`data-testid="approvals"[\\s\\S]*${dispute.id}`));

      const own = await post(dispute.id, 'approve', { _csrf: token }).expect(403);
      expect(own.text).toContain('You cannot approve your own ruling: a second admin must approve it.');
      expect(await statusOf(dispute.id)).toBe('awaiting_approval');

      const second = `${csrfCookie}; danbao_admin=${tokens.mint('admin', 'adm_second', 600, 'second@example.com').token}`;
      const approved = await post(dispute.id, 'approve', { _csrf: token }, second).expect(303);
      expect(approved.headers.location).toBe(`/admin/disputes/${dispute.id}?done=approved`);
      expect(await statusOf(dispute.id)).toBe('partially_refunded');
      const after = await http().get(approved.headers.location).set('cookie', second).expect(200);
      expect(after.text).toContain('The ruling was approved');
      expect(after.text).toContain(
        '¥80.00 back to the buyer; ¥40.00 released to the seller, fee ¥0.80, net ¥39.20',
      );
    });
  });

  describe('degrade switches', () => {
    it('flips a switch from the home page as the signed-in admin, audited, and back on', async () => {
      const home = await http().get('/admin').set('cookie', session).expect(200);
      expect(home.text).toContain('action="/admin/switches/listings"');
      const token = csrfOf(home.text);
      const flip = (name: string, enabled: string, form: Record<string, string> = { _csrf: token }) =>
        http()
          .post(`/admin/switches/${name}`)
          .set('cookie', session)
          .type('form')
          .send({ ...form, enabled });

      const off = await flip('listings', 'false').expect(303);
      expect(off.headers.location).toBe('/admin?done=switched_off&name=listings#switches');
      const [row] = await dataSource.query(
        "SELECT enabled, updated_by FROM degrade_switches WHERE name = 'listings'",
      );
      expect(row).toEqual({ enabled: 0, updated_by: ADMIN.email });
      const after = await http().get(off.headers.location).set('cookie', session).expect(200);
      expect(after.text).toContain('listings is switched off; every process follows within 5 seconds.');
      expect(after.text).toContain('Switch on');
      const [entry] = await dataSource.query(
        "SELECT actor_email, after_state FROM audit_log WHERE action = 'switch.update' AND subject_id = 'listings'",
      );
      expect(entry).toEqual({ actor_email: ADMIN.email, after_state: '{"enabled":false}' });

      // Without its token, or with a setting that is no switch's, nothing changes.
      const refused = await flip('listings', 'true', {}).expect(403);
      expect(refused.text).toContain('This form has expired');
      await flip('checkout', 'false').expect(400);
      await flip('listings', 'maybe').expect(400);
      const [still] = await dataSource.query("SELECT enabled FROM degrade_switches WHERE name = 'listings'");
      expect(still.enabled).toBe(0);

      await flip('listings', 'true').expect(303);
      const [on] = await dataSource.query("SELECT enabled FROM degrade_switches WHERE name = 'listings'");
      expect(on.enabled).toBe(1);
    });

    it('leaves the audit view out of the home page while reports are switched off', async () => {
      const token = csrfOf((await http().get('/admin').set('cookie', session).expect(200)).text);
      const flip = (enabled: string) =>
        http()
          .post('/admin/switches/reports')
          .set('cookie', session)
          .type('form')
          .send({ _csrf: token, enabled })
          .expect(303);
      await flip('false');
      try {
        const home = await http().get('/admin').set('cookie', session).expect(200);
        expect(home.text).toContain('The audit view is switched off (reports).');
        expect(home.text).not.toContain('data-testid="audit"');
        // The rest of the home page is still there.
        expect(home.text).toContain('id="refunds"');
      } finally {
        await flip('true');
      }
      const home = await http().get('/admin').set('cookie', session).expect(200);
      expect(home.text).toContain('data-testid="audit"');
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

// Proves the rules of the seller console: the link a marketplace mints (a seller token of at most
// 15 minutes) is exchanged once for an HttpOnly, SameSite=Strict session cookie scoped to /seller,
// and never for a buyer's, an admin's or a long-lived token; a replayed, expired or forged link
// opens nothing; /seller shows the cookie's seller's balances, chart and payouts and never another
// seller's, whatever the URL says; pages without a valid cookie go to the "link expired" page; the
// pages carry the strict policy and no inline script, and stay out of the OpenAPI document.
// Real: the api's full HTTP stack in-process, MariaDB, Redis. Money is made by the factories and
// the release and settlement services, as the settlement suite does.
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ReleaseService } from '@danbao/escrow';
import { ApiKeyService, TokenService } from '@danbao/platform';
import { PayoutService, SettlementService } from '@danbao/settlement';
import { makePaidOrder, shipOrders, Stack, startStack } from '@danbao/testing';
import { AppModule } from '../../apps/api/src/app.module';

const cookiesOf = (response: request.Response): string[] =>
  (response.headers['set-cookie'] ?? []) as unknown as string[];

describe('seller console', () => {
  let stack: Stack;
  let app: NestFastifyApplication;
  let dataSource: DataSource;
  let tokens: TokenService;
  let apiKey: string;

  const suffix = Date.now().toString(36);
  const sellerA = `sel_console_a_${suffix}`;
  const sellerB = `sel_console_b_${suffix}`;

  beforeAll(async () => {
    stack = await startStack(AppModule.forRoot);
    ({ app } = stack);
    dataSource = app.get(DataSource);
    tokens = app.get(TokenService);
    apiKey = (await app.get(ApiKeyService).create('seller console')).key;

    // Seller A: two released orders made available, one payout. Seller B: one, still incoming.
    const operator = { type: 'operator', name: 'cli' } as const;
    await app.get(SettlementService).updateSettings(sellerA, { payoutDelayMs: 0 }, operator);
    for (const [seller, amount] of [
      [sellerA, 12_800],
      [sellerA, 5_000],
      [sellerB, 77_700],
    ] as const) {
      const order = await makePaidOrder(dataSource, { sellerId: seller, amount, feeBps: 200 });
      await shipOrders(dataSource, [order], { autoConfirmAt: new Date(), confirmedAt: new Date() });
      expect((await app.get(ReleaseService).releaseBatch([order])).get(order.holdId)).toMatchObject({
        status: 'released',
      });
    }
    await app.get(SettlementService).mature(sellerA, 'CNY');
    await app.get(PayoutService).requestPayout(sellerA, 3_000n, 'CNY');
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const http = () => request(app.getHttpServer());

  /** A link as the marketplace makes it: POST /v1/auth/tokens, then the console_url it answers. */
  async function mintLink(role: 'buyer' | 'seller', subjectId: string, ttlSeconds?: number) {
    const minted = await http()
      .post('/v1/auth/tokens')
      .set('Authorization', `Bearer ${apiKey}`)
      .send({ role, subject_id: subjectId, ...(ttlSeconds ? { ttl_seconds: ttlSeconds } : {}) })
      .expect(201);
    return minted.body as { token: string; console_url?: string };
  }

  async function signIn(seller: string): Promise<string> {
    const { console_url: url } = await mintLink('seller', seller);
    const response = await http()
      .get(new URL(url!).pathname + new URL(url!).search)
      .expect(303);
    const cookie = cookiesOf(response).find((line) => line.startsWith('danbao_seller='));
    return cookie!.split(';')[0];
  }

  describe('the link', () => {
    it('is answered with a console_url for seller tokens only, leaving the rest of the answer as it was', async () => {
      const seller = await mintLink('seller', sellerA);
      expect(seller.console_url).toBe(
        `${stack.config.publicUrl}/seller/session?token=${encodeURIComponent(seller.token)}`,
      );
      const buyer = await mintLink('buyer', 'buyer_1');
      expect(buyer).not.toHaveProperty('console_url');
    });

    it('exchanges a seller token for an HttpOnly SameSite=Strict cookie on /seller and sends the browser on', async () => {
      const { token } = await mintLink('seller', sellerA);
      const response = await http().get('/seller/session').query({ token }).expect(303);
      expect(response.headers.location).toBe('/seller');
      expect(response.headers['cache-control']).toBe('no-store');
      const [cookie] = cookiesOf(response);
      expect(cookie).toMatch(/^danbao_seller=[A-Za-z0-9._-]+;/);
      expect(cookie).toMatch(/; Max-Age=3600/);
      expect(cookie).toMatch(/; Path=\/seller(;|$)/);
      expect(cookie).toMatch(/; HttpOnly/);
      expect(cookie).toMatch(/; SameSite=Strict/);
      expect(cookie).not.toMatch(/; Secure/); // PUBLIC_URL is http here
      // The session is a token of its own for the same seller, not the link's token.
      const session = cookie.split(';')[0].slice('danbao_seller='.length);
      expect(session).not.toBe(token);
      expect(tokens.verify(session)).toEqual({ role: 'seller', id: sellerA });
    });

    it('opens one session only: the same link again opens nothing', async () => {
      const { token } = await mintLink('seller', sellerA);
      await http().get('/seller/session').query({ token }).expect(303);
      const replayed = await http().get('/seller/session').query({ token }).expect(303);
      expect(replayed.headers.location).toBe('/seller/expired');
      expect(cookiesOf(replayed)).toEqual([]);
    });

    it('sends a browser already signed in by this link on to the console', async () => {
      const { token } = await mintLink('seller', sellerA);
      const first = await http().get('/seller/session').query({ token }).expect(303);
      const cookie = cookiesOf(first)[0].split(';')[0];
      const again = await http().get('/seller/session').query({ token }).set('cookie', cookie).expect(303);
      expect(again.headers.location).toBe('/seller');
      expect(cookiesOf(again)).toEqual([]);
    });

    it('refuses a buyer token, an admin token and a long-lived seller token with a 403 page and no cookie', async () => {
      const refused = [
        (await mintLink('buyer', sellerA)).token,
        tokens.mint('admin', 'adm_1', 600, 'a@x.test').token,
        (await mintLink('seller', sellerA, 3600)).token,
      ];
      for (const token of refused) {
        const response = await http().get('/seller/session').query({ token }).expect(403);
        expect(cookiesOf(response)).toEqual([]);
        expect(response.headers['content-type']).toMatch(/^text\/html/);
        expect(response.text).toContain('This link does not open the seller console');
      }
    });

    it('opens nothing for an expired, forged, API-key or missing token', async () => {
      // TokenService tolerates 60 s of clock skew: an expired token is one older than that.
      const stale = tokens.mint('seller', sellerA, -120).token;
      const [head, body] = (await mintLink('seller', sellerA)).token.split('.');
      for (const query of [
        { token: stale },
        { token: `${head}.${body}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA` },
        { token: 'garbage' },
        { token: apiKey },
        {},
      ]) {
        const response = await http().get('/seller/session').query(query).expect(303);
        expect(response.headers.location).toBe('/seller/expired');
        expect(cookiesOf(response)).toEqual([]);
      }
    });
  });

  describe('the pages', () => {
    it('shows the cookie’s seller its balances, chart and payouts, and nothing of another seller', async () => {
      const cookie = await signIn(sellerA);
      // Asking for another seller in the URL changes nothing: the seller comes from the cookie.
      const page = await http().get(`/seller?seller_id=${sellerB}`).set('cookie', cookie).expect(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      // 12 800 + 5 000 less 2% fees = 17 444, less the 3 000 payout: ¥144.44 available.
      expect(page.text).toMatch(/data-testid="available">¥144\.44</);
      expect(page.text).toMatch(/data-testid="in-payout">¥30\.00</);
      expect(page.text).toContain('¥30.00</td>');
      expect(page.text).toMatch(/<svg [^>]*data-testid="balance-chart"/);
      expect(page.text.match(/<circle /g)).toHaveLength(30);
      expect(page.text).toContain(sellerA);
      expect(page.text).not.toContain(sellerB);
      expect(page.text).not.toContain('¥761.46'); // B's incoming

      const other = await http()
        .get('/seller')
        .set('cookie', await signIn(sellerB))
        .expect(200);
      expect(other.text).toMatch(/data-testid="incoming">¥761\.46</);
      expect(other.text).toMatch(/data-testid="available">¥0\.00</);
      expect(other.text).not.toContain(sellerA);
      expect(other.text).toContain('No payout yet.');
    });

    it('carries the strict policy and no inline script or style', async () => {
      const page = await http()
        .get('/seller')
        .set('cookie', await signIn(sellerA))
        .expect(200);
      expect(page.headers['content-security-policy']).toContain("script-src 'none'");
      expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(page.headers['cache-control']).toBe('no-store');
      expect(page.text).not.toMatch(/<script|style=|<style|\son[a-z]+=/i);
      const css = await http().get('/seller/assets/seller.css').expect(200);
      expect(css.headers['content-type']).toMatch(/^text\/css/);
      expect(css.text).toContain('.chart');
    });

    it('sends a browser without a valid seller cookie to the page saying the link expired', async () => {
      const buyerToken = tokens.mint('buyer', 'buyer_1', 600).token;
      for (const credential of [
        {},
        { cookie: 'danbao_seller=forged.token.value' },
        { cookie: `danbao_seller=${buyerToken}` },
        { cookie: `danbao_admin=${tokens.mint('admin', 'adm_1', 600).token}` },
        { Authorization: `Bearer ${tokens.mint('seller', sellerA, 600).token}` },
        { Authorization: `Bearer ${apiKey}` },
      ]) {
        const response = await http().get('/seller').set(credential).expect(303);
        expect(response.headers.location).toBe('/seller/expired');
        expect(response.text).not.toContain('¥');
      }
      const expired = await http().get('/seller/expired').expect(200);
      expect(expired.text).toContain('This link has expired');
      expect(expired.text).not.toMatch(/<form|password/i);
    });

    it('reopens a page once from this origin when another site started the navigation (SameSite=Strict)', async () => {
      const response = await http().get('/seller').set('sec-fetch-site', 'cross-site').expect(200);
      expect(response.text).toContain('<meta http-equiv="refresh" content="0; url=/seller">');
      expect(response.headers['content-security-policy']).toContain("script-src 'none'");
      const home = await http().get('/seller?currency=CNY').set('sec-fetch-site', 'cross-site').expect(200);
      expect(home.text).toContain('content="0; url=/seller?currency=CNY"');
      // Another site's link to a download reopens the home, never the download itself.
      const download = await http()
        .get('/seller/statement.csv?currency=CNY')
        .set('sec-fetch-site', 'cross-site')
        .expect(200);
      expect(download.text).toContain('<meta http-equiv="refresh" content="0; url=/seller">');
      // From this origin (the refresh) without a cookie, it is the expired page as usual.
      const again = await http().get('/seller').set('sec-fetch-site', 'same-origin').expect(303);
      expect(again.headers.location).toBe('/seller/expired');
    });

    it('downloads the cookie’s seller’s statement as CSV, summing to the balance', async () => {
      const cookie = await signIn(sellerA);
      const page = await http().get('/seller').set('cookie', cookie).expect(200);
      const href = /href="(\/seller\/statement\.csv\?[^"]+)"/.exec(page.text)![1].replace(/&amp;/g, '&');
      expect(href).toMatch(/^\/seller\/statement\.csv\?currency=CNY&from=\d{4}-\d{2}-\d{2}$/);
      const csv = await http().get(href).set('cookie', cookie).expect(200);
      expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(csv.headers['content-disposition']).toMatch(
        /^attachment; filename="statement-CNY-\d{4}-\d{2}-\d{2}-.+\.csv"$/,
      );
      const [header, ...rows] = csv.text.trim().split('\n');
      expect(header).toBe('created_at,type,order_id,payout_id,amount,currency,balance_after');
      const amounts = rows.map((row) => Number(row.split(',')[4]));
      expect(amounts.reduce((sum, amount) => sum + amount, 0)).toBe(17_444 - 3_000);
      expect(rows.map((row) => row.split(',')[1]).sort()).toEqual(['payout', 'sale', 'sale']);

      // The same CSV as the API's.
      const api = await http()
        .get(href.replace('/seller/statement.csv', '/v1/statements'))
        .set('Authorization', `Bearer ${tokens.mint('seller', sellerA, 600).token}`)
        .set('Accept', 'text/csv')
        .expect(200);
      expect(api.text).toBe(csv.text);

      // Another seller's cookie downloads that seller's lines only.
      const other = await http()
        .get(href)
        .set('cookie', await signIn(sellerB))
        .expect(200);
      const otherRows = other.text.trim().split('\n').slice(1);
      expect(otherRows.map((row) => row.split(',').slice(1, 2).concat(row.split(',').slice(4, 6)))).toEqual([
        ['sale', '76146', 'CNY'],
      ]);
    });

    it('refuses a statement in a currency the seller never had, or of a bad period, with a page', async () => {
      const cookie = await signIn(sellerA);
      const usd = await http().get('/seller/statement.csv?currency=USD').set('cookie', cookie).expect(400);
      expect(usd.headers['content-type']).toMatch(/^text\/html/);
      expect(usd.text).toContain('There is no statement in this currency');
      const period = await http()
        .get('/seller/statement.csv?currency=CNY&from=2026-02-30')
        .set('cookie', cookie)
        .expect(400);
      expect(period.text).toContain('This period cannot be downloaded');
      const anonymous = await http().get('/seller/statement.csv?currency=CNY').expect(303);
      expect(anonymous.headers.location).toBe('/seller/expired');
    });

    it('shows a seller with no money an empty page', async () => {
      const page = await http()
        .get('/seller')
        .set('cookie', await signIn(`sel_console_none_${suffix}`))
        .expect(200);
      expect(page.text).toContain('No money has reached your balance yet.');
    });
  });
});

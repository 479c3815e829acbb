// Proves that every route of the api states who may call it (@Roles or @Public), and that every
// route that is not public answers 401 without a credential and 401 with a forged one; and that
// idempotency is bound to every POST route with a principal and to no other, so GETs do not pay for it.
// Real: the api's full module graph and HTTP stack, MariaDB, Redis.
import { INTERCEPTORS_METADATA } from '@nestjs/common/constants';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { DataSource } from 'typeorm';
import {
  ApiKeyService,
  POST_IDEMPOTENCY,
  PUBLIC_METADATA,
  ROLES_METADATA,
  SESSION_COOKIE_METADATA,
} from '@danbao/platform';
import { Stack, startStack } from '@danbao/testing';
import { AppModule } from '../../apps/api/src/app.module';
import { controllerRoutes } from '../support/routes';

interface Route {
  method: string;
  path: string;
  roles?: string[];
  isPublic: boolean;
  /** The cookie a console page takes its token from (@SessionCookie), if it is one. */
  sessionCookie?: string;
  /** The interceptors bound to the handler (what Nest's router reads when it registers it). */
  interceptors: unknown[];
}

function routesOf(app: NestFastifyApplication): Route[] {
  return controllerRoutes(app).map(({ method, path, controller, handler }) => ({
    method,
    path,
    roles: Reflect.getMetadata(ROLES_METADATA, handler) ?? Reflect.getMetadata(ROLES_METADATA, controller),
    isPublic: Boolean(
      Reflect.getMetadata(PUBLIC_METADATA, handler) ?? Reflect.getMetadata(PUBLIC_METADATA, controller),
    ),
    sessionCookie:
      Reflect.getMetadata(SESSION_COOKIE_METADATA, handler) ??
      Reflect.getMetadata(SESSION_COOKIE_METADATA, controller),
    interceptors: Reflect.getMetadata(INTERCEPTORS_METADATA, handler) ?? [],
  }));
}

describe('route inventory', () => {
  let stack: Stack;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    stack = await startStack(AppModule.forRoot);
    app = stack.app;
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('finds the routes of the contract', () => {
    const routes = routesOf(app).map((route) => `${route.method} ${route.path}`);
    expect(routes).toEqual(
      expect.arrayContaining([
        'POST /v1/orders',
        'GET /v1/orders/:id',
        'POST /v1/auth/tokens',
        'POST /v1/checkout_sessions',
      ]),
    );
  });

  it('gives every route either roles or an explicit public mark, never both', () => {
    const unmarked = routesOf(app).filter(
      (route) => !route.isPublic && (!route.roles || route.roles.length === 0),
    );
    expect(unmarked).toEqual([]);
    const both = routesOf(app).filter((route) => route.isPublic && route.roles);
    expect(both).toEqual([]);
  });

  it('keeps public only what API.md says has no principal', () => {
    const publicRoutes = routesOf(app)
      .filter((route) => route.isPublic)
      .map((route) => route.path);
    for (const path of publicRoutes) {
      expect(path).toMatch(
        /^\/(health|metrics|checkout|v1\/channels\/:channel\/notifications|v1\/admin\/sessions$|admin\/(sign-in|sign-out|assets\/)|seller\/(session|expired|assets\/))/,
      );
    }
  });

  it('answers 401 on every non-public route without a credential and with a forged one', async () => {
    const server = app.getHttpServer();
    for (const route of routesOf(app).filter(
      (candidate) => !candidate.isPublic && !candidate.sessionCookie,
    )) {
      const path = route.path.replace(/:[A-Za-z_]+/g, 'ord_00000000000000000000000000');
      const method = route.method.toLowerCase() as 'get' | 'post' | 'put' | 'delete' | 'patch';
      const anonymous = await request(server)[method](path).send({});
      expect({ route: `${route.method} ${route.path}`, status: anonymous.status }).toEqual({
        route: `${route.method} ${route.path}`,
        status: 401,
      });
      const agent = request(server);
      const forged = await agent[method](path)
        .set('Authorization', 'Bearer sk_forged_key_000000000000')
        .send({});
      expect({ route: `${route.method} ${route.path}`, status: forged.status }).toEqual({
        route: `${route.method} ${route.path}`,
        status: 401,
      });
    }
  });

  it('sends a browser to sign-in (or the link-expired page) from every console page without a valid cookie', async () => {
    const server = app.getHttpServer();
    const consoleRoutes = routesOf(app).filter((route) => route.sessionCookie);
    expect(consoleRoutes.map((route) => `${route.method} ${route.path}`)).toEqual(
      expect.arrayContaining(['GET /admin', 'POST /admin/refunds/:id/retry', 'GET /seller']),
    );
    for (const route of consoleRoutes) {
      // The admin console's pages take the admin cookie, the seller console's the seller cookie.
      const seller = route.path === '/seller' || route.path.startsWith('/seller/');
      const cookie = seller ? 'danbao_seller' : 'danbao_admin';
      expect({ route: route.path, roles: route.roles, cookie: route.sessionCookie }).toEqual({
        route: route.path,
        roles: [seller ? 'seller' : 'admin'],
        cookie,
      });
      const path = route.path.replace(/:[A-Za-z_]+/g, 'ord_00000000000000000000000000');
      const method = route.method.toLowerCase() as 'get' | 'post';
      for (const credential of [
        {},
        { cookie: `${cookie}=forged.token.value` },
        { Authorization: 'Bearer sk_forged_key_000000000000' },
      ]) {
        const response = await request(server)[method](path).set(credential).send({});
        expect({ route: `${route.method} ${route.path}`, status: response.status }).toEqual({
          route: `${route.method} ${route.path}`,
          status: 303,
        });
        expect(response.headers.location).toBe(seller ? '/seller/expired' : '/admin/sign-in');
      }
    }
  });

  it('binds idempotency to every POST route with a principal, and no interceptor at all to the others', () => {
    const routes = routesOf(app);
    // API.md: the routes without a principal (checkout form, channel notifications, admin
    // sign-in, the console's sign-in and sign-out) ignore the header: the first two dedupe by their
    // own ids, a sign-in just signs in again, a sign-out only clears a cookie.
    const posts = routes.filter((route) => route.method === 'POST' && !route.isPublic);
    expect(posts.length).toBeGreaterThan(5);
    const unbound = posts
      .filter((route) => !route.interceptors.includes(POST_IDEMPOTENCY))
      .map((route) => route.path);
    expect(unbound).toEqual([]);
    const publicPosts = routes.filter((route) => route.method === 'POST' && route.isPublic);
    expect(publicPosts.map((route) => route.path).sort()).toEqual([
      '/admin/sign-in',
      '/admin/sign-out',
      '/checkout/:sessionId',
      '/v1/admin/sessions',
      '/v1/channels/:channel/notifications',
    ]);
    const others = routes
      .filter((route) => (route.method !== 'POST' || route.isPublic) && route.interceptors.length > 0)
      .map((route) => `${route.method} ${route.path}`);
    expect(others).toEqual([]);
  });

  it('replays a POST by its Idempotency-Key and ignores the header on a GET', async () => {
    const { key } = await app.get(ApiKeyService).create('inventory');
    const server = app.getHttpServer();
    // An order, not a token: a minted token is never stored for replay (token-mint-replay.e2e-spec.ts).
    const create = () =>
      request(server)
        .post('/v1/orders')
        .set('Authorization', `Bearer ${key}`)
        .set('Idempotency-Key', 'inventory-1')
        .send({
          buyer_id: 'buyer_1',
          seller_id: 'seller_1',
          amount: 1999,
          currency: 'CNY',
          description: 'A pot',
        });
    const first = await create().expect(201);
    const again = await create().expect(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);

    await request(server)
      .get('/v1/orders/ord_00000000000000000000000000')
      .set('Authorization', `Bearer ${key}`)
      .set('Idempotency-Key', 'inventory-get')
      .expect(404);
    const stored = await app
      .get(DataSource)
      .query('SELECT idempotency_key, method FROM idempotency_keys ORDER BY idempotency_key');
    expect(stored).toEqual([{ idempotency_key: 'inventory-1', method: 'POST' }]);
  });
});

// Proves that the OpenAPI document at /docs-json describes every route the api serves as API.md's
// conventions say: a success response with its body schema, the error responses in the one error
// shape, the Idempotency-Key header on every POST with a principal, limit and starting_after on
// every list, integer money fields with a maximum; and that real answers match their schemas.
// Real: the api's full module graph and HTTP stack, MariaDB, Redis.
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DECORATORS } from '@nestjs/swagger';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AdminService } from '@danbao/admins';
import { ReleaseService } from '@danbao/escrow';
import { ApiKeyService, TokenService } from '@danbao/platform';
import { makePaidOrder, shipOrders, Stack, startStack } from '@danbao/testing';
import { AppModule } from '../../apps/api/src/app.module';
import { controllerRoutes } from '../support/routes';

type Schema = Record<string, any>;
interface Operation {
  method: string;
  path: string;
  op: Schema;
}

const MONEY_FIELDS = ['amount', 'fee', 'net', 'released', 'refunded'];
const ERROR_REF = '#/components/schemas/ErrorResponse';
/**
 * GETs of /v1 that answer one object (a report), though their path ends in no id. The statement's
 * `data` is every line of the period asked for, streamed: not a page, so no limit or starting_after.
 */
const NOT_COLLECTIONS = [
  '/v1/admin/ledger/check',
  '/v1/admin/reconciliation',
  // The five degrade switches, always on one page: no limit or cursor.
  '/v1/admin/switches',
  '/v1/balance',
  '/v1/statements',
];

/** The routes Nest registers, as OpenAPI spells them, less the controllers excluded from the document. */
function servedRoutes(app: NestFastifyApplication): string[] {
  return controllerRoutes(app)
    .filter(({ controller }) => !Reflect.getMetadata(DECORATORS.API_EXCLUDE_CONTROLLER, controller)?.[0])
    .map(({ method, path }) => `${method} ${path.replace(/:([A-Za-z_]+)/g, '{$1}')}`)
    .sort();
}

function operationsOf(document: Schema): Operation[] {
  return Object.entries(document.paths as Record<string, Record<string, Schema>>).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
  );
}

function resolve(document: Schema, schema: Schema): Schema {
  if (!schema?.$ref) return schema;
  const name = String(schema.$ref).replace('#/components/schemas/', '');
  const found = document.components.schemas[name];
  if (!found) throw new Error(`dangling ${schema.$ref}`);
  return found;
}

/** Problems of `value` against `schema` (the subset of OpenAPI 3.0 the document uses). */
function mismatches(document: Schema, schema: Schema, value: unknown, at = '$'): string[] {
  const resolved = resolve(document, schema);
  if (value === null) return resolved.nullable ? [] : [`${at} is null`];
  if (resolved.oneOf) {
    const fits = (resolved.oneOf as Schema[]).filter(
      (option) => mismatches(document, option, value, at).length === 0,
    );
    return fits.length === 1 ? [] : [`${at} fits ${fits.length} of oneOf`];
  }
  if (resolved.enum && !resolved.enum.includes(value)) return [`${at}=${JSON.stringify(value)} not in enum`];
  switch (resolved.type ?? (resolved.properties ? 'object' : undefined)) {
    case 'integer':
      return Number.isInteger(value) ? [] : [`${at} is not an integer`];
    case 'number':
      return typeof value === 'number' ? [] : [`${at} is not a number`];
    case 'string':
      return typeof value === 'string' ? [] : [`${at} is not a string`];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${at} is not a boolean`];
    case 'array':
      return Array.isArray(value)
        ? value.flatMap((item, index) => mismatches(document, resolved.items, item, `${at}[${index}]`))
        : [`${at} is not an array`];
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) return [`${at} is not an object`];
      const record = value as Record<string, unknown>;
      const properties = (resolved.properties ?? {}) as Record<string, Schema>;
      const problems = ((resolved.required ?? []) as string[])
        .filter((key) => !(key in record))
        .map((key) => `${at}.${key} is missing`);
      for (const [key, item] of Object.entries(record)) {
        const property = (properties[key] ?? resolved.additionalProperties) as Schema | boolean | undefined;
        if (!property) problems.push(`${at}.${key} is not documented`);
        else if (property !== true) problems.push(...mismatches(document, property, item, `${at}.${key}`));
      }
      return problems;
    }
    default:
      return [];
  }
}

/** Every schema object in the document, with where it is. */
function* schemasIn(node: unknown, at: string): Generator<[string, Schema]> {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const [index, item] of node.entries()) yield* schemasIn(item, `${at}[${index}]`);
    return;
  }
  const record = node as Schema;
  if (record.properties) yield [at, record];
  for (const [key, child] of Object.entries(record)) yield* schemasIn(child, `${at}.${key}`);
}

describe('OpenAPI document', () => {
  let stack: Stack;
  let app: NestFastifyApplication;
  let document: Schema;
  let apiKey: string;

  beforeAll(async () => {
    stack = await startStack(AppModule.forRoot);
    app = stack.app;
    const response = await request(app.getHttpServer()).get('/docs-json').expect(200);
    document = response.body;
    apiKey = (await app.get(ApiKeyService).create('openapi')).key;
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('lists every route the api serves except the HTML pages and the Prometheus scrape', () => {
    const documented = operationsOf(document)
      .map(({ method, path }) => `${method} ${path}`)
      .sort();
    expect(documented).toEqual(servedRoutes(app));
    expect(documented).toEqual(
      expect.arrayContaining([
        'POST /v1/orders',
        'GET /v1/orders',
        'GET /v1/orders/{id}',
        'POST /v1/orders/{id}/confirm_receipt',
        'GET /v1/events',
        'GET /health/ready',
      ]),
    );
    expect(documented.some((route) => route.includes('/checkout/') || route.includes('/metrics'))).toBe(
      false,
    );
  });

  it('leaves the pages out: the admin and seller consoles and the hosted checkout', () => {
    const pages = Object.keys(document.paths).filter((path) => /^\/(admin|seller|checkout)(\/|$)/.test(path));
    expect(pages).toEqual([]);
  });

  it('defines the one error shape once', () => {
    const schemas = document.components.schemas;
    expect(schemas.ErrorResponse).toEqual({
      type: 'object',
      properties: { error: { $ref: '#/components/schemas/ErrorObject' } },
      required: ['error'],
    });
    expect(Object.keys(schemas.ErrorObject.properties).sort()).toEqual(['code', 'message', 'param', 'type']);
    expect(schemas.ErrorObject.required.sort()).toEqual(['code', 'message', 'type']);
  });

  it('gives every route a success response with a body schema and its errors in the error shape', () => {
    const problems: string[] = [];
    for (const { method, path, op } of operationsOf(document)) {
      const route = `${method} ${path}`;
      const statuses = Object.keys(op.responses ?? {});
      const successes = statuses.filter((status) => /^2\d\d$/.test(status));
      if (successes.length !== 1) problems.push(`${route}: ${successes.length} success responses`);
      for (const status of successes) {
        if (!op.responses[status].content?.['application/json']?.schema)
          problems.push(`${route} ${status}: no body schema`);
      }
      const errors = statuses.filter((status) => /^[45]\d\d$/.test(status));
      for (const status of errors) {
        const content = op.responses[status].content;
        if (content?.['application/json']?.schema?.$ref !== ERROR_REF || Object.keys(content).length !== 1)
          problems.push(`${route} ${status}: not the error shape`);
        if (!op.responses[status].description) problems.push(`${route} ${status}: no description`);
      }
      const needed: string[] = [];
      const authenticated = (op.security ?? []).length > 0;
      if (authenticated) needed.push('401', '403');
      // A path that names something (an id, a channel) can name what does not exist.
      if (/\{[^}]+\}/.test(path)) needed.push('404');
      const takesInput =
        op.requestBody !== undefined ||
        (op.parameters ?? []).some((parameter: Schema) => parameter.in === 'query');
      if (takesInput) needed.push('400');
      if (path.startsWith('/health')) needed.push('503');
      if (errors.length === 0) needed.push('any error');
      for (const status of needed) if (!errors.includes(status)) problems.push(`${route}: no ${status}`);
    }
    expect(problems).toEqual([]);
  });

  it('documents Idempotency-Key, and its 409 and 422, on every POST with a principal and on no other', () => {
    const problems: string[] = [];
    for (const { method, path, op } of operationsOf(document)) {
      const header = (op.parameters ?? []).find(
        (parameter: Schema) => parameter.in === 'header' && parameter.name === 'Idempotency-Key',
      );
      const principalPost = method === 'POST' && (op.security ?? []).length > 0;
      if (principalPost) {
        if (!header) problems.push(`${method} ${path}: no Idempotency-Key`);
        else if (header.schema?.maxLength !== 255 || header.required)
          problems.push(`${method} ${path}: Idempotency-Key is not optional, 1-255 characters`);
        for (const status of ['409', '422'])
          if (!op.responses[status]) problems.push(`${method} ${path}: no ${status}`);
        if (!/idempotency_mismatch/.test(op.responses['422']?.description ?? ''))
          problems.push(`${method} ${path}: 422 does not name idempotency_mismatch`);
      } else if (header) {
        problems.push(`${method} ${path}: Idempotency-Key where it is ignored`);
      }
    }
    expect(problems).toEqual([]);
    const posts = operationsOf(document).filter(({ method, op }) => method === 'POST' && op.security?.length);
    expect(posts.length).toBeGreaterThanOrEqual(7);
  });

  it('documents limit and starting_after on every list, and answers lists as {object, data, has_more}', () => {
    const lists = operationsOf(document).filter(
      ({ method, path }) =>
        method === 'GET' && path.startsWith('/v1/') && !path.endsWith('}') && !NOT_COLLECTIONS.includes(path),
    );
    expect(lists.map(({ path }) => path).sort()).toEqual([
      '/v1/admin/audit',
      '/v1/admin/disputes',
      '/v1/admin/holds',
      '/v1/admin/payments',
      '/v1/admin/refunds',
      '/v1/disputes',
      '/v1/events',
      '/v1/orders',
      '/v1/payouts',
      '/v1/webhook_endpoints',
      '/v1/webhook_endpoints/{id}/deliveries',
    ]);
    for (const { path, op } of lists) {
      const query = Object.fromEntries(
        (op.parameters as Schema[])
          .filter((parameter) => parameter.in === 'query')
          .map((parameter) => [parameter.name, parameter]),
      );
      expect({ path, limit: query.limit?.schema }).toEqual({
        path,
        limit: expect.objectContaining({ type: 'integer', minimum: 1, maximum: 100, default: 20 }),
      });
      expect({ path, starting_after: query.starting_after?.schema?.type }).toEqual({
        path,
        starting_after: 'string',
      });
      const body = op.responses['200'].content['application/json'].schema;
      expect({ path, keys: Object.keys(body.properties).sort() }).toEqual({
        path,
        keys: ['data', 'has_more', 'object'],
      });
      expect(body.properties.data.items.$ref).toMatch(/^#\/components\/schemas\//);
    }
    const orderFilters = lists
      .find(({ path }) => path === '/v1/orders')!
      .op.parameters.map((parameter: Schema) => parameter.name);
    expect(orderFilters).toEqual(expect.arrayContaining(['status', 'seller_id', 'buyer_id']));
    const eventFilters = lists
      .find(({ path }) => path === '/v1/events')!
      .op.parameters.map((parameter: Schema) => parameter.name);
    expect(eventFilters).toContain('type');
  });

  it('types every money field as an integer with a maximum, never a string', () => {
    const found: string[] = [];
    const problems: string[] = [];
    for (const [at, schema] of schemasIn(document, '$')) {
      for (const [name, property] of Object.entries(schema.properties as Record<string, Schema>)) {
        if (!MONEY_FIELDS.includes(name) || property.$ref) continue;
        found.push(`${at}.${name}`);
        if (property.type !== 'integer' || typeof property.maximum !== 'number')
          problems.push(`${at}.${name}: ${JSON.stringify(property)}`);
      }
    }
    expect(problems).toEqual([]);
    // The order, its hold, holds, carts, channel notifications and the order body all carry money.
    expect(found.length).toBeGreaterThanOrEqual(10);
  });

  describe('real answers match their documented schemas', () => {
    const server = () => app.getHttpServer();
    const schemaOf = (method: string, path: string, status: string): Schema =>
      document.paths[path][method].responses[status].content['application/json'].schema;
    const marketplace = () => ({ Authorization: `Bearer ${apiKey}` });
    const createOrder = (buyer = 'buyer_oa') =>
      request(server())
        .post('/v1/orders')
        .set(marketplace())
        .send({
          buyer_id: buyer,
          seller_id: 'seller_oa',
          amount: 2500,
          currency: 'CNY',
          description: 'A kettle',
          metadata: { sku: 'k-1' },
        })
        .expect(201);

    it('orders, their list, a cart, a cancellation and a token', async () => {
      const created = await createOrder();
      expect(created.body).toMatchObject({ object: 'order', amount: 2500, status: 'awaiting_payment' });
      expect(mismatches(document, schemaOf('post', '/v1/orders', '201'), created.body)).toEqual([]);

      const read = await request(server())
        .get(`/v1/orders/${created.body.id}`)
        .set(marketplace())
        .expect(200);
      expect(mismatches(document, schemaOf('get', '/v1/orders/{id}', '200'), read.body)).toEqual([]);

      const list = await request(server()).get('/v1/orders?limit=1').set(marketplace()).expect(200);
      expect(list.body.data).toHaveLength(1);
      expect(mismatches(document, schemaOf('get', '/v1/orders', '200'), list.body)).toEqual([]);

      const second = await createOrder();
      const cart = await request(server())
        .post('/v1/checkout_sessions')
        .set(marketplace())
        .send({ order_ids: [created.body.id, second.body.id] })
        .expect(201);
      expect(cart.body.amount).toBe(5000);
      expect(mismatches(document, schemaOf('post', '/v1/checkout_sessions', '201'), cart.body)).toEqual([]);

      const cancelled = await request(server())
        .post(`/v1/orders/${second.body.id}/cancel`)
        .set(marketplace())
        .expect(200);
      expect(cancelled.body.status).toBe('cancelled');
      expect(mismatches(document, schemaOf('post', '/v1/orders/{id}/cancel', '200'), cancelled.body)).toEqual(
        [],
      );

      const token = await request(server())
        .post('/v1/auth/tokens')
        .set(marketplace())
        .send({ role: 'buyer', subject_id: 'buyer_oa' })
        .expect(201);
      expect(mismatches(document, schemaOf('post', '/v1/auth/tokens', '201'), token.body)).toEqual([]);
    });

    it('events, health and errors', async () => {
      await createOrder('buyer_ev');
      const events = await request(server()).get('/v1/events').set(marketplace()).expect(200);
      // Only order.cancelled is recorded by the calls above (of this file's own database).
      expect(events.body.data.map((event: Schema) => event.type)).toContain('order.cancelled');
      expect(mismatches(document, schemaOf('get', '/v1/events', '200'), events.body)).toEqual([]);

      const ready = await request(server()).get('/health/ready').expect(200);
      expect(mismatches(document, schemaOf('get', '/health/ready', '200'), ready.body)).toEqual([]);

      const missing = await request(server())
        .get('/v1/orders/ord_00000000000000000000000000')
        .set(marketplace())
        .expect(404);
      expect(missing.body.error.code).toBe('resource_missing');
      expect(mismatches(document, schemaOf('get', '/v1/orders/{id}', '404'), missing.body)).toEqual([]);

      const invalid = await request(server())
        .post('/v1/orders')
        .set(marketplace())
        .send({ buyer_id: 'b', seller_id: 's', amount: '19.99', currency: 'CNY', description: 'x' })
        .expect(400);
      expect(invalid.body.error).toMatchObject({ code: 'parameter_invalid', param: 'amount' });
      expect(mismatches(document, schemaOf('post', '/v1/orders', '400'), invalid.body)).toEqual([]);
    });

    it('admin sign-in, an added admin, the audit log and the books check', async () => {
      await app
        .get(AdminService)
        .create('oa@example.com', 'openapi admin password', { type: 'operator', name: 'cli' });
      const session = await request(server())
        .post('/v1/admin/sessions')
        .send({ email: 'oa@example.com', password: 'openapi admin password' })
        .expect(201);
      expect(mismatches(document, schemaOf('post', '/v1/admin/sessions', '201'), session.body)).toEqual([]);
      const admin = { Authorization: `Bearer ${session.body.token}` };

      const refused = await request(server())
        .post('/v1/admin/sessions')
        .send({ email: 'oa@example.com', password: 'not the password' })
        .expect(401);
      expect(refused.body.error.code).toBe('invalid_credentials');
      expect(mismatches(document, schemaOf('post', '/v1/admin/sessions', '401'), refused.body)).toEqual([]);

      const created = await request(server())
        .post('/v1/admin/admins')
        .set(admin)
        .send({ email: 'ob@example.com', password: 'another admin password' })
        .expect(201);
      expect(mismatches(document, schemaOf('post', '/v1/admin/admins', '201'), created.body)).toEqual([]);

      const audit = await request(server()).get('/v1/admin/audit').set(admin).expect(200);
      expect(audit.body.data.map((entry: Schema) => entry.action)).toEqual(
        expect.arrayContaining(['admin.create', 'admin.sign_in', 'admin.sign_in_refused']),
      );
      expect(mismatches(document, schemaOf('get', '/v1/admin/audit', '200'), audit.body)).toEqual([]);

      const check = await request(server()).get('/v1/admin/ledger/check').set(admin).expect(200);
      expect(check.body.balanced).toBe(true);
      expect(mismatches(document, schemaOf('get', '/v1/admin/ledger/check', '200'), check.body)).toEqual([]);
    });

    it('a seller’s statement, as JSON and as the documented CSV', async () => {
      const order = await makePaidOrder(app.get(DataSource), { sellerId: 'seller_st', amount: 4000 });
      await shipOrders(app.get(DataSource), [order], { autoConfirmAt: new Date(Date.now() - 1000) });
      await app.get(ReleaseService).releaseBatch([{ holdId: order.holdId, orderId: order.orderId }]);
      const seller = {
        Authorization: `Bearer ${app.get(TokenService).mint('seller', 'seller_st', 600).token}`,
      };

      const json = await request(server()).get('/v1/statements').set(seller).expect(200);
      expect(json.body.data).toEqual([expect.objectContaining({ type: 'sale', amount: 3920, fee: 80 })]);
      expect(mismatches(document, schemaOf('get', '/v1/statements', '200'), json.body)).toEqual([]);

      const documented = document.paths['/v1/statements'].get.responses['200'].content;
      expect(Object.keys(documented).sort()).toEqual(['application/json', 'text/csv']);
      const csv = await request(server())
        .get('/v1/statements')
        .set(seller)
        .set('Accept', 'text/csv')
        .expect(200);
      expect(csv.text.split('\n')[0]).toBe(String(documented['text/csv'].example).split('\n')[0]);
    });

    it('the checker itself refuses an undocumented field and a string amount', () => {
      const schema = schemaOf('get', '/v1/orders/{id}', '200');
      expect(mismatches(document, schema, { extra: 1 })).toEqual(
        expect.arrayContaining(['$.extra is not documented', '$.id is missing']),
      );
      const hold = document.components.schemas.HoldSummaryResponse;
      expect(
        mismatches(document, hold, { amount: '1999', released: 0, refunded: 0, status: 'held' }),
      ).toEqual(['$.amount is not an integer']);
    });
  });
});

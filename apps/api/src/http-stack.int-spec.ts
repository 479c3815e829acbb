// Proves the HTTP stack every route runs on: API.md's error shape for validation errors, unknown
// routes and malformed bodies; health, metrics, OpenAPI and security headers. Real: MariaDB,
// Redis, the full Fastify/Nest stack. Fake: one fixture controller with a validated DTO.
import { Body, Controller, Module, Post } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import request from 'supertest';
import { HELMET_OPTIONS, helmetHeaders, Public } from '@danbao/platform';
import { Stack, startStack } from '@danbao/testing';
import { AppModule } from './app.module';

class FixtureDto {
  @IsString()
  name!: string;

  @IsInt()
  @Min(1)
  @Max(1_000_000_000_000)
  amount!: number;

  @IsOptional()
  @IsIn(['a', 'b'])
  kind?: string;
}

@Public()
@Controller('fixture')
class FixtureController {
  @Post()
  create(@Body() body: FixtureDto) {
    return { name: body.name, amount: body.amount };
  }
}

/** What @fastify/helmet set on every answer with these options; the hook computed once must match. */
const API_SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self';base-uri 'none';font-src 'self' https: data:;form-action 'self';frame-ancestors 'none';" +
    "img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self';" +
    'upgrade-insecure-requests',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'SAMEORIGIN',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
};

@Module({ controllers: [FixtureController] })
class FixtureModule {}

describe('HTTP stack', () => {
  let stack: Stack;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    stack = await startStack((config) => {
      @Module({ imports: [AppModule.forRoot(config), FixtureModule] })
      class TestRoot {}
      return TestRoot;
    });
    app = stack.app;
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const server = () => app.getHttpServer();

  it('accepts a valid body', async () => {
    const response = await request(server()).post('/fixture').send({ name: 'x', amount: 5 }).expect(201);
    expect(response.body).toEqual({ name: 'x', amount: 5 });
  });

  it.each([
    ['an unknown field', { name: 'x', amount: 5, status: 'paid' }, 'status', 'parameter_unknown'],
    ['a wrong type', { name: 'x', amount: '5' }, 'amount', 'parameter_invalid'],
    ['a fractional amount', { name: 'x', amount: 0.5 }, 'amount', 'parameter_invalid'],
    ['a missing required field', { amount: 5 }, 'name', 'parameter_invalid'],
    ['a value outside its set', { name: 'x', amount: 5, kind: 'c' }, 'kind', 'parameter_invalid'],
  ])('answers %s with 400 in the error shape naming the field', async (_case, body, param, code) => {
    const response = await request(server()).post('/fixture').send(body).expect(400);
    expect(response.body).toEqual({
      error: { type: 'invalid_request_error', code, message: expect.any(String), param },
    });
  });

  it('answers an unknown route with 404 in the same shape', async () => {
    const response = await request(server()).get('/v1/nothing-here').expect(404);
    expect(response.body).toEqual({
      error: { type: 'not_found_error', code: 'route_not_found', message: 'No such route.' },
    });
  });

  it('answers malformed JSON with 400 and a prototype-poisoning body with 400', async () => {
    const malformed = await request(server())
      .post('/fixture')
      .set('content-type', 'application/json')
      .send('{"name":')
      .expect(400);
    expect(malformed.body.error.type).toBe('invalid_request_error');
    const poisoned = await request(server())
      .post('/fixture')
      .set('content-type', 'application/json')
      .send('{"name":"x","amount":5,"__proto__":{"admin":true}}')
      .expect(400);
    expect(poisoned.body.error.type).toBe('invalid_request_error');
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('refuses a wrong content type with 415 and deeply nested JSON with 400, in the error shape', async () => {
    const text = await request(server())
      .post('/fixture')
      .set('content-type', 'text/plain')
      .send('name=x')
      .expect(415);
    expect(text.body.error).toMatchObject({ type: 'invalid_request_error', code: 'unsupported_media_type' });
    const deep = `{"name":"x","amount":1,"nested":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    const nested = await request(server())
      .post('/fixture')
      .set('content-type', 'application/json')
      .send(deep)
      .expect(400);
    expect(nested.body.error).toMatchObject({ type: 'invalid_request_error', code: 'body_too_deep' });
  });

  it('refuses a body over 100 kB with 413', async () => {
    const response = await request(server())
      .post('/fixture')
      .send({ name: 'x'.repeat(200_000), amount: 1 })
      .expect(413);
    expect(response.body.error.code).toBe('body_too_large');
  });

  it('reports readiness of MySQL and Redis and liveness', async () => {
    const ready = await request(server()).get('/health/ready').expect(200);
    expect(ready.body.status).toBe('ok');
    expect(ready.body.details).toEqual({ mysql: { status: 'up' }, redis: { status: 'up' } });
    await request(server()).get('/health/live').expect(200);
  });

  it('serves Prometheus metrics with the HTTP latency histogram', async () => {
    await request(server()).get('/health/live');
    const response = await request(server()).get('/metrics').expect(200);
    expect(response.headers['content-type']).toContain('text/plain');
    expect(response.text).toContain('danbao_http_request_duration_seconds_bucket');
    expect(response.text).not.toMatch(/secret|password/i);
  });

  it('serves the OpenAPI document and the docs page', async () => {
    const json = await request(server()).get('/docs-json').expect(200);
    expect(json.body.openapi).toMatch(/^3\./);
    expect(Object.keys(json.body.paths)).toContain('/health/ready');
    const html = await request(server()).get('/docs').expect(200);
    expect(html.text).toContain('swagger');
  });

  it('sets security headers and a request id on every answer', async () => {
    const response = await request(server()).get('/health/live').set('x-request-id', 'req_abcdef123456');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(response.headers['strict-transport-security']).toBeDefined();
    expect(response.headers['x-request-id']).toBe('req_abcdef123456');
  });

  it('sets the same security headers on every API answer, whatever its status', async () => {
    expect(helmetHeaders(HELMET_OPTIONS)).toEqual(API_SECURITY_HEADERS);
    const answers = [
      await request(server()).get('/health/live').expect(200),
      await request(server()).get('/v1/nothing-here').expect(404),
      await request(server()).post('/fixture').send({ name: 'x', amount: 5 }).expect(201),
      await request(server()).post('/fixture').send({ name: 'x' }).expect(400),
      await request(server()).get('/v1/orders/ord_missing').expect(401),
    ];
    for (const answer of answers) expect(answer.headers).toMatchObject(API_SECURITY_HEADERS);
  });

  it('relaxes the policy for Swagger UI only, and lets the checkout pages set their stricter one', async () => {
    for (const path of ['/docs', '/docs-json']) {
      const docs = await request(server()).get(path).expect(200);
      expect(docs.headers).toMatchObject({
        ...API_SECURITY_HEADERS,
        'content-security-policy':
          "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
      });
    }
    const page = await request(server()).get('/checkout/cs_missing').expect(404);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['content-security-policy']).toMatch(/^default-src 'none'; script-src 'none';/);
    const { 'content-security-policy': _policy, ...others } = API_SECURITY_HEADERS;
    expect(page.headers).toMatchObject(others);
  });
});

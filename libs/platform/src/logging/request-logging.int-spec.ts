// Proves the logging contract of an HTTP app: pino JSON, one line per answered request (none for
// health and metrics), the request's id on every line logged while serving it (also by services
// through Nest's Logger, after awaits, body parsing and alongside concurrent requests), secrets
// redacted, and the id echoed in `x-request-id`. Real: MariaDB, Redis, the full Fastify/Nest
// stack (configureHttpApp). Fake: a fixture controller that logs; the root logger writes to memory.
import { Body, Controller, Get, Logger, Module, Param, Post } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { IsOptional, IsString } from 'class-validator';
import request from 'supertest';
import { platformMigrations, PlatformModule, Public } from '@danbao/platform';
import {
  captureLogs,
  CapturedLogs,
  createTestApp,
  createTestDatabase,
  deleteQueueKeys,
  REDIS_URL,
  TestDatabase,
  testConfig,
  testQueuePrefix,
  waitFor,
} from '@danbao/testing';

class WriteDto {
  @IsString()
  label!: string;

  @IsOptional()
  @IsString()
  password?: string;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

@Public()
@Controller('fixture-logs')
class LoggingFixtureController {
  private readonly logger = new Logger('LoggingFixture');

  @Get('fail')
  fail(): never {
    throw new Error('fixture failure');
  }

  @Get(':label')
  async read(@Param('label') label: string) {
    await pause(Math.floor(Math.random() * 20));
    this.logger.log({ label }, 'handled a read');
    await Promise.resolve();
    this.logger.warn(`still reading ${label}`);
    return { label };
  }

  @Post()
  async write(@Body() body: WriteDto) {
    await new Promise((resolve) => setImmediate(resolve));
    this.logger.log(
      { label: body.label, password: body.password, key: { secret: 'hush' } },
      'handled a write',
    );
    return { label: body.label };
  }
}

/** Stands for the hosted checkout page, whose URL holds the session id, its only credential. */
@Public()
@Controller('checkout')
class CheckoutFixtureController {
  @Get(':sessionId')
  read(@Param('sessionId') sessionId: string) {
    if (sessionId.endsWith('fail')) throw new Error('fixture checkout failure');
    return { ok: true };
  }
}

@Module({ controllers: [LoggingFixtureController, CheckoutFixtureController] })
class LoggingFixtureModule {}

describe('request logging', () => {
  let database: TestDatabase;
  let app: NestFastifyApplication;
  let logs: CapturedLogs;
  const prefix = testQueuePrefix();

  beforeAll(async () => {
    database = await createTestDatabase(platformMigrations);
    const config = testConfig(database.databaseUrl, prefix, { LOG_LEVEL: 'info' });
    @Module({
      imports: [
        PlatformModule.forRoot({ config, http: true, migrations: platformMigrations }),
        LoggingFixtureModule,
      ],
    })
    class TestRoot {}
    logs = captureLogs(config.logLevel);
    app = await createTestApp(TestRoot, { logger: logs.logger });
  });

  afterAll(async () => {
    await app?.close();
    await deleteQueueKeys(REDIS_URL, prefix);
    await database?.drop();
  });

  const server = () => app.getHttpServer();
  const linesOf = (id: string) =>
    logs.lines().filter((line) => (line.req as { id?: string } | undefined)?.id === id);
  /** The request line is written once the answer is sent, which may be after the client has it. */
  const answeredLinesOf = (id: string) =>
    waitFor(
      async () => linesOf(id),
      (lines) => lines.some((line) => /^request (completed|errored)$/.test(String(line.msg))),
      5_000,
    );

  it('writes the request line and the service lines of a request with its X-Request-Id', async () => {
    const response = await request(server())
      .get('/fixture-logs/one?page=2')
      .set('x-request-id', 'req_given_0001')
      .expect(200);
    expect(response.headers['x-request-id']).toBe('req_given_0001');
    const lines = await answeredLinesOf('req_given_0001');
    expect(lines.map((line) => line.msg)).toEqual([
      'handled a read',
      'still reading one',
      'request completed',
    ]);
    for (const line of lines) {
      expect(line).toMatchObject({
        req: { id: 'req_given_0001', method: 'GET', url: '/fixture-logs/one' },
        service: 'api',
        pid: process.pid,
      });
      expect(typeof line.time).toBe('number');
    }
    expect(lines[0]).toMatchObject({ level: 30, context: 'LoggingFixture', label: 'one' });
    expect(lines[1]).toMatchObject({ level: 40, context: 'LoggingFixture' });
    expect(lines[2]).toMatchObject({ level: 30, res: { statusCode: 200 }, responseTime: expect.any(Number) });
  });

  it('makes a req_<uuid> id when the caller gives none or an unusable one', async () => {
    for (const given of [undefined, 'bad id!', 'short']) {
      const call = request(server()).get('/fixture-logs/two');
      const response = await (given === undefined ? call : call.set('x-request-id', given)).expect(200);
      const id = response.headers['x-request-id'];
      expect(id).toMatch(/^req_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect((await answeredLinesOf(id)).map((line) => line.msg)).toEqual([
        'handled a read',
        'still reading two',
        'request completed',
      ]);
    }
  });

  it('keeps the ids of concurrent requests apart', async () => {
    const ids = Array.from({ length: 30 }, (_, index) => `req_concurrent_${String(index).padStart(4, '0')}`);
    await Promise.all(
      ids.map((id, index) =>
        request(server()).get(`/fixture-logs/c${index}`).set('x-request-id', id).expect(200),
      ),
    );
    for (const [index, id] of ids.entries()) {
      const lines = await answeredLinesOf(id);
      expect(lines).toHaveLength(3);
      expect(lines[0]).toMatchObject({ msg: 'handled a read', label: `c${index}` });
      expect(lines[1]).toMatchObject({ msg: `still reading c${index}` });
    }
  });

  it('keeps the id across body parsing and redacts secrets', async () => {
    await request(server())
      .post('/fixture-logs')
      .set('x-request-id', 'req_post_00001')
      .set('authorization', 'Bearer sk_not_logged')
      .send({ label: 'w', password: 'hunter2' })
      .expect(201);
    const [handled, completed] = await answeredLinesOf('req_post_00001');
    expect(handled).toMatchObject({
      msg: 'handled a write',
      label: 'w',
      password: '[redacted]',
      key: { secret: '[redacted]' },
      req: { method: 'POST', url: '/fixture-logs' },
    });
    expect(completed).toMatchObject({ msg: 'request completed', res: { statusCode: 201 } });
    const text = JSON.stringify(logs.lines());
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('hush');
    expect(text).not.toContain('sk_not_logged');
  });

  it('logs a failed request with its id, on the error line and the request line', async () => {
    await request(server()).get('/fixture-logs/fail').set('x-request-id', 'req_failing_001').expect(500);
    const [error, completed] = await answeredLinesOf('req_failing_001');
    expect(error).toMatchObject({
      level: 50,
      context: 'HTTP',
      msg: 'unhandled error',
      err: { message: 'fixture failure' },
    });
    expect(completed).toMatchObject({ msg: 'request errored', res: { statusCode: 500 } });
  });

  it('writes no request line for health probes and metrics scrapes', async () => {
    await request(server()).get('/health/live').set('x-request-id', 'req_health_0001').expect(200);
    await request(server()).get('/metrics').set('x-request-id', 'req_metrics_001').expect(200);
    // Lines are written in order: once a later request's line is there, theirs would be too.
    await request(server()).get('/fixture-logs/after').set('x-request-id', 'req_after_00001').expect(200);
    await answeredLinesOf('req_after_00001');
    expect(linesOf('req_health_0001')).toEqual([]);
    expect(linesOf('req_metrics_001')).toEqual([]);
  });

  it('shows only the first characters of a checkout session id, on every line of the request', async () => {
    const sessionId = 'cs_abc123DEF456ghi789JKL012mno';
    await request(server())
      .get(`/checkout/${sessionId}?x=1`)
      .set('x-request-id', 'req_session_0001')
      .expect(200);
    const [completed] = await answeredLinesOf('req_session_0001');
    expect(completed).toMatchObject({ msg: 'request completed', req: { url: '/checkout/cs_abc123…' } });

    const failing = 'cs_zyx987WVU654tsr321QPO000fail';
    await request(server()).get(`/checkout/${failing}`).set('x-request-id', 'req_session_0002').expect(500);
    const lines = await answeredLinesOf('req_session_0002');
    expect(lines.map((line) => line.msg)).toEqual(['unhandled error', 'request errored']);
    for (const line of lines) expect(line).toMatchObject({ req: { url: '/checkout/cs_zyx987…' } });
    expect(lines[0].url).toBe('/checkout/cs_zyx987…');

    const text = JSON.stringify(logs.lines());
    expect(text).not.toContain(sessionId.slice(0, 12));
    expect(text).not.toContain(failing.slice(0, 12));
  });

  it('writes lines outside a request without a request id', () => {
    new Logger('Outside').log('no request here');
    const line = logs.lines().find((candidate) => candidate.msg === 'no request here');
    expect(line).toMatchObject({ level: 30, context: 'Outside' });
    expect(line).not.toHaveProperty('req');
  });
});

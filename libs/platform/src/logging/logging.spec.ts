// Proves the lines Nest's Logger calls become: LOG_LEVEL honoured, the context named, objects and
// Errors merged as pino expects, and Nest's own error(message, stack) contract kept.
// Real: pino and the redaction. Fake: the destination (memory instead of stdout).
import { captureLogs } from '@danbao/testing';
import { PinoLoggerService, requestIdFor } from './logging';

describe('PinoLoggerService', () => {
  it('writes nothing below LOG_LEVEL', () => {
    const logs = captureLogs('warn');
    const sut = new PinoLoggerService(logs.logger);
    sut.verbose('v', 'Ctx');
    sut.debug('d', 'Ctx');
    sut.log('i', 'Ctx');
    sut.warn('w', 'Ctx');
    sut.error('e', 'Ctx');
    sut.fatal('f', 'Ctx');
    expect(logs.lines().map((line) => [line.level, line.msg])).toEqual([
      [40, 'w'],
      [50, 'e'],
      [60, 'f'],
    ]);
  });

  it('maps verbose to trace and debug to debug', () => {
    const logs = captureLogs('trace');
    const sut = new PinoLoggerService(logs.logger);
    sut.verbose('v', 'Ctx');
    sut.debug('d', 'Ctx');
    expect(logs.lines().map((line) => [line.level, line.msg])).toEqual([
      [10, 'v'],
      [20, 'd'],
    ]);
  });

  it('names the context and merges an object message, as nestjs-pino did', () => {
    const logs = captureLogs();
    const sut = new PinoLoggerService(logs.logger);
    sut.log({ created: 3 }, 'job schedulers registered', 'JobSchedulers');
    sut.log('plain', 'Ctx');
    sut.log('no context');
    const [merged, plain, bare] = logs.lines();
    expect(merged).toMatchObject({
      level: 30,
      context: 'JobSchedulers',
      created: 3,
      msg: 'job schedulers registered',
    });
    expect(plain).toMatchObject({ context: 'Ctx', msg: 'plain' });
    expect(bare).toMatchObject({ msg: 'no context' });
    expect(bare).not.toHaveProperty('context');
    expect(merged).not.toHaveProperty('req');
  });

  it('logs an Error as err, and Nest’s error(message, stack) as an err with that stack', () => {
    const logs = captureLogs();
    const sut = new PinoLoggerService(logs.logger);
    sut.error(new Error('boom'), 'Ctx');
    sut.error('handler failed', 'Error: handler failed\n    at somewhere (file.ts:1:1)', 'ExceptionsHandler');
    const [error, stackOnly] = logs.lines();
    expect(error).toMatchObject({ level: 50, context: 'Ctx', err: { type: 'Error', message: 'boom' } });
    expect(stackOnly).toMatchObject({
      context: 'ExceptionsHandler',
      err: { message: 'handler failed', stack: 'Error: handler failed\n    at somewhere (file.ts:1:1)' },
    });
  });

  it('redacts secrets in the line and one level down', () => {
    const logs = captureLogs();
    const sut = new PinoLoggerService(logs.logger);
    sut.warn({ password: 'p', card: { card_number: '4242', cvc: '123' }, key: { secret: 's' } }, 'x', 'Ctx');
    expect(logs.lines()[0]).toMatchObject({
      password: '[redacted]',
      card: { card_number: '[redacted]', cvc: '[redacted]' },
      key: { secret: '[redacted]' },
    });
  });
});

describe('requestIdFor', () => {
  const withHeader = (value?: string) =>
    requestIdFor({ headers: value === undefined ? {} : { 'x-request-id': value } } as never);

  it('keeps a sane X-Request-Id and replaces anything else with a new req_<uuid>', () => {
    expect(withHeader('req_abcdef123456')).toBe('req_abcdef123456');
    for (const bad of [undefined, 'short', 'has space in it', 'x'.repeat(65), 'semi;colon-1234']) {
      expect(withHeader(bad)).toMatch(/^req_[0-9a-f-]{36}$/);
    }
  });
});

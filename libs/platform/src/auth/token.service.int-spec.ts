// Proves that the token signing key is encrypted at rest with DANBAO_SECRET_KEY (issue 11, item 8):
// the platform_secrets row is not the key, processes with the same DANBAO_SECRET_KEY verify each
// other's tokens, a clear-text row of an older release is sealed in place and keeps its tokens
// valid, and a row that the configured key cannot open stops the process with one line instead of
// voiding every live token. Real: MariaDB (a database of this file's own). No Redis needed.
import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { DataSource } from 'typeorm';
import { createTestDatabase, TestDatabase, testConfig, testQueuePrefix } from '@danbao/testing';
import { ConfigError } from '../config/config';
import { createDataSource } from '../database/data-source';
import { databaseOf } from '../database/database';
import { platformMigrations } from '../migrations';
import { TokenService } from './token.service';

describe('TokenService: the signing key at rest', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  const prefix = testQueuePrefix();

  beforeAll(async () => {
    Logger.overrideLogger(false);
    database = await createTestDatabase(platformMigrations);
    dataSource = await createDataSource({ databaseUrl: database.databaseUrl }).initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  beforeEach(() => dataSource.query('DELETE FROM platform_secrets'));

  const config = (secretKey: string, extra: Record<string, string> = {}) =>
    testConfig(database.databaseUrl, prefix, { DANBAO_SECRET_KEY: secretKey, ...extra });
  const started = async (secretKey: string, extra: Record<string, string> = {}) => {
    const service = new TokenService(databaseOf(dataSource), config(secretKey, extra));
    await service.onModuleInit();
    return service;
  };
  const storedValue = async (): Promise<string> =>
    (await dataSource.query("SELECT value FROM platform_secrets WHERE name = 'token_signing_key'"))[0].value;
  const refusal = async (secretKey: string): Promise<ConfigError> => {
    const error = await started(secretKey).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe('DANBAO_SECRET_KEY');
    expect((error as ConfigError).message).not.toContain('\n');
    return error as ConfigError;
  };

  it('stores the key sealed, and two processes with one DANBAO_SECRET_KEY verify each other', async () => {
    const key = randomBytes(32).toString('hex');
    const one = await started(key);
    const two = await started(key);
    const stored = await storedValue();
    expect(stored).toMatch(/^v1\./);
    const token = one.mint('buyer', 'buyer_1', 60).token;
    expect(two.verify(token)).toEqual({ role: 'buyer', id: 'buyer_1' });
    expect(one.verify(two.mint('seller', 'seller_1', 60).token)).toEqual({ role: 'seller', id: 'seller_1' });
    // The stored value is not a key that signs these tokens.
    expect(() => new JwtService({ secret: stored }).verify(token, { algorithms: ['HS256'] })).toThrow();
  });

  it('seals a clear-text key of an older release in place, and its tokens stay valid', async () => {
    const clear = randomBytes(48).toString('base64url');
    await dataSource.query('INSERT INTO platform_secrets (name, value, created_at) VALUES (?, ?, ?)', [
      'token_signing_key',
      clear,
      new Date(),
    ]);
    const old = new JwtService({ secret: clear }).sign(
      { sub: 'buyer_old', role: 'buyer' },
      { algorithm: 'HS256', audience: 'danbao', issuer: 'danbao', expiresIn: 60 },
    );
    const key = randomBytes(32).toString('hex');
    const service = await started(key);
    expect(service.verify(old)).toEqual({ role: 'buyer', id: 'buyer_old' });
    const stored = await storedValue();
    expect(stored).toMatch(/^v1\./);
    expect(stored).not.toContain(clear);
    expect((await started(key)).verify(old)).toEqual({ role: 'buyer', id: 'buyer_old' });
  });

  it('refuses to start, with one line naming DANBAO_SECRET_KEY, when the configured key cannot open the row', async () => {
    await started(randomBytes(32).toString('hex'));
    const before = await storedValue();
    const message = (await refusal(randomBytes(32).toString('hex'))).message;
    expect(message).toMatch(/^Invalid configuration: DANBAO_SECRET_KEY /);
    // Nothing was replaced: the right key still opens it.
    expect(await storedValue()).toBe(before);
  });

  it('replaces, saying so, a key sealed by an earlier run of npm start, whose generated key is gone', async () => {
    await started(randomBytes(32).toString('hex'));
    const before = await storedValue();
    const generated = randomBytes(32).toString('hex');
    const service = await started(generated, { DANBAO_SECRET_KEY_GENERATED: 'true' });
    expect(await storedValue()).not.toBe(before);
    expect((await started(generated)).verify(service.mint('buyer', 'b', 60).token)).toEqual({
      role: 'buyer',
      id: 'b',
    });
  });
});

import { createSecretKey, randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AppConfig, ConfigError } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { Database } from '../database/database';
import { affectedRows } from '../database/tx';
import type { Principal, Role } from './principal';
import { isSealed, openSecret, sealSecret } from './secret-box';

const AUDIENCE = 'danbao';
const ISSUER = 'danbao';
/** Clocks of api nodes may differ a little; more than this is refused (TEST-PLAN T09). */
const CLOCK_TOLERANCE_SECONDS = 60;
const SIGNING_KEY = 'token_signing_key';

export interface MintedToken {
  token: string;
  expiresAt: Date;
}

interface Claims {
  sub: string;
  role: Role;
  email?: string;
}

/**
 * Short-lived signed tokens for buyers, sellers and admins (HS256 JWTs). The signing secret is
 * generated once and kept in MySQL, so every api process verifies what any other minted; it is
 * stored sealed with DANBAO_SECRET_KEY (AES-256-GCM), which every process must share.
 */
@Injectable()
export class TokenService implements OnModuleInit {
  private jwt?: JwtService;
  private readonly logger = new Logger(TokenService.name);

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    const secret = await this.signingKey();
    this.jwt = new JwtService({
      // A KeyObject made once: given a string, jsonwebtoken builds a key on every sign and verify.
      secret: createSecretKey(Buffer.from(secret, 'utf8')) as unknown as string,
      signOptions: { algorithm: 'HS256', audience: AUDIENCE, issuer: ISSUER },
      verifyOptions: {
        algorithms: ['HS256'],
        audience: AUDIENCE,
        issuer: ISSUER,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      },
    });
  }

  /**
   * The signing secret, made and sealed by the first process to start. A clear-text row of an
   * older release is sealed in place (its tokens stay valid). A row the configured key cannot open
   * stops the process: replacing it would void every live token, and processes started with the
   * right key would fight over it. Only a key generated for this run (development and test, where
   * npm start makes a new one each time) replaces it, saying so.
   */
  private async signingKey(): Promise<string> {
    const key = this.config.secretKey;
    await this.db.query('INSERT IGNORE INTO platform_secrets (name, value, created_at) VALUES (?, ?, ?)', [
      SIGNING_KEY,
      sealSecret(key, SIGNING_KEY, randomBytes(48).toString('base64url')),
      new Date(),
    ]);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const rows: { value: string }[] = await this.db.query(
        'SELECT value FROM platform_secrets WHERE name = ?',
        [SIGNING_KEY],
      );
      const stored = rows[0].value;
      if (!isSealed(stored)) {
        await this.replaceStored(stored, sealSecret(key, SIGNING_KEY, stored));
        return stored;
      }
      const opened = openSecret(key, SIGNING_KEY, stored);
      if (opened !== undefined) return opened;
      if (!this.config.secretKeyGenerated)
        throw new ConfigError(
          'DANBAO_SECRET_KEY',
          'cannot decrypt the token signing key in platform_secrets (it was sealed with another key); start with the key it was sealed with',
        );
      const fresh = randomBytes(48).toString('base64url');
      if (await this.replaceStored(stored, sealSecret(key, SIGNING_KEY, fresh))) {
        this.logger.warn(
          'DANBAO_SECRET_KEY was generated for this run and cannot read the token signing key an earlier run sealed: replaced it, so tokens minted before no longer work (set DANBAO_SECRET_KEY to keep them)',
        );
        return fresh;
      }
    }
    throw new Error('platform_secrets token_signing_key kept changing while it was read');
  }

  /** Replaces the stored value if it is still `expected` (another process may have just done so). */
  private async replaceStored(expected: string, value: string): Promise<boolean> {
    const result = await this.db.query('UPDATE platform_secrets SET value = ? WHERE name = ? AND value = ?', [
      value,
      SIGNING_KEY,
      expected,
    ]);
    return affectedRows(result) === 1;
  }

  private service(): JwtService {
    if (!this.jwt) throw new Error('TokenService used before module init');
    return this.jwt;
  }

  mint(
    role: Exclude<Role, 'marketplace'>,
    subjectId: string,
    ttlSeconds: number,
    email?: string,
  ): MintedToken {
    const nowSeconds = Math.floor(Date.now() / 1000);
    const claims: Claims = { sub: subjectId, role, ...(email ? { email } : {}) };
    // A random jti: two tokens minted in one second for one subject still differ.
    const token = this.service().sign(claims, {
      expiresIn: ttlSeconds,
      notBefore: 0,
      jwtid: randomBytes(12).toString('base64url'),
    });
    return { token, expiresAt: new Date((nowSeconds + ttlSeconds) * 1000) };
  }

  /** The principal of a valid token, or null for anything else (expired, forged, alg none, wrong audience). */
  verify(token: string): Principal | null {
    try {
      const claims = this.service().verify<Claims & { exp: number }>(token);
      if (typeof claims.sub !== 'string') return null;
      switch (claims.role) {
        case 'buyer':
        case 'seller':
          return { role: claims.role, id: claims.sub };
        case 'admin':
          return { role: 'admin', id: claims.sub, email: claims.email };
        default:
          return null;
      }
    } catch {
      return null;
    }
  }
}

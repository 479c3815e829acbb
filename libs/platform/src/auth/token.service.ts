import { createSecretKey, randomBytes } from 'node:crypto';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { Database } from '../database/database';
import type { Principal, Role } from './principal';

const AUDIENCE = 'danbao';
const ISSUER = 'danbao';
/** Clocks of api nodes may differ a little; more than this is refused (TEST-PLAN T09). */
const CLOCK_TOLERANCE_SECONDS = 60;

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
 * generated once and kept in MySQL, so every api process verifies what any other minted.
 */
@Injectable()
export class TokenService implements OnModuleInit {
  private jwt?: JwtService;

  constructor(@Inject(Database) private readonly db: Database) {}

  async onModuleInit(): Promise<void> {
    await this.db.query('INSERT IGNORE INTO platform_secrets (name, value, created_at) VALUES (?, ?, ?)', [
      'token_signing_key',
      randomBytes(48).toString('base64url'),
      new Date(),
    ]);
    const rows: { value: string }[] = await this.db.query(
      'SELECT value FROM platform_secrets WHERE name = ?',
      ['token_signing_key'],
    );
    this.jwt = new JwtService({
      // A KeyObject made once: given a string, jsonwebtoken builds a key on every sign and verify.
      secret: createSecretKey(Buffer.from(rows[0].value, 'utf8')) as unknown as string,
      signOptions: { algorithm: 'HS256', audience: AUDIENCE, issuer: ISSUER },
      verifyOptions: {
        algorithms: ['HS256'],
        audience: AUDIENCE,
        issuer: ISSUER,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      },
    });
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

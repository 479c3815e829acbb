import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { affectedRows, Database, TokenService } from '@danbao/platform';

/** The longest a console link may live: a token minted for longer is an API token, not a link. */
export const SELLER_LINK_MAX_TTL_SECONDS = 900;
/** A used link is remembered this long past its expiry (TokenService accepts 60 s of clock skew). */
const REMEMBER_PAST_EXPIRY_MS = 120_000;

export type LinkRedemption =
  | { kind: 'seller'; sellerId: string }
  /** A valid token of another role (buyer, admin) or one minted for too long: never a session. */
  | { kind: 'refused' }
  /** Expired, forged, malformed, or used before. */
  | { kind: 'expired'; usedBy?: string };

interface Claims {
  sub?: unknown;
  role?: unknown;
  exp?: unknown;
  iat?: unknown;
}

/**
 * The seller console's way in: the marketplace mints a short-lived seller token (POST
 * /v1/auth/tokens, ttl ≤ 15 min) and sends its seller to /seller/session?token=…; the token is
 * redeemed once, its SHA-256 kept until it expires, so a replayed link opens no second session.
 */
@Injectable()
export class SellerLinks {
  constructor(
    @Inject(TokenService) private readonly tokens: TokenService,
    @Inject(Database) private readonly db: Database,
  ) {}

  async redeem(token: unknown, now = new Date()): Promise<LinkRedemption> {
    if (typeof token !== 'string' || token.length > 2048 || token.startsWith('sk_'))
      return { kind: 'expired' };
    const principal = this.tokens.verify(token);
    if (!principal) return { kind: 'expired' };
    if (principal.role !== 'seller') return { kind: 'refused' };
    // Verified above, so the payload is the signed one; only its times are read from it.
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Claims;
    if (typeof claims.exp !== 'number' || typeof claims.iat !== 'number') return { kind: 'refused' };
    if (claims.exp - claims.iat > SELLER_LINK_MAX_TTL_SECONDS) return { kind: 'refused' };

    const expiresAt = new Date(claims.exp * 1000 + REMEMBER_PAST_EXPIRY_MS);
    await this.db.query('DELETE FROM console_links WHERE expires_at < ? ORDER BY expires_at LIMIT 100', [
      now,
    ]);
    const inserted = await this.db.query(
      'INSERT IGNORE INTO console_links (token_hash, subject, redeemed_at, expires_at) VALUES (?, ?, ?, ?)',
      [createHash('sha256').update(token).digest('hex'), `seller:${principal.id}`, now, expiresAt],
    );
    if (affectedRows(inserted) !== 1) return { kind: 'expired', usedBy: principal.id };
    return { kind: 'seller', sellerId: principal.id };
  }
}

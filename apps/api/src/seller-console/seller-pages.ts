import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import '@fastify/cookie';
import { Inject, Injectable } from '@nestjs/common';
import { Eta } from 'eta';
import type { FastifyReply } from 'fastify';
import { APP_CONFIG, type AppConfig } from '@danbao/platform';
import { CONSOLE_POLICY } from '../console/console-pages';

/** The repository root, found from here in source and in dist/ alike. */
function projectRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

const VIEWS = join(projectRoot(), 'apps', 'api', 'views');
/** The seller's session: a seller token of its own, HttpOnly, SameSite=Strict, only sent to /seller. */
export const SELLER_SESSION_COOKIE = 'danbao_seller';
/** How long a seller stays signed in after opening a link; then the marketplace sends a new one. */
export const SELLER_SESSION_SECONDS = 3600;
/** Where a browser without a valid session is sent: the link has expired (there is no sign-in form). */
export const SELLER_EXPIRED_PATH = '/seller/expired';

export type SellerView = 'home' | 'message';

/**
 * What every seller console page shares: eta templates with auto-escaping, the admin console's
 * strict policy (no scripts at all, styles from the stylesheet only, never framed), no-store. The
 * stylesheet is the admin console's with the seller console's additions (the chart).
 */
@Injectable()
export class SellerPages {
  private readonly eta = new Eta({ views: join(VIEWS, 'seller'), autoEscape: true, cache: true });
  readonly css =
    readFileSync(join(VIEWS, 'console', 'console.css'), 'utf8') +
    readFileSync(join(VIEWS, 'seller', 'seller.css'), 'utf8');

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get secureCookies(): boolean {
    return this.config.publicUrl.startsWith('https://');
  }

  redirect(reply: FastifyReply, location: string): void {
    void reply.status(303).header('location', location).header('cache-control', 'no-store').send();
  }

  /** A page of one message: the expired link, a refused one. */
  message(
    reply: FastifyReply,
    status: number,
    title: string,
    heading: string,
    message: string,
    seller?: string,
  ): void {
    this.render(
      reply,
      status,
      'message',
      title,
      { heading, message, back: seller ? '/seller' : undefined },
      seller,
    );
  }

  /** Renders `view` inside the layout; `seller` (the signed-in seller's id) shows it in the header. */
  render(
    reply: FastifyReply,
    status: number,
    view: SellerView,
    title: string,
    data: Record<string, unknown>,
    seller?: string,
  ): void {
    const body = this.eta.render(`./${view}`, data);
    const html = this.eta.render('./layout', { title, body, seller });
    void reply
      .status(status)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .header('content-security-policy', CONSOLE_POLICY)
      .send(html);
  }
}

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import '@fastify/cookie';
import CSRF from '@fastify/csrf';
import { Inject, Injectable } from '@nestjs/common';
import { Eta } from 'eta';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, type AppConfig } from '@danbao/platform';

/** The repository root, found from here in source and in dist/ alike. */
function projectRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

const VIEWS = join(projectRoot(), 'apps', 'api', 'views', 'console');
/** The console's CSRF secret: HttpOnly, SameSite=Strict, only sent to /admin. */
export const CONSOLE_CSRF_COOKIE = 'danbao_console_csrf';
export const SIGN_IN_PATH = '/admin/sign-in';
/**
 * The console's own policy, as strict as the checkout's: no scripts at all, styles from the
 * console's stylesheet only, forms only to this origin, never framed.
 */
export const CONSOLE_POLICY =
  "default-src 'none'; script-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'";

export type ConsoleView = 'sign-in' | 'home' | 'dispute' | 'message' | 'reconciliation';

/** A form's CSRF field, whatever else it carries. */
export interface ConsoleForm {
  _csrf?: unknown;
}

/**
 * What every console page shares: eta templates with auto-escaping (a merchant's or a buyer's text
 * is only ever text), the strict policy, no-store, and the CSRF token of each form, bound to a
 * secret in an HttpOnly SameSite=Strict cookie (the hosted checkout's scheme).
 */
@Injectable()
export class ConsolePages {
  private readonly eta = new Eta({ views: VIEWS, autoEscape: true, cache: true });
  readonly css = readFileSync(join(VIEWS, 'console.css'), 'utf8');
  private readonly csrf: {
    create(secret: string): string;
    verify(secret: string, token: string): boolean;
    secretSync(): string;
  } = new CSRF() as never;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get secureCookies(): boolean {
    return this.config.publicUrl.startsWith('https://');
  }

  /** A token for this page's forms; the secret cookie is set on the first page that needs one. */
  csrfToken(request: FastifyRequest, reply: FastifyReply): string {
    let secret = request.cookies?.[CONSOLE_CSRF_COOKIE];
    if (!secret) {
      secret = this.csrf.secretSync();
      reply.setCookie(CONSOLE_CSRF_COOKIE, secret, {
        path: '/admin',
        httpOnly: true,
        sameSite: 'strict',
        secure: this.secureCookies,
      });
    }
    return this.csrf.create(secret);
  }

  csrfValid(request: FastifyRequest, form: ConsoleForm | undefined): boolean {
    const secret = request.cookies?.[CONSOLE_CSRF_COOKIE];
    return Boolean(secret && typeof form?._csrf === 'string' && this.csrf.verify(secret, form._csrf));
  }

  /** A form without its token: refused, nothing done. */
  formExpired(reply: FastifyReply, back: string): void {
    this.render(reply, 403, 'message', 'Form expired', {
      heading: 'This form has expired',
      message: 'For your security nothing was done. Open the page again and resend the form.',
      link: { href: back, text: 'Back' },
    });
  }

  redirect(reply: FastifyReply, location: string): void {
    void reply.status(303).header('location', location).header('cache-control', 'no-store').send();
  }

  /**
   * Renders `view` inside the layout. `admin` (the signed-in admin's email or id) and `csrfToken`
   * show the navigation and its sign-out form.
   */
  render(
    reply: FastifyReply,
    status: number,
    view: ConsoleView,
    title: string,
    data: Record<string, unknown>,
    session?: { admin: string; csrfToken: string },
  ): void {
    const body = this.eta.render(`./${view}`, data);
    const html = this.eta.render('./layout', { title, body, ...session });
    void reply
      .status(status)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('content-security-policy', CONSOLE_POLICY)
      .send(html);
  }
}

import { applyDecorators, ArgumentsHost, Catch, ExceptionFilter, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiExceptionFilter, type AuthenticatedRequest, Roles, SessionCookie } from '@danbao/platform';
import { answerSwitchedOff, isGuardRefusal } from '../console/console-auth.filter';
import { CONSOLE_POLICY } from '../console/console-pages';
import { SELLER_EXPIRED_PATH, SELLER_SESSION_COOKIE } from './seller-pages';

/**
 * The page that opens the console's home again from this origin: a zero-second refresh and a
 * link, both escaped. Only the home keeps its query (the currency); any other page another site
 * sends a browser to (the statement download) is not reopened, the home is.
 */
export function reopenPage(url: string): string {
  const path = url === '/seller' || url.startsWith('/seller?') ? url : '/seller';
  const href = path.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    `<meta http-equiv="refresh" content="0; url=${href}">` +
    '<meta name="referrer" content="no-referrer"><title>Opening the seller console · Danbao</title>' +
    '<link rel="stylesheet" href="/seller/assets/seller.css"></head><body><main class="narrow"><div class="card">' +
    `<h1>Opening the seller console…</h1><p><a href="${href}">Open the seller console</a></p>` +
    '</div></main></body></html>'
  );
}

/**
 * The guard's refusals of a seller console page (no cookie, an expired or forged one, a token of
 * another role) send the browser to the page saying the link has expired: sellers come from their
 * marketplace, there is no sign-in form. A switched-off page says so; anything else is answered as
 * everywhere else.
 */
@Catch()
export class SellerAuthFilter implements ExceptionFilter {
  private readonly fallback = new ApiExceptionFilter();

  catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<AuthenticatedRequest>();
    if (isGuardRefusal(exception, request)) {
      const reply = host.switchToHttp().getResponse<FastifyReply>();
      const { method, url, headers } = host.switchToHttp().getRequest<FastifyRequest>();
      // A navigation another site started (the marketplace's link, through the exchange's redirect)
      // carries no SameSite=Strict cookie; a page of this origin opening it again does. So such a
      // GET gets one chance: a page that reloads it at once (no script: a refresh, and a link).
      if (method === 'GET' && headers['sec-fetch-site'] === 'cross-site') {
        void reply
          .status(200)
          .header('content-type', 'text/html; charset=utf-8')
          .header('cache-control', 'no-store')
          .header('referrer-policy', 'no-referrer')
          .header('content-security-policy', CONSOLE_POLICY)
          .send(reopenPage(url));
        return;
      }
      void reply
        .status(303)
        .header('location', SELLER_EXPIRED_PATH)
        .header('cache-control', 'no-store')
        .send();
      return;
    }
    if (answerSwitchedOff(exception, host, '/seller/assets/seller.css')) return;
    this.fallback.catch(exception, host);
  }
}

/**
 * A controller of the seller console's pages: for sellers only, with the `danbao_seller` cookie
 * (the guard reads only it for these routes, never a bearer header, and refuses any other role),
 * the seller's id taken from it and never from the URL, and no place in the OpenAPI document.
 */
export const SellerConsolePages = () =>
  applyDecorators(
    ApiExcludeController(),
    Roles('seller'),
    SessionCookie(SELLER_SESSION_COOKIE),
    UseFilters(SellerAuthFilter),
  );

import { applyDecorators, ArgumentsHost, Catch, ExceptionFilter, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import {
  ApiError,
  ApiExceptionFilter,
  type AuthenticatedRequest,
  Roles,
  SessionCookie,
  SwitchedOffError,
} from '@danbao/platform';
import { ADMIN_TOKEN_COOKIE } from '../queues/queues-dashboard.module';
import { CONSOLE_POLICY, SIGN_IN_PATH } from './console-pages';

/** The auth guard refused a browser with no valid session (no cookie, an expired one, another role). */
export function isGuardRefusal(exception: unknown, request: AuthenticatedRequest): boolean {
  return (
    !request.principal &&
    exception instanceof ApiError &&
    ((exception.status === 401 && exception.code === 'unauthenticated') ||
      (exception.status === 403 && exception.code === 'forbidden'))
  );
}

/**
 * A console page of a switched-off feature (degrade switches) answers a page rather than the API's
 * JSON: 503 with `Retry-After`, saying what is off and why. No script; the console's stylesheet.
 */
export function answerSwitchedOff(exception: unknown, host: ArgumentsHost, stylesheet: string): boolean {
  if (!(exception instanceof SwitchedOffError)) return false;
  const reply = host.switchToHttp().getResponse<FastifyReply>();
  void reply
    .status(503)
    .headers({
      ...exception.headers,
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': CONSOLE_POLICY,
    })
    .send(
      '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
        `<title>Switched off for now · Danbao</title><link rel="stylesheet" href="${stylesheet}"></head>` +
        '<body><main class="narrow"><div class="card"><h1>Switched off for now</h1>' +
        `<p>The ${exception.switchName} pages are switched off while payments get every resource. ` +
        'Please try again later.</p></div></main></body></html>',
    );
  return true;
}

/**
 * The guard's refusals of a console page (no cookie, a bad or expired token, a token of another
 * role) send the browser to the sign-in page instead of answering the API's JSON error. Only the
 * guard's: a request it let through carries its principal, so a 403 of a domain rule (an admin
 * approving its own ruling) is never taken for a sign-in problem. A switched-off page says so;
 * anything else is answered as everywhere else.
 */
@Catch()
export class ConsoleAuthFilter implements ExceptionFilter {
  private readonly fallback = new ApiExceptionFilter();

  catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<AuthenticatedRequest>();
    if (isGuardRefusal(exception, request)) {
      const reply = host.switchToHttp().getResponse<FastifyReply>();
      void reply.status(303).header('location', SIGN_IN_PATH).header('cache-control', 'no-store').send();
      return;
    }
    if (answerSwitchedOff(exception, host, '/admin/assets/console.css')) return;
    this.fallback.catch(exception, host);
  }
}

/**
 * A controller of signed-in console pages: for admins only, signed in with the `danbao_admin`
 * cookie (the guard reads it for these routes and refuses any other role), a refused browser sent
 * to the sign-in page (ConsoleAuthFilter), and no place in the OpenAPI document.
 */
export const AdminConsolePages = () =>
  applyDecorators(
    ApiExcludeController(),
    Roles('admin'),
    SessionCookie(ADMIN_TOKEN_COOKIE),
    UseFilters(ConsoleAuthFilter),
  );

import { Body, Controller, Get, Header, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  ADMIN_EMAIL_PATTERN,
  ADMIN_SESSION_SECONDS,
  AdminService,
  InvalidCredentialsError,
  PASSWORD_MAX_LENGTH,
  SignInRateLimitedError,
} from '@danbao/admins';
import { Public } from '@danbao/platform';
import { ADMIN_TOKEN_COOKIE } from '../queues/queues-dashboard.module';
import { ConsoleForm, ConsolePages, SIGN_IN_PATH } from './console-pages';

interface SignInForm extends ConsoleForm {
  email?: unknown;
  password?: unknown;
}

/** The one message of a refused sign-in: it never says whether the email or the password was wrong. */
export const SIGN_IN_REFUSED = 'The email or the password is wrong.';

/**
 * The console's way in and out (no principal yet, so public): sign-in through AdminService, the
 * same check, limit and audit as POST /v1/admin/sessions, leaving the same `danbao_admin` cookie;
 * sign-out clears it. Both forms carry a CSRF token (a forged sign-in would sign the victim in
 * as the attacker).
 */
@ApiExcludeController()
@Public()
@Controller('admin')
export class ConsoleSessionController {
  constructor(
    @Inject(AdminService) private readonly admins: AdminService,
    @Inject(ConsolePages) private readonly pages: ConsolePages,
  ) {}

  @Get('assets/console.css')
  @Header('content-type', 'text/css; charset=utf-8')
  @Header('cache-control', 'public, max-age=3600')
  stylesheet(): string {
    return this.pages.css;
  }

  @Get('sign-in')
  showSignIn(@Req() request: FastifyRequest, @Res() reply: FastifyReply): void {
    this.signInPage(request, reply, 200);
  }

  @Post('sign-in')
  async signIn(
    @Body() form: SignInForm,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (!this.pages.csrfValid(request, form)) return this.pages.formExpired(reply, SIGN_IN_PATH);
    const email = typeof form.email === 'string' ? form.email.trim().slice(0, 254) : '';
    const password = typeof form.password === 'string' ? form.password : '';
    // What POST /v1/admin/sessions would refuse as a bad body is just a wrong sign-in here; it
    // never reaches AdminService, whose audit of refusals expects a well-formed address.
    if (!ADMIN_EMAIL_PATTERN.test(email) || password.length === 0 || password.length > PASSWORD_MAX_LENGTH)
      return this.signInPage(request, reply, 401, SIGN_IN_REFUSED, email);
    try {
      const session = await this.admins.signIn(email, password, request.id);
      reply.setCookie(ADMIN_TOKEN_COOKIE, session.token, {
        path: '/',
        httpOnly: true,
        sameSite: 'strict',
        secure: this.pages.secureCookies,
        maxAge: ADMIN_SESSION_SECONDS,
      });
      return this.pages.redirect(reply, '/admin');
    } catch (error) {
      if (error instanceof InvalidCredentialsError)
        return this.signInPage(request, reply, 401, SIGN_IN_REFUSED, email);
      if (error instanceof SignInRateLimitedError) {
        void reply.header('retry-after', String(error.retryAfterSeconds));
        return this.signInPage(request, reply, 429, error.message, email);
      }
      throw error;
    }
  }

  @Post('sign-out')
  signOut(@Body() form: ConsoleForm, @Req() request: FastifyRequest, @Res() reply: FastifyReply): void {
    if (!this.pages.csrfValid(request, form)) return this.pages.formExpired(reply, '/admin');
    reply.clearCookie(ADMIN_TOKEN_COOKIE, {
      path: '/',
      httpOnly: true,
      sameSite: 'strict',
      secure: this.pages.secureCookies,
    });
    this.pages.redirect(reply, SIGN_IN_PATH);
  }

  private signInPage(
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    error?: string,
    email = '',
  ): void {
    this.pages.render(reply, status, 'sign-in', 'Sign in', {
      csrfToken: this.pages.csrfToken(request, reply),
      error,
      email,
    });
  }
}

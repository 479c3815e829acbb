import '@fastify/cookie';
import { Body, Controller, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ADMIN_SESSION_SECONDS, AdminService } from '@danbao/admins';
import {
  APP_CONFIG,
  type AppConfig,
  ApiErrorResponses,
  BODY_ERRORS,
  Public,
  VALIDATION_ERRORS,
} from '@danbao/platform';
import { ADMIN_TOKEN_COOKIE } from '../queues/queues-dashboard.module';
import { AdminSessionResponse, SignInDto } from './admin.dto';

/**
 * Admin sign-in (API.md, Auth). No principal, so no Idempotency-Key: a repeated sign-in simply
 * signs in again. The token is answered and also set as the console's cookie, which the queue
 * dashboard (and later the console pages) read; the /v1 routes take only the bearer header, so
 * the cookie cannot be ridden by a cross-site request to them.
 */
@ApiTags('admin')
@Controller('v1/admin/sessions')
export class AdminSessionsController {
  constructor(
    @Inject(AdminService) private readonly admins: AdminService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post()
  @Public()
  @ApiOperation({
    summary: 'Sign in as an admin: an 8-hour admin token',
    description:
      'A wrong email and a wrong password answer the same 401 `invalid_credentials`. After 5 failures ' +
      'for one email within 15 minutes every attempt answers 429 `rate_limited` (with `Retry-After`, ' +
      'in seconds) until the window passes, even with the right password. The token is also set as ' +
      'the HttpOnly, SameSite=Strict cookie `danbao_admin` that the console and the queue dashboard use.',
  })
  @ApiCreatedResponse({
    type: AdminSessionResponse,
    headers: {
      'Set-Cookie': {
        description: '`danbao_admin=<token>; Path=/; HttpOnly; SameSite=Strict` (and `Secure` behind https)',
        schema: { type: 'string' },
      },
    },
  })
  @ApiErrorResponses(
    VALIDATION_ERRORS,
    ...BODY_ERRORS,
    { status: 401, codes: ['invalid_credentials'] },
    { status: 429, codes: ['rate_limited'] },
  )
  async signIn(
    @Body() body: SignInDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AdminSessionResponse> {
    const session = await this.admins.signIn(body.email, body.password, request.id);
    reply.setCookie(ADMIN_TOKEN_COOKIE, session.token, {
      path: '/',
      httpOnly: true,
      sameSite: 'strict',
      secure: this.config.publicUrl.startsWith('https://'),
      maxAge: ADMIN_SESSION_SECONDS,
    });
    return { token: session.token, expires_at: session.expiresAt.toISOString() };
  }
}

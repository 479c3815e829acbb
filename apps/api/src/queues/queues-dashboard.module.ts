import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter as BullBoardFastifyAdapter } from '@bull-board/fastify';
import { Inject, Injectable, Module, OnModuleInit, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Principal, QueueRegistry, QUEUES, TokenService } from '@danbao/platform';

/** Where the dashboard is served (API.md: the queue dashboard at /admin/queues). */
export const QUEUES_DASHBOARD_PATH = '/admin/queues';
/** The cookie an admin console session keeps its token in (HttpOnly, SameSite=Strict). */
export const ADMIN_TOKEN_COOKIE = 'danbao_admin';

const DASHBOARD_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline' https://fonts.googleapis.com; " +
  "font-src 'self' https://fonts.gstatic.com; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; " +
  "base-uri 'self'; form-action 'self'; object-src 'none'";

/**
 * The admin's token: a bearer header (API clients) or the console's session cookie (a browser
 * cannot add a header to the dashboard's own requests).
 */
export function adminPrincipal(
  request: FastifyRequest,
  tokens: Pick<TokenService, 'verify'>,
): Principal | null | undefined {
  const header = request.headers.authorization;
  const bearer =
    typeof header === 'string' ? /^Bearer ([A-Za-z0-9._~+/=-]{10,2048})$/.exec(header)?.[1] : undefined;
  const cookie = (request as FastifyRequest & { cookies?: Record<string, string | undefined> }).cookies?.[
    ADMIN_TOKEN_COOKIE
  ];
  const token = bearer ?? cookie;
  if (!token) return undefined;
  return tokens.verify(token);
}

function refuse(reply: FastifyReply, status: 401 | 403): FastifyReply {
  const error =
    status === 401
      ? { type: 'authentication_error', code: 'unauthenticated', message: 'A valid admin token is required.' }
      : { type: 'permission_error', code: 'forbidden', message: 'The queue dashboard is for admins.' };
  return reply.code(status).header('content-type', 'application/json; charset=utf-8').send({ error });
}

/**
 * The queues of the platform in this process: registered at start so that /metrics reports their
 * depths (failed = dead letters) even before the api enqueues anything, and shown in the bull-board
 * dashboard. The dashboard lives outside Nest's router, so Nest's guard does not see it: an
 * onRequest hook of its own lets through only a valid admin token (TokenService.verify, role
 * admin), the same check the AuthGuard makes for @Roles('admin').
 */
@Injectable()
export class QueuesDashboard implements OnModuleInit {
  constructor(
    @Inject(QueueRegistry) private readonly queues: QueueRegistry,
    @Inject(TokenService) private readonly tokens: TokenService,
    @Optional() @Inject(HttpAdapterHost) private readonly host?: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    const queues = [QUEUES.payments, QUEUES.notifications, QUEUES.system].map((name) =>
      this.queues.get(name),
    );
    const fastify = this.host?.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;

    const board = new BullBoardFastifyAdapter();
    board.setBasePath(QUEUES_DASHBOARD_PATH);
    createBullBoard({ queues: queues.map((queue) => new BullMQAdapter(queue)), serverAdapter: board });
    void fastify.register(
      async (scope) => {
        scope.addHook('onRequest', async (request, reply) => {
          const principal = adminPrincipal(request, this.tokens);
          if (!principal) return refuse(reply, 401);
          if (principal.role !== 'admin') return refuse(reply, 403);
        });
        scope.addHook('onSend', async (_request, reply, payload) => {
          reply.header('content-security-policy', DASHBOARD_CSP);
          return payload;
        });
        await scope.register(board.registerPlugin());
      },
      { prefix: QUEUES_DASHBOARD_PATH },
    );
  }
}

@Module({ providers: [QueuesDashboard] })
export class QueuesDashboardModule {}

import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiError } from '../errors/api-error';
import { ApiKeyService } from './api-key.service';
import {
  AuthenticatedRequest,
  PUBLIC_METADATA,
  ROLES_METADATA,
  SESSION_COOKIE_METADATA,
} from './auth.decorators';
import type { Principal, Role } from './principal';
import { TokenService } from './token.service';

/**
 * Authenticates every route: `Bearer sk_…` is the marketplace, any other bearer is a signed
 * token (a route marked @SessionCookie reads its cookie instead). No or a bad credential answers 401; a role the route never serves answers 403. A route
 * with neither @Roles nor @Public is refused outright, so a forgotten decorator fails closed.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(ApiKeyService) private readonly apiKeys: ApiKeyService,
    @Inject(TokenService) private readonly tokens: TokenService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_METADATA, targets)) return true;
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_METADATA, targets);
    if (!roles) throw ApiError.forbidden('This route is not open to any role.');

    const request = context.switchToHttp().getRequest<
      AuthenticatedRequest & {
        headers: Record<string, string | undefined>;
        cookies?: Record<string, string | undefined>;
      }
    >();
    const cookie = this.reflector.getAllAndOverride<string | undefined>(SESSION_COOKIE_METADATA, targets);
    const principal = cookie
      ? this.fromCookie(request.cookies?.[cookie])
      : await this.authenticate(request.headers.authorization);
    if (!principal) throw ApiError.unauthenticated();
    if (!roles.includes(principal.role)) throw ApiError.forbidden();
    request.principal = principal;
    return true;
  }

  /** A signed token in a session cookie (never an API key: those belong to servers, not browsers). */
  private fromCookie(token: string | undefined): Principal | null {
    if (!token || token.startsWith('sk_') || !/^[A-Za-z0-9._~+/=-]{10,2048}$/.test(token)) return null;
    return this.tokens.verify(token);
  }

  private async authenticate(header: string | undefined): Promise<Principal | null> {
    const match = /^Bearer ([A-Za-z0-9._~+/=-]{10,2048})$/.exec(header ?? '');
    if (!match) return null;
    const credential = match[1];
    if (credential.startsWith('sk_')) {
      const id = await this.apiKeys.verify(credential);
      return id ? { role: 'marketplace', id } : null;
    }
    return this.tokens.verify(credential);
  }
}

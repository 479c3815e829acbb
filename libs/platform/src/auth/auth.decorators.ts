import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Principal, Role } from './principal';

export const ROLES_METADATA = 'danbao:roles';
export const PUBLIC_METADATA = 'danbao:public';
export const SESSION_COOKIE_METADATA = 'danbao:session_cookie';

/** The roles that may call a route. Every route says either this or @Public(); the guard refuses the rest. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_METADATA, roles);

/** A route without a principal (health, hosted checkout, channel notifications). */
export const Public = () => SetMetadata(PUBLIC_METADATA, true);

/**
 * Pages a browser opens (the admin console) take their token from this cookie, and only from it:
 * the bearer header is not read, and an API key is never accepted there. The cookie must be
 * HttpOnly and SameSite=Strict, and every state-changing route under it must check a CSRF token.
 */
export const SessionCookie = (name: string) => SetMetadata(SESSION_COOKIE_METADATA, name);

export interface AuthenticatedRequest {
  principal?: Principal;
}

export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => {
    const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
    if (!principal) throw new Error('CurrentPrincipal used on a route without authentication');
    return principal;
  },
);

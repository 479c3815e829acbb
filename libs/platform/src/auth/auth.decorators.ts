import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Principal, Role } from './principal';

export const ROLES_METADATA = 'danbao:roles';
export const PUBLIC_METADATA = 'danbao:public';

/** The roles that may call a route. Every route says either this or @Public(); the guard refuses the rest. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_METADATA, roles);

/** A route without a principal (health, hosted checkout, channel notifications). */
export const Public = () => SetMetadata(PUBLIC_METADATA, true);

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

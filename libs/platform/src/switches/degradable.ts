import {
  applyDecorators,
  CallHandler,
  ExecutionContext,
  Inject,
  Injectable,
  NestInterceptor,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Observable } from 'rxjs';
import { ApiError } from '../errors/api-error';
import { ApiErrorResponses } from '../http/openapi';
import { SWITCHED_OFF_RETRY_AFTER_S, SwitchBoard, type SwitchName } from './switch-board';

export const DEGRADABLE_METADATA = 'danbao:degradable';

/** 503 `degraded`: the feature is switched off for now; `Retry-After` says when to look again. */
export class SwitchedOffError extends ApiError {
  constructor(readonly switchName: SwitchName) {
    super(
      503,
      'degraded',
      `The ${switchName} feature is switched off for now, so that payments get every resource; ` +
        'payments are unaffected. Try again later.',
      undefined,
      { 'Retry-After': String(SWITCHED_OFF_RETRY_AFTER_S) },
    );
  }
}

/**
 * Marks a route (or a controller's routes) as one that each of these switches turns off (the
 * audit log is both a listing and a report): it then answers 503 `degraded` with `Retry-After`,
 * after authentication (a stranger still gets 401) and before the handler or idempotency run.
 * Documented in the OpenAPI document with the route.
 */
export const Degradable = (...names: [SwitchName, ...SwitchName[]]) =>
  applyDecorators(
    SetMetadata(DEGRADABLE_METADATA, names),
    ApiErrorResponses({ status: 503, codes: ['degraded'] }),
  );

/**
 * Global: refuses the routes of a switched-off feature. An interceptor rather than a guard so it
 * runs after the auth guard; global, so it runs before the idempotency interceptor each POST route
 * binds (a refusal is never stored as a key's answer).
 */
@Injectable()
export class DegradeInterceptor implements NestInterceptor {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(SwitchBoard) private readonly switches: SwitchBoard,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const names = this.reflector.getAllAndOverride<SwitchName[] | undefined>(DEGRADABLE_METADATA, [
      context.getHandler(),
      context.getClass(),
    ]);
    const off = names?.find((name) => !this.switches.isOn(name));
    if (off) throw new SwitchedOffError(off);
    return next.handle();
  }
}

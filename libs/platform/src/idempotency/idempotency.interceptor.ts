import {
  CallHandler,
  ExecutionContext,
  INestApplication,
  Inject,
  Injectable,
  NestInterceptor,
  RequestMethod,
  SetMetadata,
} from '@nestjs/common';
import { MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import { HTTP_CODE_METADATA, INTERCEPTORS_METADATA, METHOD_METADATA } from '@nestjs/common/constants';
import type { FastifyRequest } from 'fastify';
import { catchError, finalize, from, mergeMap, Observable, throwError } from 'rxjs';
import { AuthenticatedRequest, PUBLIC_METADATA } from '../auth/auth.decorators';
import { principalKey } from '../auth/principal';
import { ApiError, IdempotentReplay } from '../errors/api-error';
import { toErrorBody } from '../errors/api-exception.filter';
import { IdempotencyScope, IdempotencyService } from './idempotency.service';

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

const DO_NOT_STORE_ANSWER = 'danbao:idempotency:do-not-store-answer';

/**
 * Marks a POST route whose answer is a secret (a minted bearer token): its Idempotency-Key keeps
 * refusing another body (422) and a concurrent duplicate (409), but its answer is never written to
 * idempotency_keys, so a retry with the same key runs the route again (a fresh token) instead of
 * replaying the first answer.
 */
export const DoNotStoreAnswer = (): MethodDecorator => SetMetadata(DO_NOT_STORE_ANSWER, true);

/**
 * `Idempotency-Key` on every POST of an authenticated principal (API.md, Conventions): the same
 * key and body replay the first answer; a different body or route answers 422; a key whose first
 * request still runs answers 409. Only answers of requests that ran are kept (2xx and 409 state
 * conflicts); a refused (4xx) or failed (5xx) request releases its key.
 *
 * It runs on POST routes only (bindIdempotencyToPostRoutes): a global interceptor would make every
 * GET pay for Nest's interceptor machinery (async resources, rxjs) just to be let through.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    @Inject(IdempotencyService) private readonly store: IdempotencyService,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest & AuthenticatedRequest>();
    const header = request.headers['idempotency-key'];
    const key = Array.isArray(header) ? header[0] : header;
    if (request.method !== 'POST' || !request.principal || key === undefined || key === '')
      return next.handle();
    if (!KEY_PATTERN.test(key)) {
      return throwError(() =>
        ApiError.badRequest(
          'idempotency_key_invalid',
          'Idempotency-Key must be 1-255 printable ASCII characters.',
          'Idempotency-Key',
        ),
      );
    }

    const scope: IdempotencyScope = {
      principal: principalKey(request.principal),
      key,
      method: request.method,
      path: request.url.split('?')[0],
      body: request.body ?? null,
    };
    const successStatus =
      this.reflector.get<number | undefined>(HTTP_CODE_METADATA, context.getHandler()) ?? 201;
    const storeAnswer = !this.reflector.get<boolean | undefined>(DO_NOT_STORE_ANSWER, context.getHandler());

    return from(this.store.reserve(scope)).pipe(
      mergeMap((reservation) => {
        switch (reservation.kind) {
          case 'replay':
            throw new IdempotentReplay(reservation.status, reservation.body);
          case 'mismatch':
            throw new ApiError(
              422,
              'idempotency_mismatch',
              'This Idempotency-Key was used with a different request.',
              'Idempotency-Key',
            );
          case 'in_progress':
            throw ApiError.conflict(
              'idempotency_in_progress',
              'A request with this Idempotency-Key is still running.',
            );
          case 'run_again':
            return next.handle();
          case 'reserved': {
            const { owner } = reservation;
            const stopRenewing = this.renewWhileRunning(scope, owner);
            return next.handle().pipe(
              mergeMap(async (body) => {
                if (storeAnswer) await this.store.complete(scope, owner, successStatus, body);
                else await this.store.completeUnstored(scope, owner, successStatus);
                return body;
              }),
              catchError((error: unknown) =>
                from(this.settleFailure(scope, owner, error)).pipe(mergeMap(() => throwError(() => error))),
              ),
              finalize(stopRenewing),
            );
          }
        }
      }),
    );
  }

  /**
   * The request owns its key until it finishes, however long it runs: its lease is renewed every
   * third of the lease window. Only a request that died stops renewing, and its key becomes
   * usable again once the lease lapses. Returns the function that stops the renewals.
   */
  private renewWhileRunning(scope: IdempotencyScope, owner: string): () => void {
    const timer = setInterval(
      () => void this.store.renew(scope, owner).catch(() => undefined),
      Math.max(1, Math.floor(this.store.leaseMs / 3)),
    );
    timer.unref();
    return () => clearInterval(timer);
  }

  private async settleFailure(scope: IdempotencyScope, owner: string, error: unknown): Promise<void> {
    const { status, body } = toErrorBody(error);
    // A 409 state conflict is an answer of a request that ran: a retry gets the same answer.
    if (status === 409) await this.store.complete(scope, owner, status, body);
    else await this.store.release(scope, owner);
  }
}

/** Each app's interceptor, found through the Fastify instance that serves the request. */
const interceptorOfServer = new WeakMap<object, IdempotencyInterceptor>();

/**
 * What bindIdempotencyToPostRoutes puts on each POST handler. Handler metadata belongs to the
 * controller class, which several apps of one process (tests) share, so the marker holds no app's
 * state: it hands the request to the interceptor of the app that serves it.
 */
export const POST_IDEMPOTENCY: NestInterceptor = {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const interceptor = interceptorOfServer.get(request.server);
    if (!interceptor) throw new Error('bindIdempotencyToPostRoutes was not called for this app');
    return interceptor.intercept(context, next);
  },
};

/**
 * True for a handler that answers POST with a principal (API.md: every POST takes an
 * Idempotency-Key, scoped to the calling principal; the routes without one — the checkout form,
 * channel notifications — ignore the header and dedupe by their own ids, so they do without it).
 */
function takesIdempotencyKey(handler: object, controller: object): boolean {
  const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
  const isPublic = Boolean(
    Reflect.getMetadata(PUBLIC_METADATA, handler) ?? Reflect.getMetadata(PUBLIC_METADATA, controller),
  );
  return (method === RequestMethod.POST || method === RequestMethod.ALL) && !isPublic;
}

/**
 * Binds the idempotency interceptor to every POST handler with a principal of the app's controllers, first among
 * their interceptors as a global one would be. Call before `app.init()`, which reads the bindings
 * when it registers the routes.
 */
export function bindIdempotencyToPostRoutes(app: INestApplication): void {
  interceptorOfServer.set(app.getHttpAdapter().getInstance() as object, app.get(IdempotencyInterceptor));
  const scanner = new MetadataScanner();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const prototype = (wrapper.metatype as { prototype?: Record<string, unknown> } | null)?.prototype;
      if (!prototype) continue;
      // The methods Nest's router looks at, inherited ones included.
      for (const name of scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name];
        if (typeof handler !== 'function' || !takesIdempotencyKey(handler, wrapper.metatype as object))
          continue;
        const bound = (Reflect.getMetadata(INTERCEPTORS_METADATA, handler) ?? []) as unknown[];
        if (!bound.includes(POST_IDEMPOTENCY))
          Reflect.defineMetadata(INTERCEPTORS_METADATA, [POST_IDEMPOTENCY, ...bound], handler);
      }
    }
  }
}

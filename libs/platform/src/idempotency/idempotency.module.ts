import { Global, Module } from '@nestjs/common';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IDEMPOTENCY_LEASE, IDEMPOTENCY_LEASE_MS, IdempotencyService } from './idempotency.service';

/** Bound to POST routes by bindIdempotencyToPostRoutes (configureHttpApp), not globally. */
@Global()
@Module({
  providers: [
    { provide: IDEMPOTENCY_LEASE, useValue: IDEMPOTENCY_LEASE_MS },
    IdempotencyService,
    IdempotencyInterceptor,
  ],
  exports: [IdempotencyService, IdempotencyInterceptor],
})
export class IdempotencyModule {}

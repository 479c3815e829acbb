import { Public } from '../auth/auth.decorators';
import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags, SchemaObject } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorResult,
  HealthIndicatorService,
} from '@nestjs/terminus';
import { Database } from '../database/database';
import { ApiErrorResponses } from '../http/openapi';
import { QueueRegistry } from '../queue/queue.registry';

/** Terminus throws its 503; the api's exception filter answers it in the one error shape. */
const UNHEALTHY = { status: 503, codes: ['http_error'] };

const CHECKS = {
  type: 'object' as const,
  additionalProperties: {
    type: 'object' as const,
    required: ['status'],
    properties: { status: { type: 'string', enum: ['up', 'down'] }, message: { type: 'string' } },
  } satisfies SchemaObject,
};

export class HealthResponse {
  @ApiProperty({ enum: ['ok'] })
  status!: 'ok';

  @ApiProperty({ ...CHECKS, example: { mysql: { status: 'up' }, redis: { status: 'up' } } })
  info!: Record<string, { status: string }>;

  @ApiProperty({ ...CHECKS, example: {} })
  error!: Record<string, { status: string }>;

  @ApiProperty({ ...CHECKS, example: { mysql: { status: 'up' }, redis: { status: 'up' } } })
  details!: Record<string, { status: string }>;
}

const withTimeout = <T>(work: Promise<T>, ms: number): Promise<T> =>
  Promise.race([
    work,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms)),
  ]);

/** Liveness says the process runs; readiness says MySQL and Redis answer. No secrets in either. */
@ApiTags('operations')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    @Inject(Database) private readonly db: Database,
    @Inject(QueueRegistry) private readonly queues: QueueRegistry,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process runs' })
  @ApiOkResponse({ type: HealthResponse })
  @ApiErrorResponses(UNHEALTHY)
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  live() {
    return this.health.check([]);
  }

  @Get('ready')
  @ApiOperation({ summary: 'Readiness: MySQL and Redis answer within 2 s' })
  @ApiOkResponse({ type: HealthResponse })
  @ApiErrorResponses(UNHEALTHY)
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  ready() {
    return this.health.check([
      () => this.check('mysql', () => this.db.query('SELECT 1')),
      () => this.check('redis', () => this.queues.redis().ping()),
    ]);
  }

  private async check(key: string, probe: () => Promise<unknown>): Promise<HealthIndicatorResult> {
    const session = this.indicator.check(key);
    try {
      await withTimeout(probe(), 2000);
      return session.up();
    } catch {
      return session.down({ message: `${key} unreachable` });
    }
  }
}

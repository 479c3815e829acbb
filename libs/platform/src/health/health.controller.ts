import { Public } from '../auth/auth.decorators';
import { Controller, Get, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorResult,
  HealthIndicatorService,
} from '@nestjs/terminus';
import { Database } from '../database/database';
import { QueueRegistry } from '../queue/queue.registry';

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
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
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

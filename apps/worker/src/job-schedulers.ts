import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { APP_CONFIG, AppConfig, JobHandler, QueueRegistry } from '@danbao/platform';
import { JOB_HANDLERS } from './worker-host';

/** The scheduler id of a repeating handler (one per job name). */
export const schedulerId = (handler: JobHandler): string => `every:${handler.jobName}`;

/**
 * The repeatable jobs of the platform (BullMQ job schedulers, one per handler that sets
 * `repeatEveryMs`, the sweeps, or `repeatPattern`, the daily payout run). Redis may lose them (a restart without persistence, FLUSHALL),
 * so every worker registers them at boot, again whenever its Redis connection comes back, and
 * checks every SWEEP_INTERVAL that they still exist. Registering is an upsert by id.
 */
@Injectable()
export class JobSchedulers implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(JobSchedulers.name);
  private timer?: NodeJS.Timeout;
  private readonly check = () => void this.ensureQuietly();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(QueueRegistry) private readonly queues: QueueRegistry,
    @Inject(JOB_HANDLERS) private readonly handlers: JobHandler[],
  ) {}

  /** Registers the schedulers that are missing; returns how many it (re)created. */
  async ensure(): Promise<number> {
    let created = 0;
    for (const handler of this.handlers) {
      if (!handler.repeatEveryMs && !handler.repeatPattern) continue;
      const queue = this.queues.get(handler.queue);
      const existing = await queue.getJobScheduler(schedulerId(handler));
      // A pattern that changed (PAYOUT_RUN_AT) replaces the stored one; an interval is kept as it is.
      if (existing && (!handler.repeatPattern || existing.pattern === handler.repeatPattern)) continue;
      await queue.upsertJobScheduler(
        schedulerId(handler),
        handler.repeatPattern
          ? { pattern: handler.repeatPattern, tz: 'UTC' }
          : { every: handler.repeatEveryMs },
        { name: handler.jobName, opts: { removeOnComplete: 100, removeOnFail: 1000 } },
      );
      created += 1;
    }
    if (created > 0) this.logger.log({ created }, 'job schedulers registered');
    return created;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.ensureQuietly();
    this.queues.redis().on('ready', this.check);
    this.timer = setInterval(this.check, this.config.sweepIntervalMs);
    this.timer.unref();
  }

  beforeApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
    this.queues.redis().off('ready', this.check);
  }

  private async ensureQuietly(): Promise<void> {
    try {
      await this.ensure();
    } catch (error) {
      this.logger.warn(
        { err: (error as Error).message },
        'could not check the job schedulers; will try again',
      );
    }
  }
}

import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Queue, QueueOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import { createRedis } from './redis';

/**
 * The queues of this process, created once, all under QUEUE_PREFIX (one hash tag for Redis
 * Cluster). The queue is only a doorbell: jobs carry ids, the database holds the truth.
 */
@Injectable()
export class QueueRegistry implements OnApplicationShutdown {
  private readonly queues = new Map<string, Queue>();
  private connection?: Redis;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** The shared non-blocking connection used for adding jobs and reading counts. */
  redis(): Redis {
    this.connection ??= createRedis(this.config.redisUrl);
    return this.connection;
  }

  get(name: string, options: Partial<QueueOptions> = {}): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.redis(), prefix: this.config.queuePrefix, ...options });
      this.queues.set(name, queue);
    }
    return queue;
  }

  all(): Queue[] {
    return [...this.queues.values()];
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.all().map((queue) => queue.close()));
    this.queues.clear();
    if (this.connection) {
      await this.connection.quit().catch(() => undefined);
      this.connection = undefined;
    }
  }
}

import IORedis, { Redis, RedisOptions } from 'ioredis';

export interface RedisConnectionOptions {
  /** Blocking connections (BullMQ workers) must retry forever: maxRetriesPerRequest null. */
  blocking?: boolean;
  lazyConnect?: boolean;
}

/** An ioredis connection for REDIS_URL, set up the way BullMQ needs it. */
export function createRedis(redisUrl: string, options: RedisConnectionOptions = {}): Redis {
  const redisOptions: RedisOptions = {
    maxRetriesPerRequest: options.blocking ? null : 3,
    enableReadyCheck: true,
    lazyConnect: options.lazyConnect ?? false,
    connectTimeout: 5000,
    // Reconnect with a capped backoff: after a Redis restart the workers reconnect on their own.
    retryStrategy: (times) => Math.min(times * 200, 2000),
  };
  return new IORedis(redisUrl, redisOptions);
}

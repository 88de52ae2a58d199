import { Redis, type RedisOptions } from 'ioredis';
import { config } from '../config.js';

/**
 * A new ioredis connection. BullMQ workers and blocking subscribers need their own connection and
 * `maxRetriesPerRequest: null`; plain command clients keep ioredis' defaults.
 */
export function createRedis(options: RedisOptions = {}): Redis {
  return new Redis(config.redis.url, { lazyConnect: false, ...options });
}

/** Every Redis key the app writes starts with this prefix. */
export function redisKey(...parts: string[]): string {
  return [config.redis.prefix, ...parts].join(':');
}

import { Redis, type RedisOptions } from 'ioredis';
import { config } from '../config.js';
import { logger } from './logger.js';

/**
 * A new ioredis connection. BullMQ workers and blocking subscribers need their own connection and
 * `maxRetriesPerRequest: null`; plain command clients keep ioredis' defaults. Connection errors are
 * logged (once per outage) instead of surfacing as unhandled events: ioredis reconnects by itself.
 */
export function createRedis(options: RedisOptions = {}): Redis {
  const redis = new Redis(config.redis.url, { lazyConnect: false, ...options });
  let down = false;
  redis.on('error', (error: Error) => {
    if (down) return;
    down = true;
    logger.warn({ err: error }, 'Redis connection error; reconnecting');
  });
  redis.on('ready', () => {
    if (down) logger.info('Redis connection restored');
    down = false;
  });
  return redis;
}

/** Every Redis key the app writes starts with this prefix. */
export function redisKey(...parts: string[]): string {
  return [config.redis.prefix, ...parts].join(':');
}

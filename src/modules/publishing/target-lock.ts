import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ConflictError } from '../../lib/errors.js';
import { redisKey } from '../../lib/redis.js';

// One publication of a target at a time, across workers: a Redis lease renewed while the upload
// runs. A killed worker's lease lapses after `ttlMs`, so the retry of its job can take over (and
// resume from the checkpoint) shortly after.

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

export async function withTargetLease<T>(redis: Redis, targetId: string, run: () => Promise<T>, ttlMs = 60_000): Promise<T> {
  const key = redisKey('publish-lease', targetId);
  const owner = randomBytes(12).toString('hex');
  if ((await redis.set(key, owner, 'PX', ttlMs, 'NX')) !== 'OK') throw new ConflictError('This target is being published by another worker right now');
  const renew = setInterval(() => void redis.eval(RENEW, 1, key, owner, String(ttlMs)).catch(() => undefined), Math.floor(ttlMs / 3));
  try {
    return await run();
  } finally {
    clearInterval(renew);
    await redis.eval(RELEASE, 1, key, owner);
  }
}

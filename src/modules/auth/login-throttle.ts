import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Redis } from 'ioredis';
import { config } from '../../config.js';
import { RateLimitedError } from '../../lib/errors.js';
import { redisKey } from '../../lib/redis.js';

/**
 * Counts failed logins per account and per IP in Redis. While either budget is spent, login answers
 * RateLimitedError before the password is even checked; a successful login clears the account budget.
 */
export interface LoginThrottleLimits {
  maxFailuresPerAccount: number;
  maxFailuresPerIp: number;
  windowSeconds: number;
}

const configuredLimits: LoginThrottleLimits = {
  maxFailuresPerAccount: config.auth.loginMaxFailuresPerAccount,
  maxFailuresPerIp: config.auth.loginMaxFailuresPerIp,
  windowSeconds: config.auth.loginFailureWindowSeconds,
};

export class LoginThrottle {
  private readonly byAccount: RateLimiterRedis;
  private readonly byIp: RateLimiterRedis;

  constructor(
    redis: Redis,
    private readonly limits: LoginThrottleLimits = configuredLimits,
  ) {
    const limiter = (scope: string, points: number) =>
      new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: redisKey('login-fail', scope),
        points,
        duration: limits.windowSeconds,
        blockDuration: limits.windowSeconds,
      });
    this.byAccount = limiter('account', limits.maxFailuresPerAccount);
    this.byIp = limiter('ip', limits.maxFailuresPerIp);
  }

  async assertAllowed(email: string, ip: string | null): Promise<void> {
    const [account, address] = await Promise.all([
      this.byAccount.get(email),
      ip ? this.byIp.get(ip) : Promise.resolve(null),
    ]);
    const blocked = [
      { res: account, max: this.limits.maxFailuresPerAccount },
      { res: address, max: this.limits.maxFailuresPerIp },
    ].filter(({ res, max }) => res !== null && res.consumedPoints >= max);
    if (blocked.length > 0) {
      const wait = Math.max(...blocked.map(({ res }) => Math.ceil((res?.msBeforeNext ?? 1000) / 1000)));
      throw new RateLimitedError(wait, `Too many failed logins; retry in ${wait} s`);
    }
  }

  async recordFailure(email: string, ip: string | null): Promise<void> {
    await Promise.all([consume(this.byAccount, email), ip ? consume(this.byIp, ip) : undefined]);
  }

  async recordSuccess(email: string): Promise<void> {
    await this.byAccount.delete(email);
  }
}

async function consume(limiter: RateLimiterRedis, key: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (rejection) {
    // Over budget: the key is now blocked, which is exactly what we want to record.
    if (!(rejection instanceof RateLimiterRes)) throw rejection;
  }
}

import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Redis } from 'ioredis';
import { config } from '../../config.js';
import { RateLimitedError } from '../../lib/errors.js';
import { redisKey } from '../../lib/redis.js';

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

/**
 * Counts login attempts per account and per IP in Redis. Each attempt spends a point from both
 * budgets before the password is checked, so parallel guesses cannot all pass a check made before any
 * failure was counted. While either budget is spent, login answers RateLimitedError; a successful
 * login clears the account budget and gives the IP its point back.
 */
export class LoginThrottle {
  private readonly byAccount: RateLimiterRedis;
  private readonly byIp: RateLimiterRedis;

  constructor(
    redis: Redis,
    limits: LoginThrottleLimits = configuredLimits,
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

  /** Spends one attempt from both budgets, or refuses it (spending nothing) while either is exhausted. */
  async beginAttempt(email: string, ip: string | null): Promise<void> {
    const spent = await Promise.allSettled([this.byAccount.consume(email), ip ? this.byIp.consume(ip) : null]);
    const refusals = spent.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    const unexpected = refusals.find((r) => !(r instanceof RateLimiterRes));
    if (unexpected) throw unexpected;
    if (refusals.length === 0) return;
    // A refused attempt costs nothing: give back what the other budget just spent.
    await Promise.all([
      spent[0]?.status === 'fulfilled' ? this.byAccount.reward(email, 1) : undefined,
      spent[1]?.status === 'fulfilled' && ip ? this.byIp.reward(ip, 1) : undefined,
    ]);
    const wait = Math.max(...refusals.map((r) => Math.max(1, Math.ceil((r as RateLimiterRes).msBeforeNext / 1000))));
    throw new RateLimitedError(wait, `Too many failed logins; retry in ${wait} s`);
  }

  async recordSuccess(email: string, ip: string | null): Promise<void> {
    await Promise.all([this.byAccount.delete(email), ip ? this.byIp.reward(ip, 1) : undefined]);
  }
}

import type { Redis } from 'ioredis';
import { redisKey } from '../../lib/redis.js';

// The YouTube Data API's daily quota per Google Cloud project (OAuth client), counted in Redis so
// every worker sees the same ledger. Costs are Google's published unit prices; the day resets at
// midnight Pacific Time, as Google's does.

export const YOUTUBE_UNIT_COSTS = {
  'videos.insert': 1600,
  'videos.update': 50,
  'captions.insert': 400,
  'captions.delete': 50,
  'thumbnails.set': 50,
  'playlistItems.insert': 50,
} as const;

export type YouTubeCall = keyof typeof YOUTUBE_UNIT_COSTS;

const PACIFIC = 'America/Los_Angeles';

/** Adds `units` unless that would pass the limit; 1 when reserved, 0 when not. */
const RESERVE = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local units = tonumber(ARGV[1])
if used + units > tonumber(ARGV[2]) then return 0 end
redis.call('INCRBY', KEYS[1], units)
redis.call('EXPIRE', KEYS[1], 172800)
return 1`;

export class YouTubeQuotaLedger {
  constructor(
    private readonly redis: Redis,
    private readonly dailyUnits: number,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Calendar day in Pacific Time, YYYY-MM-DD. */
  day(at = this.now()): string {
    return new Intl.DateTimeFormat('en-CA', { timeZone: PACIFIC, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
  }

  /** The next midnight Pacific Time, when the quota resets. */
  nextReset(at = this.now()): Date {
    const [year, month, day] = this.day(at).split('-').map(Number) as [number, number, number];
    const offset = new Intl.DateTimeFormat('en-US', { timeZone: PACIFIC, timeZoneName: 'longOffset' }).formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT-08:00';
    const match = /GMT([+-])(\d{2}):(\d{2})/.exec(offset);
    const minutes = match ? (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3])) : -480;
    return new Date(Date.UTC(year, month - 1, day + 1) - minutes * 60_000);
  }

  async reserve(project: string, units: number): Promise<boolean> {
    const reserved = await this.redis.eval(RESERVE, 1, this.key(project), String(units), String(this.dailyUnits));
    return reserved === 1;
  }

  /** Google said the quota is gone (403 quotaExceeded): nothing more today. */
  async exhaust(project: string): Promise<void> {
    await this.redis.set(this.key(project), String(this.dailyUnits), 'EX', 172_800);
  }

  async used(project: string): Promise<number> {
    return Number((await this.redis.get(this.key(project))) ?? 0);
  }

  private key(project: string): string {
    return redisKey('youtube-quota', project, this.day());
  }
}

import type { Plan, QuotaOverride } from '../../generated/prisma/client.js';
import type { TenantDb } from '../../lib/db.js';
import { QuotaExceededError } from '../../lib/errors.js';
import { usagePeriod } from '../recordings/recordings.service.js';

// Effective limits of a tenant: its quota override where one is set (0 means 0, unlike the
// original), else its plan's; null is unlimited. A tenant without a plan is unlimited.

export const QUOTAS = [
  'recordingsPerMonth',
  'storageGb',
  'concurrentPipelines',
  'automationJobs',
  'minAutomationIntervalHours',
  'transcriptionMinutesPerMonth',
  'templates',
  'credentials',
] as const satisfies ReadonlyArray<keyof Plan & keyof QuotaOverride>;
export type Quota = (typeof QUOTAS)[number];
export type Limits = Record<Quota, number | null>;

export class QuotaService {
  async limits(db: TenantDb): Promise<Limits> {
    const tenant = await db.tenant.findFirstOrThrow({ select: { plan: true, quotaOverride: true } });
    return Object.fromEntries(
      QUOTAS.map((quota) => [quota, tenant.quotaOverride?.[quota] ?? tenant.plan?.[quota] ?? null]),
    ) as Limits;
  }

  async limit(db: TenantDb, quota: Quota): Promise<number | null> {
    return (await this.limits(db))[quota];
  }

  /** Transcription minutes of this month (UTC), checked before a recording of `addingSec` is transcribed. */
  async assertTranscriptionMinutes(db: TenantDb, addingSec: number, period = usagePeriod()): Promise<void> {
    const counter = await db.usageCounter.findFirst({ where: { period }, select: { transcriptionSeconds: true } });
    const usedMinutes = Math.ceil((counter?.transcriptionSeconds ?? 0) / 60);
    await this.assertWithin(db, 'transcriptionMinutesPerMonth', usedMinutes, Math.ceil(addingSec / 60));
  }

  /** Throws QuotaExceededError when `used + adding` would pass the limit. */
  async assertWithin(db: TenantDb, quota: Quota, used: number, adding = 1): Promise<void> {
    const limit = await this.limit(db, quota);
    if (limit !== null && used + adding > limit) throw new QuotaExceededError(quota, limit, used);
  }
}

import { config } from '../../config.js';
import { Prisma, type Plan, type QuotaOverride } from '../../generated/prisma/client.js';
import type { TenantDb } from '../../lib/db.js';
import { QuotaExceededError } from '../../lib/errors.js';

// Effective limits of a tenant: its quota override where one is set (0 means 0, unlike the
// original), else its plan's; null is unlimited. A tenant without a plan is unlimited.
//
// Checks that admit something new run inside the creating transaction after `lockTenant`, so two
// concurrent creations are serialised on the tenant row and cannot both take the last slot.

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

/** Storage errors report MiB (GraphQL Int cannot hold byte counts of a few GB). */
export const STORAGE_QUOTA = 'storageMb';
const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
const DAY_MS = 24 * 3600 * 1000;

/** What the interactive transaction of a tenant-scoped client hands its callback. */
export type TenantTx = Prisma.TransactionClient;

/** YYYYMM of a date in UTC, the period of usage counters. */
export const usagePeriod = (at = new Date()) => at.getUTCFullYear() * 100 + at.getUTCMonth() + 1;

const USAGE_FIELDS = ['recordings', 'pipelineRuns', 'transcriptionSeconds', 'uploads'] as const;
export type UsageField = (typeof USAGE_FIELDS)[number];

/**
 * Adds to a period's usage counters in one statement (a native upsert; Prisma's `upsert` on the
 * compound key takes three). Raw SQL is not tenant-scoped, so the tenant is named explicitly.
 */
export async function addUsage(db: Pick<Prisma.TransactionClient, '$executeRaw'>, tenantId: string, amounts: Partial<Record<UsageField, number>>, period = usagePeriod()): Promise<void> {
  const fields = USAGE_FIELDS.filter((field) => amounts[field]);
  if (fields.length === 0) return;
  const column = (field: UsageField) => Prisma.raw(`"${field}"`);
  await db.$executeRaw`
    INSERT INTO "UsageCounter" ("id", "tenantId", "period", ${Prisma.join(fields.map(column))})
    VALUES (gen_random_uuid(), ${tenantId}::uuid, ${period}, ${Prisma.join(fields.map((field) => amounts[field] ?? 0))})
    ON CONFLICT ("tenantId", "period") DO UPDATE SET ${Prisma.join(fields.map((field) => Prisma.sql`${column(field)} = "UsageCounter".${column(field)} + EXCLUDED.${column(field)}`))}`;
}

export interface QuotaUsage {
  quota: Quota;
  used: number;
  limit: number | null;
}

export interface TenantUsage {
  period: number;
  planName: string | null;
  planDisplayName: string | null;
  storageBytes: bigint;
  storageLimitBytes: bigint | null;
  quotas: QuotaUsage[];
}

/**
 * Quota checks before a recording row is created, run inside the creating transaction; answers
 * the row's expiry (creation + the plan's or the configured retention).
 */
export interface RecordingAdmission {
  admitNewRecording(tx: TenantTx, tenantId: string, sizeBytes: number, now?: Date): Promise<{ expireAt: Date }>;
}

export class QuotaService implements RecordingAdmission {
  constructor(private readonly retentionDays: number = config.retention.days) {}

  async limits(db: TenantDb | TenantTx): Promise<Limits> {
    return limitsOf(await db.tenant.findFirstOrThrow({ select: { plan: true, quotaOverride: true } }));
  }

  async limit(db: TenantDb | TenantTx, quota: Quota): Promise<number | null> {
    return (await this.limits(db))[quota];
  }

  /**
   * Row lock on the tenant until the transaction ends: serialises quota-checked creations. NO KEY
   * UPDATE, so foreign-key checks of rows inserted elsewhere for this tenant do not wait on it.
   */
  async lockTenant(tx: TenantTx, tenantId: string): Promise<void> {
    await tx.$queryRaw`SELECT id FROM "Tenant" WHERE id = ${tenantId}::uuid FOR NO KEY UPDATE`;
  }

  /** Recordings of the month and storage, under the tenant lock. */
  async admitNewRecording(tx: TenantTx, tenantId: string, sizeBytes: number, now = new Date()): Promise<{ expireAt: Date }> {
    await this.lockTenant(tx, tenantId);
    const tenant = await tx.tenant.findFirstOrThrow({ select: { storageBytes: true, plan: true, quotaOverride: true } });
    const limits = limitsOf(tenant);
    const counter = await tx.usageCounter.findFirst({ where: { period: usagePeriod(now) }, select: { recordings: true } });
    const recordings = counter?.recordings ?? 0;
    if (limits.recordingsPerMonth !== null && recordings + 1 > limits.recordingsPerMonth) {
      throw new QuotaExceededError('recordingsPerMonth', limits.recordingsPerMonth, recordings);
    }
    assertStorageFits(limits.storageGb, tenant.storageBytes, sizeBytes);
    const days = tenant.plan?.retentionDays ?? this.retentionDays;
    return { expireAt: new Date(now.getTime() + days * DAY_MS) };
  }

  /** Before `addingBytes` more are stored (a download), under the tenant lock. */
  async assertStorage(tx: TenantTx, tenantId: string, addingBytes: number): Promise<void> {
    await this.lockTenant(tx, tenantId);
    const tenant = await tx.tenant.findFirstOrThrow({ select: { storageBytes: true, plan: true, quotaOverride: true } });
    assertStorageFits(limitsOf(tenant).storageGb, tenant.storageBytes, addingBytes);
  }

  /** A counted quota (templates, credentials, concurrent pipelines) under the tenant lock; `count` runs after locking. */
  async assertCountWithin(tx: TenantTx, tenantId: string, quota: Quota, count: () => Promise<number>): Promise<void> {
    // Unlimited needs no lock: concurrent creations of an unlimited tenant do not wait on each other.
    const limit = await this.limit(tx, quota);
    if (limit === null) return;
    await this.lockTenant(tx, tenantId);
    const used = await count();
    if (used + 1 > limit) throw new QuotaExceededError(quota, limit, used);
  }

  /** Transcription minutes of this month (UTC), checked before a recording of `addingSec` is transcribed. */
  async assertTranscriptionMinutes(db: TenantDb, addingSec: number, period = usagePeriod()): Promise<void> {
    const counter = await db.usageCounter.findFirst({ where: { period }, select: { transcriptionSeconds: true } });
    const usedMinutes = Math.ceil((counter?.transcriptionSeconds ?? 0) / 60);
    await this.assertWithin(db, 'transcriptionMinutesPerMonth', usedMinutes, Math.ceil(addingSec / 60));
  }

  /** Throws QuotaExceededError when `used + adding` would pass the limit. */
  async assertWithin(db: TenantDb | TenantTx, quota: Quota, used: number, adding = 1): Promise<void> {
    const limit = await this.limit(db, quota);
    if (limit !== null && used + adding > limit) throw new QuotaExceededError(quota, limit, used);
  }

  /** The tenant's current period: used against the limit of every quota. */
  async usage(db: TenantDb, now = new Date()): Promise<TenantUsage> {
    const period = usagePeriod(now);
    const [tenant, counter, running, templates, credentials, automationJobs] = await Promise.all([
      db.tenant.findFirstOrThrow({ select: { storageBytes: true, plan: true, quotaOverride: true } }),
      db.usageCounter.findFirst({ where: { period } }),
      db.pipelineRun.count({ where: { status: { in: ['QUEUED', 'RUNNING'] } } }),
      db.template.count({ where: { isDefault: false } }),
      db.credential.count(),
      db.automationJob.count(),
    ]);
    const limits = limitsOf(tenant);
    const used: Record<Quota, number> = {
      recordingsPerMonth: counter?.recordings ?? 0,
      storageGb: Number(tenant.storageBytes) / GIB,
      concurrentPipelines: running,
      automationJobs,
      minAutomationIntervalHours: 0,
      transcriptionMinutesPerMonth: Math.ceil((counter?.transcriptionSeconds ?? 0) / 60),
      templates,
      credentials,
    };
    return {
      period,
      planName: tenant.plan?.name ?? null,
      planDisplayName: tenant.plan?.displayName ?? null,
      storageBytes: tenant.storageBytes,
      storageLimitBytes: limits.storageGb === null ? null : BigInt(limits.storageGb) * BigInt(GIB),
      quotas: QUOTAS.map((quota) => ({ quota, used: used[quota], limit: limits[quota] })),
    };
  }
}

function limitsOf(tenant: { plan: Plan | null; quotaOverride: QuotaOverride | null }): Limits {
  return Object.fromEntries(QUOTAS.map((quota) => [quota, tenant.quotaOverride?.[quota] ?? tenant.plan?.[quota] ?? null])) as Limits;
}

function assertStorageFits(limitGb: number | null, storedBytes: bigint, addingBytes: number): void {
  if (limitGb === null) return;
  if (storedBytes + BigInt(Math.max(0, addingBytes)) > BigInt(limitGb) * BigInt(GIB)) {
    throw new QuotaExceededError(STORAGE_QUOTA, limitGb * 1024, Math.ceil(Number(storedBytes) / MIB));
  }
}

import { z } from 'zod';
import type { AutomationJob, AutomationRun, Prisma, PrismaClient } from '../../generated/prisma/client.js';
import { RecordingStatus } from '../../generated/prisma/enums.js';
import type { JobQueues } from '../../jobs/queues.js';
import { forTenant, type TenantDb } from '../../lib/db.js';
import { ConflictError, NotFoundError, QuotaExceededError, ValidationError } from '../../lib/errors.js';
import { rowIdOf } from '../../lib/ids.js';
import { logger } from '../../lib/logger.js';
import { isRowId, isUniqueViolation } from '../auth/auth.service.js';
import { issuesOf } from '../config/config-validation.js';
import type { ConfigService } from '../config/config.service.js';
import type { QuotaService } from '../quotas/quotas.service.js';
import { asJson } from '../recordings/recordings.service.js';
import { assertMinimumInterval, nextRunAt, parseSchedule, readSchedule, type Schedule, type ScheduleInput } from './schedule.js';
import type { AutomationSchedulers } from './schedulers.js';

// Automation jobs (SPEC §9): CRUD with the plan's limits (job count, minimum interval), kept in
// step with their BullMQ job schedulers. Runs are automation-runner.ts.

export interface AutomationJobInput {
  name: string;
  templateIds: string[];
  schedule: ScheduleInput;
  syncDays?: number | null;
  filters?: unknown;
  overrides?: unknown;
  isActive?: boolean | null;
}

export type AutomationJobPatch = { [K in keyof AutomationJobInput]?: AutomationJobInput[K] | null };

/** Which synced recordings a run considers. */
export const jobFiltersSchema = z
  .object({
    /** Recording statuses a run picks up; new recordings are INITIALIZED (a template took them) or SKIPPED (none did). */
    statuses: z.array(z.enum(RecordingStatus)).min(1).default(['INITIALIZED', 'SKIPPED']),
    /** Only these input sources (raw or global ids) instead of the templates' sources. */
    sourceIds: z.array(z.string()).max(100).default([]),
  })
  .strict();
export type JobFilters = z.output<typeof jobFiltersSchema>;

export function readFilters(value: unknown): JobFilters {
  const parsed = jobFiltersSchema.safeParse(value ?? {});
  return parsed.success ? parsed.data : jobFiltersSchema.parse({});
}

const nameSchema = z.string().trim().min(1, 'Name is required').max(255);
const syncDaysSchema = z.number().int().min(1, 'At least 1 day').max(30, 'At most 30 days');

/** A RUNNING row older than this belongs to a worker that died; it no longer blocks new runs. */
const STALE_RUN_MS = 2 * 3600 * 1000;

export class AutomationService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly schedulers: AutomationSchedulers,
    private readonly queues: JobQueues,
    private readonly quotas: QuotaService,
    private readonly config: ConfigService,
  ) {}

  async find(db: TenantDb, id: string): Promise<AutomationJob> {
    const job = isRowId(id) ? await db.automationJob.findUnique({ where: { id } }) : null;
    if (!job) throw new NotFoundError('AutomationJob');
    return job;
  }

  async create(tenantId: string, input: AutomationJobInput): Promise<AutomationJob> {
    const db = forTenant(tenantId, this.prisma);
    const data = await this.validate(db, input, null);
    const limit = await this.quotas.limit(db, 'automationJobs');
    const job = await this.unique(() =>
      db.$transaction(async (tx) => {
        // Serialises creations per tenant so two requests cannot both take the last slot.
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`automation-jobs:${tenantId}`}))`;
        if (limit !== null) {
          const used = await tx.automationJob.count();
          if (used >= limit) throw new QuotaExceededError('automationJobs', limit, used);
        }
        return tx.automationJob.create({ data: { tenantId, ...data } as Prisma.AutomationJobUncheckedCreateInput });
      }),
    );
    return this.syncScheduler(db, job);
  }

  async update(tenantId: string, id: string, patch: AutomationJobPatch): Promise<AutomationJob> {
    const db = forTenant(tenantId, this.prisma);
    const current = await this.find(db, id);
    const data = await this.validate(db, patch, current);
    const job = await this.unique(() => db.automationJob.update({ where: { id: current.id }, data }));
    return this.syncScheduler(db, job);
  }

  async delete(tenantId: string, id: string): Promise<AutomationJob> {
    const db = forTenant(tenantId, this.prisma);
    const job = await this.find(db, id);
    await db.automationJob.delete({ where: { id: job.id } });
    await this.schedulers.remove(job.id).catch((error: unknown) => logger.warn({ err: error, jobId: job.id }, 'scheduler not removed; the reconcile job will'));
    return job;
  }

  /**
   * A manual run, done by a worker: the run row (RUNNING) is recorded now and returned. A job with
   * a run still going answers a conflict.
   */
  async requestRun(tenantId: string, id: string): Promise<AutomationRun> {
    const db = forTenant(tenantId, this.prisma);
    const job = await this.find(db, id);
    const run = await db.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT 1 FROM "AutomationJob" WHERE id = ${job.id}::uuid FOR UPDATE`;
      if (await this.runningRun(tx, job.id)) throw new ConflictError('A run of this job is still going');
      return tx.automationRun.create({ data: { tenantId, jobId: job.id, trigger: 'MANUAL' } });
    });
    try {
      await this.queues.add('automation.run', { tenantId, automationJobId: job.id, runId: run.id }, { jobId: `automation.manual.${run.id}` });
    } catch (error) {
      await db.automationRun.update({ where: { id: run.id }, data: { status: 'FAILED', error: 'The run could not be queued; try again', finishedAt: new Date() } });
      throw error;
    }
    return run;
  }

  /** The run of `jobId` still going, if any (stale rows of dead workers aside). */
  async runningRun(db: Pick<TenantDb, 'automationRun'>, jobId: string): Promise<AutomationRun | null> {
    return db.automationRun.findFirst({ where: { jobId, status: 'RUNNING', startedAt: { gt: new Date(Date.now() - STALE_RUN_MS) } } });
  }

  private async syncScheduler(db: TenantDb, job: AutomationJob): Promise<AutomationJob> {
    let next: Date | null;
    try {
      next = await this.schedulers.sync(job);
    } catch (error) {
      // The row is the truth; the reconcile job installs the scheduler once Redis answers.
      logger.error({ err: error, jobId: job.id }, 'could not install the automation scheduler');
      const schedule = readSchedule(job.schedule);
      next = job.isActive && schedule ? nextRunAt(schedule) : null;
    }
    if (next?.getTime() === job.nextRunAt?.getTime()) return job;
    return db.automationJob.update({ where: { id: job.id }, data: { nextRunAt: next } });
  }

  /** Checks an input (or a patch of `current`) and returns the row data to write. */
  private async validate(db: TenantDb, input: AutomationJobPatch, current: AutomationJob | null): Promise<Prisma.AutomationJobUncheckedUpdateInput> {
    const data: Prisma.AutomationJobUncheckedUpdateInput = {};
    if (input.name != null || !current) data.name = parseWith(nameSchema, input.name ?? '', 'name');
    if (input.syncDays != null) data.syncDays = parseWith(syncDaysSchema, input.syncDays, 'syncDays');
    if (input.isActive != null) data.isActive = input.isActive;
    if (input.templateIds != null || !current) data.templateIds = await this.checkTemplates(db, input.templateIds ?? []);
    if (input.filters != null) data.filters = asJson(await this.checkFilters(db, input.filters));
    if (input.overrides != null) data.overrides = asJson(await this.config.validateOverrides(db, input.overrides, 'overrides'));

    let schedule: Schedule | null = current ? readSchedule(current.schedule) : null;
    if (input.schedule != null) {
      const tenant = await db.tenant.findFirstOrThrow({ select: { timezone: true } });
      schedule = parseSchedule(input.schedule, tenant.timezone);
      data.schedule = asJson(schedule);
    }
    if (!schedule) throw ValidationError.field('schedule', 'A schedule is required');
    const active = input.isActive ?? current?.isActive ?? true;
    // The limit applies to what will run: a paused job may keep a schedule the plan no longer allows.
    if (active && (input.schedule != null || input.isActive === true || !current)) {
      assertMinimumInterval(schedule, await this.quotas.limit(db, 'minAutomationIntervalHours'));
    }
    return data;
  }

  /** Template ids (raw or global) of this tenant's active, non-draft templates, in the order given. */
  private async checkTemplates(db: TenantDb, ids: string[]): Promise<string[]> {
    if (ids.length === 0) throw ValidationError.field('templateIds', 'Name at least one template');
    if (ids.length > 50) throw ValidationError.field('templateIds', 'At most 50 templates');
    const raw = ids.map((id) => rowIdOf(id, 'Template'));
    const valid = [...new Set(raw.filter((id): id is string => id !== null))];
    const found = new Map((await db.template.findMany({ where: { id: { in: valid } } })).map((t) => [t.id, t]));
    const issues = raw.flatMap((id, i) => {
      const template = id ? found.get(id) : undefined;
      if (!template) return [{ path: `templateIds.${i}`, message: 'Unknown template' }];
      if (template.isDefault) return [{ path: `templateIds.${i}`, message: 'The Default template matches no recording; name templates with matching rules' }];
      if (template.isDraft || !template.isActive) return [{ path: `templateIds.${i}`, message: 'The template is a draft or inactive' }];
      return [];
    });
    if (issues.length > 0) throw new ValidationError(issues.length === 1 && issues[0] ? issues[0].message : 'Some templates cannot be used', issues);
    return valid;
  }

  private async checkFilters(db: TenantDb, value: unknown): Promise<JobFilters> {
    const parsed = jobFiltersSchema.safeParse(value);
    if (!parsed.success) throw new ValidationError('The filters are invalid', issuesOf(parsed.error, 'filters'));
    const raw = parsed.data.sourceIds.map((id) => rowIdOf(id, 'InputSource'));
    const valid = raw.filter((id): id is string => id !== null);
    const found = new Set((await db.inputSource.findMany({ where: { id: { in: valid } }, select: { id: true } })).map((s) => s.id));
    const issues = raw.flatMap((id, i) => (id && found.has(id) ? [] : [{ path: `filters.sourceIds.${i}`, message: 'Unknown input source' }]));
    if (issues.length > 0) throw new ValidationError('Some input sources are unknown', issues);
    return { ...parsed.data, sourceIds: [...new Set(valid)] };
  }

  private async unique<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError('An automation job with this name already exists');
      throw error;
    }
  }
}

function parseWith<S extends z.ZodType>(schema: S, value: unknown, path: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ValidationError(parsed.error.issues[0]?.message ?? 'Invalid value', issuesOf(parsed.error, path));
  return parsed.data;
}

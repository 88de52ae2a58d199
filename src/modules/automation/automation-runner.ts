import type { AutomationJob, AutomationRun, InputSource, PrismaClient, Recording, Template } from '../../generated/prisma/client.js';
import type { AutomationTrigger } from '../../generated/prisma/enums.js';
import type { AutomationRunJobData } from '../../jobs/definitions.js';
import { forTenant, type TenantDb } from '../../lib/db.js';
import { ConflictError, DomainError, errorText } from '../../lib/errors.js';
import { logger } from '../../lib/logger.js';
import type { PipelineService } from '../pipeline/pipeline.service.js';
import { asJson } from '../recordings/recordings.service.js';
import { adapterFor } from '../sources/adapters.js';
import type { SourcesService } from '../sources/sources.service.js';
import { isBlank } from '../sources/store-recordings.js';
import { firstMatchingTemplate, type MatchSubject } from '../templates/matching.js';
import { readMatchingRules, type MatchingRules } from '../templates/template-schemas.js';
import { readFilters, type AutomationService } from './automation.service.js';
import { nextRunAt, readSchedule } from './schedule.js';
import type { AutomationSchedulers } from './schedulers.js';

// One run of an automation job (inventory §9): sync the sources over the last `syncDays` → take
// the new, unprocessed recordings one of the job's templates matches → start their pipelines with
// the job's overrides. A dry run lists the sources instead of syncing them and starts nothing: it
// writes no row at all (not even a history row), so "what would happen" can be asked any time.

export interface SourcePlan {
  sourceId: string;
  name: string;
  type: InputSource['type'];
  /** Recordings the provider listed in the window. */
  found: number;
  /** New rows (a dry run: rows a sync would create). */
  created: number;
  error: string | null;
}

export type RecordingAction = 'STARTED' | 'WOULD_START' | 'UNMATCHED' | 'SKIPPED' | 'FAILED';

export interface RecordingPlan {
  /** Null for a recording a dry run found at the provider that has no row yet. */
  recordingId: string | null;
  displayName: string;
  sourceId: string | null;
  templateId: string | null;
  templateName: string | null;
  action: RecordingAction;
  reason: string | null;
  pipelineRunId: string | null;
}

export interface RunReport {
  syncedCount: number;
  foundCount: number;
  matchedCount: number;
  startedCount: number;
  sources: SourcePlan[];
  recordings: RecordingPlan[];
}

/** Recordings one run starts at most. */
const RUN_LIMIT = 1000;
const DAY_MS = 24 * 3600 * 1000;

interface JobTemplate {
  template: Template;
  matchingRules: MatchingRules;
}

export function readReport(run: Pick<AutomationRun, 'plan' | 'syncedCount' | 'foundCount' | 'matchedCount' | 'startedCount'>): RunReport {
  const plan = run.plan && typeof run.plan === 'object' && !Array.isArray(run.plan) ? (run.plan as Partial<RunReport>) : {};
  return { syncedCount: run.syncedCount, foundCount: run.foundCount, matchedCount: run.matchedCount, startedCount: run.startedCount, sources: plan.sources ?? [], recordings: plan.recordings ?? [] };
}

export class AutomationRunner {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly automation: AutomationService,
    private readonly schedulers: AutomationSchedulers,
    private readonly sources: SourcesService,
    private readonly pipeline: PipelineService,
  ) {}

  /** What a run would do now; reads the providers, writes nothing. */
  async dryRun(tenantId: string, jobId: string): Promise<RunReport> {
    const db = forTenant(tenantId, this.prisma);
    return this.perform(db, tenantId, await this.automation.find(db, jobId), true);
  }

  /** The `automation.run` job: a scheduled fire, or a manual run recorded by `requestRun`. */
  async execute(data: AutomationRunJobData): Promise<{ runId: string | null; status: string }> {
    const db = forTenant(data.tenantId, this.prisma);
    const job = await db.automationJob.findUnique({ where: { id: data.automationJobId } });
    if (!data.runId && (!job || !job.isActive)) {
      // Deleted or paused behind the scheduler's back (a template deletion pauses jobs in SQL).
      await this.schedulers.remove(data.automationJobId);
      return { runId: null, status: 'NO_ACTIVE_JOB' };
    }
    if (!job) return { runId: data.runId ?? null, status: 'NO_JOB' };
    const run = data.runId ? await db.automationRun.findUnique({ where: { id: data.runId } }) : await this.openScheduledRun(db, job);
    if (!run || run.status !== 'RUNNING') return { runId: run?.id ?? null, status: run?.status ?? 'NO_RUN' };

    let status: AutomationRun['status'] = 'SUCCEEDED';
    let error: string | null = null;
    let report: RunReport | null = null;
    try {
      report = await this.perform(db, data.tenantId, job, false);
      const failedSources = report.sources.filter((s) => s.error);
      if (report.sources.length > 0 && failedSources.length === report.sources.length) {
        status = 'FAILED';
        error = `No source could be synced: ${failedSources.map((s) => `${s.name}: ${s.error}`).join('; ')}`;
      }
    } catch (failure) {
      status = failure instanceof ConflictError ? 'SKIPPED' : 'FAILED';
      error = failure instanceof DomainError ? failure.message : errorText(failure);
      if (!(failure instanceof DomainError)) logger.error({ err: failure, jobId: job.id, runId: run.id }, 'automation run failed');
    }
    const finishedAt = new Date();
    const finished = await db.automationRun.update({
      where: { id: run.id },
      data: {
        status,
        error: error ? errorText(error) : null,
        finishedAt,
        ...(report
          ? { syncedCount: report.syncedCount, foundCount: report.foundCount, matchedCount: report.matchedCount, startedCount: report.startedCount, plan: asJson({ sources: report.sources, recordings: report.recordings }) }
          : {}),
      },
    });
    await this.finishJob(db, job, finishedAt);
    return { runId: finished.id, status };
  }

  /** A scheduled run's row; a job whose previous run still goes gets a SKIPPED row instead. */
  private async openScheduledRun(db: TenantDb, job: AutomationJob): Promise<AutomationRun> {
    return db.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT 1 FROM "AutomationJob" WHERE id = ${job.id}::uuid FOR UPDATE`;
      const trigger: AutomationTrigger = 'SCHEDULE';
      if (await this.automation.runningRun(tx, job.id)) {
        return tx.automationRun.create({ data: { tenantId: job.tenantId, jobId: job.id, trigger, status: 'SKIPPED', error: 'The previous run was still going', finishedAt: new Date() } });
      }
      return tx.automationRun.create({ data: { tenantId: job.tenantId, jobId: job.id, trigger } });
    });
  }

  private async finishJob(db: TenantDb, job: AutomationJob, at: Date): Promise<void> {
    const current = await db.automationJob.findUnique({ where: { id: job.id }, select: { isActive: true, schedule: true } });
    if (!current) return;
    const schedule = readSchedule(current.schedule);
    let next: Date | null = null;
    if (current.isActive && schedule) next = (await this.schedulers.next(job.id).catch(() => null)) ?? nextRunAt(schedule, at);
    await db.automationJob.update({ where: { id: job.id }, data: { lastRunAt: at, runCount: { increment: 1 }, nextRunAt: next } });
  }

  private async perform(db: TenantDb, tenantId: string, job: AutomationJob, dryRun: boolean): Promise<RunReport> {
    const templates = await db.template.findMany({
      where: { id: { in: job.templateIds }, isActive: true, isDraft: false, isDefault: false },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
    if (templates.length === 0) throw new ConflictError('None of the job\'s templates is active');
    const jobTemplates: JobTemplate[] = templates.map((template) => ({ template, matchingRules: readMatchingRules(template.matchingRules) }));
    const sources = await this.sourcesOf(db, job, jobTemplates);
    const to = new Date();
    const from = new Date(to.getTime() - job.syncDays * DAY_MS);
    const report: RunReport = { syncedCount: 0, foundCount: 0, matchedCount: 0, startedCount: 0, sources: [], recordings: [] };

    for (const source of sources) {
      const plan: SourcePlan = { sourceId: source.id, name: source.name, type: source.type, found: 0, created: 0, error: null };
      try {
        if (dryRun) report.recordings.push(...(await this.unsynced(db, source, from, to, jobTemplates, plan)));
        else {
          const synced = await this.sources.sync(tenantId, source.id, from, to);
          plan.found = synced.found;
          plan.created = synced.created;
        }
      } catch (error) {
        plan.error = error instanceof DomainError ? error.message : 'The source could not be read';
        if (!(error instanceof DomainError)) logger.warn({ err: error, sourceId: source.id }, 'automation sync failed');
      }
      report.syncedCount += plan.created;
      report.sources.push(plan);
    }

    const candidates = await db.recording.findMany({
      where: {
        inputSourceId: { in: sources.map((s) => s.id) },
        status: { in: readFilters(job.filters).statuses },
        deleteState: 'ACTIVE',
        isBlank: false,
        failed: false,
        startTime: { gte: from },
        pipelineRuns: { none: {} },
      },
      orderBy: [{ startTime: 'asc' }, { id: 'asc' }],
      take: RUN_LIMIT,
    });
    for (const recording of candidates) report.recordings.push(await this.handle(db, tenantId, job, recording, jobTemplates, dryRun));

    report.foundCount = report.recordings.length;
    report.matchedCount = report.recordings.filter((r) => r.templateId !== null).length;
    report.startedCount = report.recordings.filter((r) => r.action === (dryRun ? 'WOULD_START' : 'STARTED')).length;
    return report;
  }

  /** The job's filter sources, else its templates' sources; all active sources when a template takes any source. */
  private async sourcesOf(db: TenantDb, job: AutomationJob, templates: JobTemplate[]): Promise<InputSource[]> {
    const filtered = readFilters(job.filters).sourceIds;
    const anySource = templates.some((t) => t.matchingRules.sourceIds.length === 0);
    const ids = filtered.length > 0 ? filtered : anySource ? null : [...new Set(templates.flatMap((t) => t.matchingRules.sourceIds))];
    return db.inputSource.findMany({ where: { isActive: true, ...(ids ? { id: { in: ids } } : {}) }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  }

  /** Dry run: recordings the provider lists that a sync would add, and what the run would do with them. */
  private async unsynced(db: TenantDb, source: InputSource, from: Date, to: Date, jobTemplates: JobTemplate[], plan: SourcePlan): Promise<RecordingPlan[]> {
    const remote = await (await adapterFor(source, this.sources.options)).list({ from, to });
    plan.found = remote.length;
    const keys = [...new Set(remote.flatMap((item) => [item.sourceKey, ...item.aliasKeys]))];
    const known = new Set(
      (await db.recording.findMany({ where: { sourceType: source.type, sourceKey: { in: keys } }, select: { sourceKey: true } })).map((r) => r.sourceKey),
    );
    // A sync binds a new recording to the workspace's first matching template, which may not be one of this job's.
    const active = await db.template.findMany({ where: { isDefault: false, isDraft: false, isActive: true }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    const allTemplates = active.map((template) => ({ template, matchingRules: readMatchingRules(template.matchingRules) }));
    const blankRule = source.type === 'ZOOM' ? this.sources.options.blank : null;
    const fresh = remote.filter((item) => ![item.sourceKey, ...item.aliasKeys].some((key) => known.has(key)));
    plan.created = fresh.length;
    return fresh.map((item) => {
      const subject: MatchSubject = { displayName: item.displayName, inputSourceId: source.id, durationSec: item.durationSec };
      const base = { recordingId: null, displayName: item.displayName, sourceId: source.id, pipelineRunId: null };
      if (item.processing) return { ...base, templateId: null, templateName: null, action: 'SKIPPED' as const, reason: 'Still being processed by the provider' };
      if (isBlank(item, blankRule)) return { ...base, templateId: null, templateName: null, action: 'SKIPPED' as const, reason: 'Blank recording (too short or too small)' };
      const bound = firstMatchingTemplate(allTemplates, subject)?.template ?? null;
      const ours = bound && jobTemplates.some((t) => t.template.id === bound.id) ? bound : null;
      if (!ours) return { ...base, templateId: null, templateName: null, action: 'UNMATCHED' as const, reason: bound ? `Would be bound to “${bound.name}”, which this job does not run` : 'No template of this job matches' };
      return { ...base, templateId: ours.id, templateName: ours.name, action: 'WOULD_START' as const, reason: null };
    });
  }

  private async handle(db: TenantDb, tenantId: string, job: AutomationJob, recording: Recording, jobTemplates: JobTemplate[], dryRun: boolean): Promise<RecordingPlan> {
    const base = { recordingId: recording.id, displayName: recording.displayName, sourceId: recording.inputSourceId, pipelineRunId: null };
    const bound = recording.templateId ? jobTemplates.find((t) => t.template.id === recording.templateId) : undefined;
    if (recording.templateId && !bound) {
      return { ...base, templateId: null, templateName: null, action: 'UNMATCHED', reason: 'Bound to a template this job does not run' };
    }
    const subject: MatchSubject = { displayName: recording.displayName, inputSourceId: recording.inputSourceId, durationSec: recording.durationSec };
    const match = bound ?? firstMatchingTemplate(jobTemplates, subject);
    if (!match) return { ...base, templateId: null, templateName: null, action: 'UNMATCHED', reason: 'No template of this job matches' };
    const matched = { ...base, templateId: match.template.id, templateName: match.template.name };
    if (dryRun) return { ...matched, action: 'WOULD_START', reason: null };
    try {
      if (!bound) {
        await db.recording.update({
          where: { id: recording.id },
          data: { templateId: match.template.id, isMapped: true, ...(recording.status === 'SKIPPED' ? { status: 'INITIALIZED' } : {}) },
        });
      }
      const run = await this.pipeline.start(db, tenantId, recording.id, { overrides: job.overrides });
      return { ...matched, action: 'STARTED', reason: null, pipelineRunId: run.id };
    } catch (error) {
      if (error instanceof ConflictError) return { ...matched, action: 'SKIPPED', reason: error.message };
      if (error instanceof DomainError) return { ...matched, action: 'FAILED', reason: error.message };
      logger.error({ err: error, recordingId: recording.id, jobId: job.id }, 'automation could not start a pipeline');
      return { ...matched, action: 'FAILED', reason: 'Unexpected error while starting the pipeline' };
    }
  }
}

import { builder } from '../../graphql/builder.js';
import { viewerOf } from '../../graphql/context.js';
import { AutomationRunStatus, AutomationTrigger } from '../../generated/prisma/enums.js';
import { ConflictError, CredentialError, NotFoundError, QuotaExceededError } from '../../lib/errors.js';
import { isRowId } from '../auth/auth.service.js';
import { RecordingStatusEnum, SourceTypeEnum } from '../recordings/recordings.graphql.js';
import { InputSourceNode } from '../sources/sources.graphql.js';
import { TemplateNode } from '../templates/templates.graphql.js';
import { readReport, type RecordingPlan, type RunReport, type SourcePlan } from './automation-runner.js';
import { readFilters, type AutomationJobPatch } from './automation.service.js';
import { describeSchedule, readSchedule, WEEKDAYS, type ScheduleInput } from './schedule.js';

const ScheduleTypeEnum = builder.enumType('AutomationScheduleType', {
  description: 'TIME_OF_DAY: daily at `time`; HOURS: every `hours` hours on the hour from local midnight; WEEKDAYS: `days` at `time`; CRON: a 5-field `expression`.',
  values: { TIME_OF_DAY: { value: 'time_of_day' }, HOURS: { value: 'hours' }, WEEKDAYS: { value: 'weekdays' }, CRON: { value: 'cron' } } as const,
});
const WeekdayEnum = builder.enumType('Weekday', { values: WEEKDAYS });
const RunStatusEnum = builder.enumType(AutomationRunStatus, { name: 'AutomationRunStatus' });
const TriggerEnum = builder.enumType(AutomationTrigger, { name: 'AutomationTrigger' });
const RecordingActionEnum = builder.enumType('AutomationRecordingAction', {
  description: 'STARTED: its pipeline was started; WOULD_START (dry run); UNMATCHED: no template of the job takes it; SKIPPED: refused for a reason (already running, blank …); FAILED.',
  values: ['STARTED', 'WOULD_START', 'UNMATCHED', 'SKIPPED', 'FAILED'] as const,
});

type ScheduleView = ReturnType<typeof describeSchedule>;
const ScheduleRef = builder.objectRef<ScheduleView>('AutomationSchedule').implement({
  fields: (t) => ({
    type: t.field({ type: ScheduleTypeEnum, resolve: (s) => s.type }),
    timezone: t.exposeString('timezone', { description: 'IANA time zone the times are in' }),
    time: t.exposeString('time', { nullable: true, description: 'HH:MM' }),
    hours: t.exposeInt('hours', { nullable: true }),
    days: t.field({ type: [WeekdayEnum], nullable: true, resolve: (s) => s.days }),
    expression: t.exposeString('expression', { nullable: true }),
    cron: t.exposeString('cron', { description: 'The cron pattern BullMQ runs, in `timezone`' }),
  }),
});

const SourcePlanRef = builder.objectRef<SourcePlan>('AutomationSourcePlan').implement({
  fields: (t) => ({
    sourceId: t.globalID({ resolve: (s) => ({ type: 'InputSource', id: s.sourceId }) }),
    name: t.exposeString('name'),
    type: t.field({ type: SourceTypeEnum, resolve: (s) => s.type }),
    found: t.exposeInt('found', { description: 'Recordings the provider listed in the window' }),
    created: t.exposeInt('created', { description: 'New recordings (a dry run: that a sync would add)' }),
    error: t.exposeString('error', { nullable: true }),
  }),
});

const RecordingPlanRef = builder.objectRef<RecordingPlan>('AutomationRecordingPlan').implement({
  fields: (t) => ({
    recordingId: t.globalID({ nullable: true, description: 'Null for a recording a sync would add', resolve: (r) => (r.recordingId ? { type: 'Recording', id: r.recordingId } : null) }),
    displayName: t.exposeString('displayName'),
    sourceId: t.globalID({ nullable: true, resolve: (r) => (r.sourceId ? { type: 'InputSource', id: r.sourceId } : null) }),
    templateId: t.globalID({ nullable: true, resolve: (r) => (r.templateId ? { type: 'Template', id: r.templateId } : null) }),
    templateName: t.exposeString('templateName', { nullable: true }),
    action: t.field({ type: RecordingActionEnum, resolve: (r) => r.action }),
    reason: t.exposeString('reason', { nullable: true }),
    pipelineRunId: t.globalID({ nullable: true, resolve: (r) => (r.pipelineRunId ? { type: 'PipelineRun', id: r.pipelineRunId } : null) }),
  }),
});

const ReportRef = builder.objectRef<RunReport>('AutomationReport').implement({
  description: 'What a run synced, found, matched and started, source by source and recording by recording.',
  fields: (t) => ({
    syncedCount: t.exposeInt('syncedCount', { description: 'New recordings the syncs added (a dry run: would add)' }),
    foundCount: t.exposeInt('foundCount', { description: 'Recordings the run considered' }),
    matchedCount: t.exposeInt('matchedCount'),
    startedCount: t.exposeInt('startedCount', { description: 'Pipelines started (a dry run: that would start)' }),
    sources: t.field({ type: [SourcePlanRef], resolve: (r) => r.sources }),
    recordings: t.field({ type: [RecordingPlanRef], resolve: (r) => r.recordings }),
  }),
});

export const AutomationRunNode = builder.prismaNode('AutomationRun', {
  id: { field: 'id' },
  nullable: true,
  description: 'One run of an automation job (history).',
  fields: (t) => ({
    job: t.relation('job'),
    status: t.expose('status', { type: RunStatusEnum }),
    trigger: t.expose('trigger', { type: TriggerEnum }),
    dryRun: t.exposeBoolean('dryRun'),
    error: t.exposeString('error', { nullable: true }),
    report: t.field({
      type: ReportRef,
      select: { plan: true, syncedCount: true, foundCount: true, matchedCount: true, startedCount: true },
      resolve: (run) => readReport(run),
    }),
    startedAt: t.expose('startedAt', { type: 'DateTime' }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
  }),
});

export const AutomationJobNode = builder.prismaNode('AutomationJob', {
  id: { field: 'id' },
  nullable: true,
  description: 'A schedule that syncs sources, matches the new recordings to templates and starts their pipelines.',
  fields: (t) => ({
    name: t.exposeString('name'),
    templates: t.field({
      type: [TemplateNode],
      description: 'In matching order (creation order)',
      select: { templateIds: true },
      resolve: (job, _args, ctx) => ctx.db.template.findMany({ where: { id: { in: job.templateIds } }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),
    }),
    schedule: t.field({
      type: ScheduleRef,
      nullable: true,
      select: { schedule: true },
      resolve: (job) => {
        const schedule = readSchedule(job.schedule);
        return schedule ? describeSchedule(schedule) : null;
      },
    }),
    syncDays: t.exposeInt('syncDays', { description: 'Each run syncs the last N days' }),
    statuses: t.field({ type: [RecordingStatusEnum], description: 'Statuses of recordings a run picks up', select: { filters: true }, resolve: (job) => readFilters(job.filters).statuses }),
    sourceIds: t.globalIDList({
      description: 'Sources the job is limited to (empty: its templates\' sources)',
      resolve: (job) => readFilters(job.filters).sourceIds.map((id) => ({ type: 'InputSource', id })),
    }),
    overrides: t.expose('overrides', { type: 'JSON', description: 'Per-request overrides its pipelines start with' }),
    isActive: t.exposeBoolean('isActive'),
    lastRunAt: t.expose('lastRunAt', { type: 'DateTime', nullable: true }),
    nextRunAt: t.expose('nextRunAt', { type: 'DateTime', nullable: true }),
    runCount: t.exposeInt('runCount'),
    runs: t.relatedConnection('runs', { cursor: 'id', description: 'Newest first', query: { orderBy: [{ startedAt: 'desc' }, { id: 'desc' }] } }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const ScheduleInputType = builder.inputType('AutomationScheduleInput', {
  fields: (t) => ({
    type: t.field({ type: ScheduleTypeEnum, required: true }),
    time: t.string({ description: 'HH:MM, for TIME_OF_DAY and WEEKDAYS' }),
    hours: t.int({ description: '1–24, for HOURS' }),
    days: t.field({ type: [WeekdayEnum], description: 'For WEEKDAYS' }),
    expression: t.string({ description: 'For CRON: minute hour day-of-month month day-of-week' }),
    timezone: t.string({ description: 'IANA time zone; the workspace\'s by default' }),
  }),
});

const CreateJobInput = builder.inputType('CreateAutomationJobInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    templateIds: t.globalIDList({ for: TemplateNode, required: true, description: 'Active, non-draft templates; the first that matches a recording takes it' }),
    schedule: t.field({ type: ScheduleInputType, required: true }),
    syncDays: t.int({ description: '1–30 (default 2)' }),
    statuses: t.field({ type: [RecordingStatusEnum], description: 'Statuses a run picks up (default INITIALIZED, SKIPPED)' }),
    sourceIds: t.globalIDList({ for: InputSourceNode, description: 'Limit the job to these sources' }),
    overrides: t.field({ type: 'JSON', description: 'Per-request layer its pipelines start with: { processingConfig?, metadataConfig?, outputConfig? }' }),
    isActive: t.boolean(),
  }),
});

const UpdateJobInput = builder.inputType('UpdateAutomationJobInput', {
  description: 'Omitted fields stay.',
  fields: (t) => ({
    name: t.string(),
    templateIds: t.globalIDList({ for: TemplateNode }),
    schedule: t.field({ type: ScheduleInputType }),
    syncDays: t.int(),
    statuses: t.field({ type: [RecordingStatusEnum] }),
    sourceIds: t.globalIDList({ for: InputSourceNode }),
    overrides: t.field({ type: 'JSON' }),
    isActive: t.boolean(),
  }),
});

interface JobArgs {
  name?: string | null;
  templateIds?: Array<{ id: string }> | null;
  schedule?: ScheduleInput | null;
  syncDays?: number | null;
  statuses?: string[] | null;
  sourceIds?: Array<{ id: string }> | null;
  overrides?: unknown;
  isActive?: boolean | null;
}

function jobInput(input: JobArgs): AutomationJobPatch {
  const filters = input.statuses != null || input.sourceIds != null ? { ...(input.statuses ? { statuses: input.statuses } : {}), sourceIds: (input.sourceIds ?? []).map((s) => s.id) } : null;
  return { ...input, templateIds: input.templateIds?.map((t) => t.id) ?? null, filters };
}

const RunResultRef = builder.objectRef<{ dryRun: boolean; run: { id: string } | null; report: RunReport }>('AutomationRunResult').implement({
  fields: (t) => ({
    dryRun: t.exposeBoolean('dryRun'),
    run: t.prismaField({
      type: 'AutomationRun',
      nullable: true,
      description: 'The recorded run (queued for a worker); null for a dry run, which records nothing',
      resolve: (query, result, _args, ctx) => (result.run ? ctx.db.automationRun.findUnique({ ...query, where: { id: result.run.id } }) : null),
    }),
    report: t.field({ type: ReportRef, description: 'A dry run: what a run would do now. A queued run: empty until it is done (see run.report)', resolve: (r) => r.report }),
  }),
});

const errors = { types: [NotFoundError, ConflictError, QuotaExceededError] };

builder.queryFields((t) => ({
  automationJob: t.prismaField({
    type: 'AutomationJob',
    nullable: true,
    authScopes: { authenticated: true },
    args: { id: t.arg.globalID({ for: AutomationJobNode, required: true }) },
    resolve: (query, _root, { id }, ctx) => (isRowId(id.id) ? ctx.db.automationJob.findUnique({ ...query, where: { id: id.id } }) : null),
  }),
  automationJobs: t.prismaConnection({
    type: 'AutomationJob',
    cursor: 'id',
    authScopes: { authenticated: true },
    description: 'Automation jobs of the current workspace, oldest first.',
    resolve: (query, _root, _args, ctx) => ctx.db.automationJob.findMany({ ...query, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),
  }),
  automationRuns: t.prismaConnection({
    type: 'AutomationRun',
    cursor: 'id',
    authScopes: { authenticated: true },
    description: 'Run history of a job, newest first.',
    args: { jobId: t.arg.globalID({ for: AutomationJobNode, required: true }) },
    resolve: (query, _root, { jobId }, ctx) =>
      isRowId(jobId.id) ? ctx.db.automationRun.findMany({ ...query, where: { jobId: jobId.id }, orderBy: [{ startedAt: 'desc' }, { id: 'desc' }] }) : [],
  }),
}));

builder.mutationFields((t) => ({
  createAutomationJob: t.prismaField({
    type: 'AutomationJob',
    authScopes: { permission: 'canProcessVideo' },
    description: 'Creates a job and its schedule. Refused beyond the plan\'s job count, or when runs would come closer than its minimum interval.',
    args: { input: t.arg({ type: CreateJobInput, required: true }) },
    errors,
    resolve: async (query, _root, { input }, ctx) => {
      const { name, templateIds, schedule, ...rest } = jobInput(input);
      const job = await ctx.services.automation.create(viewerOf(ctx).tenantId, { ...rest, name: name ?? '', templateIds: templateIds ?? [], schedule: schedule as ScheduleInput });
      return ctx.db.automationJob.findUniqueOrThrow({ ...query, where: { id: job.id } });
    },
  }),
  updateAutomationJob: t.prismaField({
    type: 'AutomationJob',
    authScopes: { permission: 'canProcessVideo' },
    description: 'Changes a job; its schedule is replaced at once (isActive: false removes it).',
    args: { id: t.arg.globalID({ for: AutomationJobNode, required: true }), input: t.arg({ type: UpdateJobInput, required: true }) },
    errors,
    resolve: async (query, _root, { id, input }, ctx) => {
      const job = await ctx.services.automation.update(viewerOf(ctx).tenantId, id.id, jobInput(input));
      return ctx.db.automationJob.findUniqueOrThrow({ ...query, where: { id: job.id } });
    },
  }),
  deleteAutomationJob: t.globalID({
    authScopes: { permission: 'canProcessVideo' },
    description: 'Deletes a job with its run history and schedule. Returns its id.',
    args: { id: t.arg.globalID({ for: AutomationJobNode, required: true }) },
    errors: { types: [NotFoundError], directResult: false },
    resolve: async (_root, { id }, ctx) => {
      const job = await ctx.services.automation.delete(viewerOf(ctx).tenantId, id.id);
      return { type: 'AutomationJob', id: job.id };
    },
  }),
  runAutomationJob: t.field({
    type: RunResultRef,
    authScopes: { permission: 'canProcessVideo' },
    description: 'Runs a job now (queued for a worker; the run is in its history). With dryRun: lists what the sources hold and what would be synced, matched and started, creating nothing.',
    args: { id: t.arg.globalID({ for: AutomationJobNode, required: true }), dryRun: t.arg.boolean({ defaultValue: false }) },
    errors: { types: [NotFoundError, ConflictError, CredentialError] },
    resolve: async (_root, { id, dryRun }, ctx) => {
      const tenantId = viewerOf(ctx).tenantId;
      if (dryRun) return { dryRun: true, run: null, report: await ctx.services.automationRunner.dryRun(tenantId, id.id) };
      const run = await ctx.services.automation.requestRun(tenantId, id.id);
      return { dryRun: false, run, report: readReport(run) };
    },
  }),
}));

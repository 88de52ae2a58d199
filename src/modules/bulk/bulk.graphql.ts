import { builder } from '../../graphql/builder.js';
import { viewerOf } from '../../graphql/context.js';
import type { PlannedStep } from '../pipeline/stages.js';
import { OutputPresetNode } from '../presets/presets.graphql.js';
import { RecordingFilter, RecordingNode, StageEnum } from '../recordings/recordings.graphql.js';
import { ValidationError } from '../../lib/errors.js';
import { BULK_ACTIONS, BULK_LIMIT, BULK_PERMISSION, type BulkAction, type BulkOutcome, type BulkResult } from './bulk.service.js';

const BulkActionEnum = builder.enumType('BulkAction', {
  description: 'RUN the pipeline; TRANSCRIBE (with topics and subtitles); TRIM; TOPICS; SUBTITLES; PUBLISH; PAUSE the running pipeline; DELETE the recording and its files.',
  values: BULK_ACTIONS,
});
const OutcomeStatusEnum = builder.enumType('BulkOutcomeStatus', {
  description: 'PLANNED (dry run); STARTED, PAUSED, DELETED: done; SKIPPED with a reason; FAILED with the error.',
  values: ['PLANNED', 'STARTED', 'PAUSED', 'DELETED', 'SKIPPED', 'FAILED'] as const,
});

const StepPlanRef = builder.objectRef<PlannedStep>('BulkStepPlan').implement({
  fields: (t) => ({
    stage: t.field({ type: StageEnum, resolve: (s) => s.stage }),
    runs: t.boolean({ resolve: (s) => s.skipReason === null }),
    skipReason: t.exposeString('skipReason', { nullable: true }),
  }),
});

const OutcomeRef = builder.objectRef<BulkOutcome>('BulkOutcome').implement({
  fields: (t) => ({
    recordingId: t.globalID({
      nullable: true,
      description: 'Null for an id that names no recording of this workspace (outcomes follow the order of ids)',
      resolve: (o) => (o.recordingId ? { type: 'Recording', id: o.recordingId } : null),
    }),
    displayName: t.exposeString('displayName', { nullable: true }),
    status: t.field({ type: OutcomeStatusEnum, resolve: (o) => o.status }),
    reason: t.exposeString('reason', { nullable: true }),
    stages: t.field({ type: [StepPlanRef], description: 'Pipeline actions: every stage and whether it runs', resolve: (o) => o.stages }),
    pipelineRunId: t.globalID({ nullable: true, resolve: (o) => (o.pipelineRunId ? { type: 'PipelineRun', id: o.pipelineRunId } : null) }),
  }),
});

const count = (result: BulkResult, statuses: BulkOutcome['status'][]) => result.outcomes.filter((o) => statuses.includes(o.status)).length;

const ResultRef = builder.objectRef<BulkResult>('BulkResult').implement({
  fields: (t) => ({
    action: t.field({ type: BulkActionEnum, resolve: (r) => r.action }),
    dryRun: t.exposeBoolean('dryRun'),
    matchedCount: t.exposeInt('matchedCount', { description: 'Recordings the filter matches in all (ids: ids given); at most `limit` of them are handled' }),
    doneCount: t.int({ description: 'Planned (dry run) or done', resolve: (r) => count(r, ['PLANNED', 'STARTED', 'PAUSED', 'DELETED']) }),
    skippedCount: t.int({ resolve: (r) => count(r, ['SKIPPED']) }),
    failedCount: t.int({ resolve: (r) => count(r, ['FAILED']) }),
    outcomes: t.field({ type: [OutcomeRef], description: 'One per recording, in the order handled', resolve: (r) => r.outcomes }),
  }),
});

const BulkInputType = builder.inputType('BulkRecordingsInput', {
  description: `Exactly one of ids and filter; at most ${BULK_LIMIT} recordings.`,
  fields: (t) => ({
    ids: t.globalIDList({ for: RecordingNode }),
    filter: t.field({ type: RecordingFilter }),
    limit: t.int({ description: `With a filter: the newest N matches (default 50, at most ${BULK_LIMIT})` }),
    action: t.field({ type: BulkActionEnum, required: true }),
    dryRun: t.boolean({ defaultValue: false, description: 'Answer the per-recording plan; change nothing' }),
    overrides: t.field({ type: 'JSON', description: 'Pipeline actions: per-request overrides, as startPipeline takes them' }),
    presetIds: t.globalIDList({ for: OutputPresetNode, description: 'PUBLISH: these presets instead of the configured ones' }),
  }),
});

builder.mutationFields((t) => ({
  bulkRecordings: t.field({
    type: ResultRef,
    // Each action needs what its single-recording mutation needs.
    authScopes: (_root, args) => ({ permission: BULK_PERMISSION[args.input.action as BulkAction] }),
    description: 'One action over many recordings, by ids or by a filter. A recording that cannot be handled is reported (SKIPPED or FAILED), never failing the batch.',
    args: { input: t.arg({ type: BulkInputType, required: true }) },
    errors: { types: [ValidationError] },
    resolve: (_root, { input }, ctx) =>
      ctx.services.bulk.execute(viewerOf(ctx).tenantId, {
        ids: input.ids?.map((id) => id.id) ?? null,
        filter: input.filter ?? null,
        limit: input.limit ?? null,
        action: input.action,
        dryRun: input.dryRun ?? false,
        overrides: input.overrides ?? undefined,
        presetIds: input.presetIds?.map((id) => id.id) ?? null,
      }),
  }),
}));

import { builder } from '../../graphql/builder.js';
import { viewerOf, type Context } from '../../graphql/context.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { RunStatus, StepStatus } from '../../generated/prisma/enums.js';
import { ConflictError, ForbiddenError, NotFoundError, QuotaExceededError, ValidationError } from '../../lib/errors.js';
import { hasPermission } from '../auth/viewer.js';
import { RecordingNode, StageEnum } from '../recordings/recordings.graphql.js';
import { OutputPresetNode } from '../presets/presets.graphql.js';
import { TemplateNode } from '../templates/templates.graphql.js';
import { GranularityEnum } from '../transcripts/transcripts.graphql.js';
import './pipeline-events.graphql.js';
import type { StartOptions } from './pipeline.service.js';

export const RunStatusEnum = builder.enumType(RunStatus, { name: 'RunStatus' });
export const StepStatusEnum = builder.enumType(StepStatus, { name: 'StepStatus' });

export const PipelineRunNode = builder.prismaNode('PipelineRun', {
  id: { field: 'id' },
  nullable: true,
  description: 'One pass of a recording through the pipeline, with the configuration it ran with.',
  fields: (t) => ({
    status: t.expose('status', { type: RunStatusEnum }),
    recording: t.relation('recording'),
    steps: t.relation('steps', { description: 'In pipeline order', query: { orderBy: { stage: 'asc' } } }),
    config: t.expose('config', { type: 'JSON', description: 'The resolved configuration the run executes with' }),
    overrides: t.expose('overrides', { type: 'JSON', description: 'The per-request overrides it was started with' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
  }),
});

builder.prismaObject('PipelineStep', {
  description: 'One stage of a run.',
  fields: (t) => ({
    stage: t.expose('stage', { type: StageEnum }),
    status: t.expose('status', { type: StepStatusEnum }),
    progress: t.exposeInt('progress', { description: '0–100' }),
    attempts: t.exposeInt('attempts'),
    message: t.exposeString('message', { nullable: true, description: 'What the stage did, or is doing' }),
    error: t.exposeString('error', { nullable: true }),
    skipReason: t.exposeString('skipReason', { nullable: true }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
  }),
});

builder.prismaObjectFields('Recording', (t) => ({
  latestRun: t.field({
    type: PipelineRunNode,
    nullable: true,
    description: 'The newest pipeline run, if the recording ever ran',
    // Loaded with the recording (batched by plugin-prisma), so a list of recordings stays a few queries.
    select: (_args, _ctx, nestedSelection) => ({
      pipelineRuns: nestedSelection({ orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: 1 }),
    }),
    resolve: (recording) => recording.pipelineRuns[0] ?? null,
  }),
  pipelineRuns: t.relatedConnection('pipelineRuns', {
    cursor: 'id',
    description: 'Newest first',
    query: { orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] },
  }),
}));

const StartPipelineInput = builder.inputType('StartPipelineInput', {
  fields: (t) => ({
    recordingId: t.globalID({ for: RecordingNode, required: true }),
    overrides: t.field({ type: 'JSON', description: 'Per-request layer: { processingConfig?, metadataConfig?, outputConfig? }' }),
    templateId: t.globalID({ for: TemplateNode, description: 'Run with this template on top of the bound one' }),
    force: t.boolean({ description: 'Process a recording flagged blank anyway', defaultValue: false }),
    stages: t.field({ type: [StageEnum], description: 'Run only these stages (others are skipped); all by default' }),
  }),
});

/** Starts a run for the caller and answers it with the fields the query selected. */
async function startRun(ctx: Context, query: { include?: Prisma.PipelineRunInclude; select?: Prisma.PipelineRunSelect }, recordingId: string, options: StartOptions) {
  const viewer = viewerOf(ctx);
  const run = await ctx.services.pipeline.start(ctx.db, viewer.tenantId, recordingId, { ...options, createdById: viewer.userId });
  return ctx.db.pipelineRun.findUniqueOrThrow({ ...query, where: { id: run.id } });
}

builder.mutationFields((t) => ({
  startPipeline: t.prismaField({
    type: 'PipelineRun',
    authScopes: { permission: 'canProcessVideo' },
    description: 'Starts a run: resolves the configuration, records the run and its steps, and queues the first stages.',
    args: { input: t.arg({ type: StartPipelineInput, required: true }) },
    errors: { types: [NotFoundError, ConflictError, QuotaExceededError, ValidationError] },
    resolve: (query, _root, { input }, ctx) =>
      startRun(ctx, query, input.recordingId.id, {
        overrides: input.overrides ?? undefined,
        templateId: input.templateId?.id ?? null,
        force: input.force ?? false,
        stages: input.stages ?? null,
      }),
  }),
  retranscribe: t.prismaField({
    type: 'PipelineRun',
    authScopes: { permission: 'canTranscribe' },
    description: 'Transcribes the recording again, then redoes its topics and subtitles (a run of those stages).',
    args: {
      recordingId: t.arg.globalID({ for: RecordingNode, required: true }),
      language: t.arg.string({ description: 'auto, ru or en; the configured one by default' }),
    },
    errors: { types: [NotFoundError, ConflictError, QuotaExceededError, ValidationError] },
    resolve: (query, _root, { recordingId, language }, ctx) =>
      startRun(ctx, query, recordingId.id, {
        overrides: language ? { processingConfig: { transcription: { language } } } : undefined,
        stages: ['TRANSCRIBE', 'TOPICS', 'SUBTITLES'],
        force: true,
      }),
  }),
  publishRecording: t.prismaField({
    type: 'PipelineRun',
    authScopes: { permission: 'canProcessVideo' },
    description: 'Publishes the recording to these output presets (one target each; an uploaded target is never uploaded again).',
    args: {
      recordingId: t.arg.globalID({ for: RecordingNode, required: true }),
      presetIds: t.arg.globalIDList({ for: OutputPresetNode, required: true, description: 'At least one' }),
    },
    errors: { types: [NotFoundError, ConflictError, QuotaExceededError, ValidationError] },
    resolve: (query, _root, { recordingId, presetIds }, ctx) => {
      if (presetIds.length === 0) throw ValidationError.field('presetIds', 'Name at least one output preset');
      return startRun(ctx, query, recordingId.id, { overrides: { outputConfig: { presetIds: presetIds.map((id) => id.id) } }, stages: ['PUBLISH'], force: true });
    },
  }),
  regenerateTopics: t.prismaField({
    type: 'PipelineRun',
    authScopes: { permission: 'canTranscribe' },
    description: 'Extracts topics again from the transcript (a new topic version becomes active when it is done).',
    args: {
      recordingId: t.arg.globalID({ for: RecordingNode, required: true }),
      granularity: t.arg({ type: GranularityEnum }),
    },
    errors: { types: [NotFoundError, ConflictError, QuotaExceededError, ValidationError] },
    resolve: (query, _root, { recordingId, granularity }, ctx) =>
      startRun(ctx, query, recordingId.id, {
        overrides: granularity ? { processingConfig: { topics: { granularity: granularity.toLowerCase() } } } : undefined,
        stages: ['TOPICS'],
        force: true,
      }),
  }),
  pauseRecording: t.prismaField({
    type: 'Recording',
    authScopes: { permission: 'canProcessVideo' },
    description: 'Lets the running step finish, then stops the run until it is resumed.',
    args: { recordingId: t.arg.globalID({ for: RecordingNode, required: true }) },
    errors: { types: [NotFoundError, ConflictError] },
    resolve: async (query, _root, { recordingId }, ctx) => {
      await ctx.services.pipeline.pause(ctx.db, viewerOf(ctx).tenantId, recordingId.id);
      return ctx.db.recording.findUniqueOrThrow({ ...query, where: { id: recordingId.id } });
    },
  }),
  resumeRecording: t.prismaField({
    type: 'Recording',
    authScopes: { permission: 'canProcessVideo' },
    args: { recordingId: t.arg.globalID({ for: RecordingNode, required: true }) },
    errors: { types: [NotFoundError, ConflictError] },
    resolve: async (query, _root, { recordingId }, ctx) => {
      await ctx.services.pipeline.resume(ctx.db, viewerOf(ctx).tenantId, recordingId.id);
      return ctx.db.recording.findUniqueOrThrow({ ...query, where: { id: recordingId.id } });
    },
  }),
  cancelPipeline: t.prismaField({
    type: 'PipelineRun',
    authScopes: { permission: 'canProcessVideo' },
    description: 'Ends the active run; waiting stages are skipped, a running stage finishes on its own.',
    args: { recordingId: t.arg.globalID({ for: RecordingNode, required: true }) },
    errors: { types: [NotFoundError, ConflictError] },
    resolve: async (query, _root, { recordingId }, ctx) => {
      const run = await ctx.services.pipeline.cancel(ctx.db, viewerOf(ctx).tenantId, recordingId.id);
      return ctx.db.pipelineRun.findUniqueOrThrow({ ...query, where: { id: run.id } });
    },
  }),
  retryStep: t.prismaField({
    type: 'PipelineRun',
    authScopes: { permission: 'canProcessVideo' },
    description: 'Runs a failed step of the latest run again; the run continues after it.',
    args: { recordingId: t.arg.globalID({ for: RecordingNode, required: true }), stage: t.arg({ type: StageEnum, required: true }) },
    errors: { types: [NotFoundError, ConflictError] },
    resolve: async (query, _root, { recordingId, stage }, ctx) => {
      const run = await ctx.services.pipeline.retryStep(ctx.db, viewerOf(ctx).tenantId, recordingId.id, stage);
      return ctx.db.pipelineRun.findUniqueOrThrow({ ...query, where: { id: run.id } });
    },
  }),
  resetRecording: t.prismaField({
    type: 'Recording',
    authScopes: { permission: 'canProcessVideo' },
    description: 'Back to the state after ingest: runs, outputs and topics are removed (an active run is cancelled).',
    args: {
      recordingId: t.arg.globalID({ for: RecordingNode, required: true }),
      deleteFiles: t.arg.boolean({ defaultValue: false, description: 'Also delete the files made from the source (needs canDeleteRecordings)' }),
    },
    errors: { types: [NotFoundError, ConflictError, ForbiddenError] },
    resolve: async (query, _root, { recordingId, deleteFiles }, ctx) => {
      const viewer = viewerOf(ctx);
      if (deleteFiles && !hasPermission(viewer, 'canDeleteRecordings')) throw new ForbiddenError('Deleting files needs the canDeleteRecordings permission');
      await ctx.services.pipeline.reset(ctx.db, viewer.tenantId, recordingId.id, { deleteFiles: deleteFiles ?? false });
      return ctx.db.recording.findUniqueOrThrow({ ...query, where: { id: recordingId.id } });
    },
  }),
}));

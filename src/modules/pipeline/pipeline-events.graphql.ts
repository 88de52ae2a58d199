import { builder } from '../../graphql/builder.js';
import type { Context } from '../../graphql/context.js';
import { viewerOf } from '../../graphql/context.js';
import { NotFoundError } from '../../lib/errors.js';
import { RecordingNode, RecordingStatusEnum, StageEnum } from '../recordings/recordings.graphql.js';
import { eventKey, recordingChannel, tenantChannel, type PipelineEvent, type PipelineEventKind } from './events.js';
import { ACTIVE_RUN_STATUSES } from './pipeline.service.js';
import type { Snapshot } from './progress-hub.js';

const EventKindEnum = builder.enumType('PipelineEventKind', {
  values: {
    SNAPSHOT: { description: 'The state of a step when the subscription started' },
    STEP: { description: 'A step changed: status, progress or message' },
    RUN: { description: 'The run changed: queued, started, paused, resumed, finished, cancelled' },
  } satisfies Record<PipelineEventKind, { description: string }>,
});

const PipelineEventRef = builder.objectRef<PipelineEvent>('PipelineEvent').implement({
  description: 'Progress of a run. A subscription first sends the current state, then every change after it, in order.',
  fields: (t) => ({
    kind: t.field({ type: EventKindEnum, resolve: (e) => e.kind }),
    runId: t.globalID({ resolve: (e) => ({ type: 'PipelineRun', id: e.runId }) }),
    recordingId: t.globalID({ resolve: (e) => ({ type: 'Recording', id: e.recordingId }) }),
    stage: t.field({ type: StageEnum, nullable: true, resolve: (e) => e.stage }),
    status: t.exposeString('status', { description: 'StepStatus for step events, RunStatus for run events' }),
    progress: t.exposeInt('progress'),
    message: t.exposeString('message', { nullable: true }),
    seq: t.exposeInt('seq', { description: 'Grows with every event of the run' }),
    at: t.field({ type: 'DateTime', resolve: (e) => new Date(e.at) }),
    recordingStatus: t.field({ type: RecordingStatusEnum, resolve: (e) => e.recordingStatus }),
  }),
});

type SnapshotRun = {
  id: string;
  tenantId: string;
  recordingId: string;
  status: string;
  eventSeq: number;
  updatedAt: Date;
  recording: { status: PipelineEvent['recordingStatus'] };
  steps: Array<{ stage: NonNullable<PipelineEvent['stage']>; status: string; progress: number; message: string | null; error: string | null; skipReason: string | null; eventSeq: number; updatedAt: Date }>;
};

const snapshotSelect = {
  id: true,
  tenantId: true,
  recordingId: true,
  status: true,
  eventSeq: true,
  updatedAt: true,
  recording: { select: { status: true } },
  steps: {
    orderBy: { stage: 'asc' },
    select: { stage: true, status: true, progress: true, message: true, error: true, skipReason: true, eventSeq: true, updatedAt: true },
  },
} as const;

/** The run and each of its steps as SNAPSHOT events, with the seq each already reflects. */
function snapshotOf(runs: SnapshotRun[]): Snapshot {
  const events: PipelineEvent[] = [];
  const seen = new Map<string, number>();
  for (const run of runs) {
    const base = { tenantId: run.tenantId, runId: run.id, recordingId: run.recordingId, recordingStatus: run.recording.status };
    events.push({ ...base, kind: 'SNAPSHOT', stage: null, status: run.status, progress: run.status === 'COMPLETED' ? 100 : 0, message: null, seq: run.eventSeq, at: run.updatedAt.toISOString() });
    seen.set(eventKey({ runId: run.id, stage: null }), run.eventSeq);
    for (const step of run.steps) {
      const message = step.skipReason ?? step.error ?? step.message;
      events.push({ ...base, kind: 'SNAPSHOT', stage: step.stage, status: step.status, progress: step.progress, message, seq: step.eventSeq, at: step.updatedAt.toISOString() });
      seen.set(eventKey({ runId: run.id, stage: step.stage }), step.eventSeq);
    }
  }
  return { events, seen };
}

const sameTenant = (ctx: Context) => (event: PipelineEvent) => event.tenantId === ctx.viewer?.tenantId;

builder.subscriptionType({});

builder.subscriptionFields((t) => ({
  recordingProgress: t.field({
    type: PipelineEventRef,
    authScopes: { authenticated: true },
    description: "The recording's latest run: its current state first, then every change, including runs started later.",
    args: { recordingId: t.arg.globalID({ for: RecordingNode, required: true }) },
    subscribe: async (_root, { recordingId }, ctx) => {
      const { tenantId } = viewerOf(ctx);
      const recording = await ctx.db.recording.findUnique({ where: { id: recordingId.id }, select: { id: true } });
      if (!recording) throw new NotFoundError('Recording');
      return ctx.services.progressHub.watch(
        recordingChannel(recording.id),
        async () => {
          const run = await ctx.db.pipelineRun.findFirst({ where: { recordingId: recording.id }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], select: snapshotSelect });
          return snapshotOf(run && run.tenantId === tenantId ? [run] : []);
        },
        sameTenant(ctx),
      );
    },
    resolve: (event) => event,
  }),
  pipelineEvents: t.field({
    type: PipelineEventRef,
    authScopes: { authenticated: true },
    description: "Every run of the workspace: the active runs' state first, then every change.",
    subscribe: (_root, _args, ctx) => {
      const { tenantId } = viewerOf(ctx);
      return ctx.services.progressHub.watch(
        tenantChannel(tenantId),
        async () => snapshotOf(await ctx.db.pipelineRun.findMany({ where: { status: { in: [...ACTIVE_RUN_STATUSES] } }, orderBy: { createdAt: 'asc' }, select: snapshotSelect })),
        sameTenant(ctx),
      );
    },
    resolve: (event) => event,
  }),
}));

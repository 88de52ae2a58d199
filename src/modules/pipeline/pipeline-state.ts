import type { Redis } from 'ioredis';
import type { Prisma, PrismaClient } from '../../generated/prisma/client.js';
import type { RecordingStatus, RunStatus, Stage, StepStatus } from '../../generated/prisma/enums.js';
import { forTenant, type TenantDb } from '../../lib/db.js';
import { errorText } from '../../lib/errors.js';
import { logger } from '../../lib/logger.js';
import { publishEvent, type PipelineEvent } from './events.js';
import { deriveRecordingStatus } from './recording-status.js';

// The write side of run state. Every change goes through here: one short transaction that takes the
// next event seq (the run row's lock orders concurrent writers, so seq order is commit order),
// updates the step or run, re-derives the recording's status, and then publishes the event.

type Tx = Prisma.TransactionClient;

export interface StepPatch {
  status?: StepStatus;
  progress?: number;
  message?: string | null;
  error?: string | null;
  skipReason?: string | null;
  attempts?: number;
  startedAt?: Date | null;
  finishedAt?: Date | null;
  meta?: Prisma.InputJsonObject;
}

/** The recording's failure flags (`failed` with stage and reason), set or cleared with a change. */
export type FailureFlags = { failed: true; stage: Stage; reason: string } | { failed: false };

export class PipelineState {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly redis: Redis,
  ) {}

  db(tenantId: string): TenantDb {
    return forTenant(tenantId, this.prisma);
  }

  /**
   * Updates one step; `progressOnly` changes skip re-deriving the recording status (hot path).
   * With `from`, the change only happens while the step is in one of those states (else: null).
   */
  async updateStep(
    tenantId: string,
    runId: string,
    stage: Stage,
    patch: StepPatch,
    options: { failure?: FailureFlags; progressOnly?: boolean; from?: StepStatus[]; onlyInActiveRun?: boolean } = {},
  ): Promise<PipelineEvent | null> {
    const at = new Date();
    const event = await this.db(tenantId).$transaction(async (tx) => {
      // Taking the seq locks the run row; every step change does it first, so the check below is race-free.
      const run = await tx.pipelineRun.update({ where: { id: runId }, data: { eventSeq: { increment: 1 } }, select: { eventSeq: true, recordingId: true, status: true } });
      // A stage starting: not in a run paused (or being paused) meanwhile. Read after the lock, so a
      // pause that committed first is seen, and a pause that comes later sees this step RUNNING.
      if (options.onlyInActiveRun) {
        const recording = await tx.recording.findUniqueOrThrow({ where: { id: run.recordingId }, select: { onPause: true } });
        if ((run.status !== 'QUEUED' && run.status !== 'RUNNING') || recording.onPause) return null;
      }
      const data = { ...patch, ...(patch.error ? { error: errorText(patch.error) } : {}), eventSeq: run.eventSeq };
      const step = options.from
        ? (await tx.pipelineStep.updateManyAndReturn({ where: { runId, stage, status: { in: options.from } }, data }))[0]
        : await tx.pipelineStep.update({ where: { runId_stage: { runId, stage } }, data });
      if (!step) return null;
      const recordingStatus = options.progressOnly
        ? (await tx.recording.findUniqueOrThrow({ where: { id: run.recordingId }, select: { status: true } })).status
        : await this.refreshRecording(tx, run.recordingId, options.failure);
      return {
        kind: 'STEP',
        tenantId,
        runId,
        recordingId: run.recordingId,
        stage,
        status: step.status,
        progress: step.progress,
        message: step.skipReason ?? step.error ?? step.message,
        seq: run.eventSeq,
        at: at.toISOString(),
        recordingStatus,
      } satisfies PipelineEvent;
    });
    if (event) await this.publish(event);
    return event;
  }

  /**
   * Moves the run to `status` when it is in one of `from` (null: any); returns null when it was not,
   * so two workers finishing at once finalize a run only once.
   */
  async updateRun(
    tenantId: string,
    runId: string,
    status: RunStatus,
    options: { from?: RunStatus[]; message?: string; data?: Prisma.PipelineRunUpdateManyMutationInput; failure?: FailureFlags; unlessStepRunning?: boolean } = {},
  ): Promise<PipelineEvent | null> {
    const at = new Date();
    const event = await this.db(tenantId).$transaction(async (tx) => {
      if (options.unlessStepRunning) {
        // Under the run row's lock (which every step change takes first), so a step that started
        // just now is counted.
        await tx.$queryRaw`SELECT id FROM "PipelineRun" WHERE id = ${runId}::uuid FOR NO KEY UPDATE`;
        if ((await tx.pipelineStep.count({ where: { runId, status: 'RUNNING' } })) > 0) return null;
      }
      const moved = await tx.pipelineRun.updateManyAndReturn({
        where: { id: runId, ...(options.from ? { status: { in: options.from } } : {}) },
        data: { ...options.data, status, eventSeq: { increment: 1 } },
        select: { eventSeq: true, recordingId: true },
      });
      const run = moved[0];
      if (!run) return null;
      const recordingStatus = await this.refreshRecording(tx, run.recordingId, options.failure);
      return {
        kind: 'RUN',
        tenantId,
        runId,
        recordingId: run.recordingId,
        stage: null,
        status,
        progress: status === 'COMPLETED' ? 100 : 0,
        message: options.message ?? null,
        seq: run.eventSeq,
        at: at.toISOString(),
        recordingStatus,
      } satisfies PipelineEvent;
    });
    if (event) await this.publish(event);
    return event;
  }

  /** Re-derives the recording's status from its latest run and targets (writing `also` in the same update), inside the caller's transaction. */
  async refreshRecording(tx: Tx, recordingId: string, failure?: FailureFlags, also: Prisma.RecordingUpdateInput = {}): Promise<RecordingStatus> {
    const recording = await tx.recording.findUniqueOrThrow({
      where: { id: recordingId },
      select: {
        status: true,
        failed: true,
        deleteState: true,
        expireAt: true,
        isBlank: true,
        sourceFileKey: true,
        sourceMeta: true,
        pipelineRuns: { orderBy: { createdAt: 'desc' }, take: 1, select: { steps: { select: { stage: true, status: true } } } },
        outputTargets: { select: { status: true } },
      },
    });
    const status = deriveRecordingStatus({
      deleteState: recording.deleteState,
      expireAt: recording.expireAt,
      isBlank: recording.isBlank,
      sourcePending: isSourcePending(recording.sourceMeta),
      hasSource: recording.sourceFileKey !== null,
      steps: recording.pipelineRuns[0]?.steps ?? [],
      targets: recording.outputTargets,
    });
    const flags = failure
      ? failure.failed
        ? { failed: true, failedAt: new Date(), failedStage: failure.stage, failedReason: errorText(failure.reason) }
        : { failed: false, failedAt: null, failedStage: null, failedReason: null }
      : {};
    // Most step changes leave the status as it was (PROCESSING from TRIM to SUBTITLES): no write then.
    const unchanged = status === recording.status && Object.keys(also).length === 0 && (!failure || (!failure.failed && !recording.failed));
    if (!unchanged) await tx.recording.update({ where: { id: recordingId }, data: { ...also, status, ...flags } });
    return status;
  }

  async publish(event: PipelineEvent): Promise<void> {
    try {
      await publishEvent(this.redis, event);
    } catch (error) {
      // The state is already in Postgres: a subscriber's snapshot still shows it.
      logger.warn({ err: error, runId: event.runId }, 'could not publish a pipeline event');
    }
  }
}

/** Sources announce "not ready yet" (Zoom still processing) in their metadata. */
export function isSourcePending(sourceMeta: Prisma.JsonValue): boolean {
  return typeof sourceMeta === 'object' && sourceMeta !== null && !Array.isArray(sourceMeta) && sourceMeta.pending === true;
}

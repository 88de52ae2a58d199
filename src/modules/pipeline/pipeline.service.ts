import { Prisma, type PipelineRun, type Recording } from '../../generated/prisma/client.js';
import type { Stage } from '../../generated/prisma/enums.js';
import type { TenantDb } from '../../lib/db.js';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import { logger } from '../../lib/logger.js';
import type { ConfigService } from '../config/config.service.js';
import { addUsage, type QuotaService } from '../quotas/quotas.service.js';
import { asJson } from '../recordings/recordings.service.js';
import { recordingFileKey, recordingPrefix, type StorageBackend } from '../storage/storage.js';
import type { PipelineEvent } from './events.js';
import type { PipelineOrchestrator } from './orchestrator.js';
import type { PipelineState } from './pipeline-state.js';
import { TRANSCRIPT_FILE } from '../transcripts/transcript-store.js';
import { planSteps, runnableStages, STAGES, type PlannedStep } from './stages.js';

export const ACTIVE_RUN_STATUSES = ['QUEUED', 'RUNNING', 'PAUSED'] as const;

export interface StartOptions {
  /** Per-request configuration overrides (the top layer, SPEC §8). */
  overrides?: unknown;
  /** Run with this template's configuration on top of the bound one. */
  templateId?: string | null;
  /** Process a recording flagged blank (too short or too small) anyway. */
  force?: boolean;
  /** Run only these stages (the others are skipped as not part of the run); all by default. */
  stages?: readonly Stage[] | null;
  createdById?: string | null;
}

/**
 * The pipeline as the API (and automation, bulk operations) drive it: start a run, pause, resume,
 * cancel, retry a failed step, reset. Workers do the stages (stage-runner.ts); both move runs on
 * through the same orchestrator.
 */
export class PipelineService {
  constructor(
    private readonly state: PipelineState,
    private readonly orchestrator: PipelineOrchestrator,
    private readonly config: ConfigService,
    private readonly quotas: QuotaService,
    private readonly storage: StorageBackend,
  ) {}

  /** What `start` would do, doing nothing: the same refusals (thrown the same way) and the step plan. */
  async preview(db: TenantDb, tenantId: string, recordingId: string, options: StartOptions = {}): Promise<PlannedStep[]> {
    return (await this.prepare(db, tenantId, recordingId, options, true)).plan;
  }

  private async prepare(db: TenantDb, tenantId: string, recordingId: string, options: StartOptions, checkActiveRun: boolean) {
    const recording = await this.config.findRecording(db, recordingId);
    if (recording.deleteState !== 'ACTIVE') throw new ConflictError('The recording is deleted; restore it first');
    if (recording.status === 'EXPIRED') throw new ConflictError('The recording has expired');
    if (recording.status === 'PENDING_SOURCE') throw new ConflictError('The source is not available yet (still processing at the source)');
    if (recording.isBlank && !options.force) {
      throw new ConflictError('The recording is blank (too short or too small); start it with force to process it anyway');
    }
    // A start relies on the one-active-run index instead (see start); a preview has no insert to fail.
    if (checkActiveRun) await this.assertNoActiveRun(db, recordingId);

    const resolved = await this.config.resolve(db, { recording, templateId: options.templateId, overrides: options.overrides });
    const transcribes = resolved.processingConfig.transcription.enabled && (!options.stages || options.stages.includes('TRANSCRIBE'));
    const plan = planSteps(
      resolved.processingConfig,
      resolved.outputConfig,
      {
        hasSource: recording.sourceFileKey !== null,
        remoteSource: recording.sourceType !== 'LOCAL',
        hasTranscript: transcribes ? undefined : await this.storage.exists(recordingFileKey(tenantId, recordingId, TRANSCRIPT_FILE)),
      },
      options.stages ?? undefined,
    );
    return { resolved, plan };
  }

  async start(db: TenantDb, tenantId: string, recordingId: string, options: StartOptions = {}): Promise<PipelineRun> {
    const { resolved, plan } = await this.prepare(db, tenantId, recordingId, options, false);
    const runConfig = { processing: resolved.processingConfig, output: resolved.outputConfig, metadata: resolved.metadataConfig };

    let started: { run: PipelineRun; recordingStatus: Recording['status'] };
    try {
      started = await db.$transaction(async (tx) => {
        const created = await tx.pipelineRun.create({
          data: {
            tenantId,
            recordingId,
            config: asJson(runConfig),
            overrides: asJson(options.overrides ?? {}),
            createdById: options.createdById ?? null,
            eventSeq: 1,
          },
        });
        await tx.pipelineStep.createMany({
          data: plan.map(({ stage, skipReason }) => ({
            tenantId,
            runId: created.id,
            stage,
            status: skipReason ? ('SKIPPED' as const) : ('PENDING' as const),
            skipReason,
            progress: skipReason ? 100 : 0,
          })),
        });
        const recordingStatus = await this.state.refreshRecording(tx, recordingId, { failed: false }, { onPause: false });
        await tx.usageEvent.create({ data: { tenantId, type: 'PIPELINE_STARTED', recordingId, metadata: { runId: created.id } } });
        // Last, so the tenant lock (and the usage counter's row lock) are held for three statements
        // only: concurrent starts of one workspace queue on them. Counted after locking, other
        // starts' runs are visible once committed; this run's own row is left out.
        await this.quotas.assertCountWithin(tx, tenantId, 'concurrentPipelines', () =>
          tx.pipelineRun.count({ where: { status: { in: ['QUEUED', 'RUNNING'] }, id: { not: created.id } } }),
        );
        await addUsage(tx, tenantId, { pipelineRuns: 1 });
        return { run: created, recordingStatus };
      });
    } catch (error) {
      // The partial unique index on active runs: another start won the race.
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') throw this.alreadyRunning();
      throw error;
    }
    const { run, recordingStatus } = started;
    await this.state.publish(runEvent(run, recordingStatus, 'Queued'));
    try {
      // A new run has no jobs yet: queue its first stages straight from the plan (no reads needed).
      const first = runnableStages(plan.map(({ stage, skipReason }) => ({ stage, status: skipReason ? ('SKIPPED' as const) : ('PENDING' as const) })));
      if (first.length > 0) await this.orchestrator.enqueue({ tenantId, runId: run.id, recordingId }, first, { fresh: true });
      else await this.orchestrator.advance(tenantId, run.id);
    } catch (error) {
      // The run is recorded; the reconcile job queues its stages once the queue is reachable again.
      logger.error({ err: error, runId: run.id }, 'could not queue the first stages of a run');
    }
    return run;
  }

  /** Stops after the step that is running now; a run with no step running pauses at once. */
  async pause(db: TenantDb, tenantId: string, recordingId: string): Promise<Recording> {
    const run = await this.activeRun(db, recordingId);
    if (run.status === 'PAUSED') throw new ConflictError('The pipeline is already paused');
    const recording = await db.recording.update({ where: { id: recordingId }, data: { onPause: true } });
    await this.orchestrator.advance(tenantId, run.id);
    return recording;
  }

  async resume(db: TenantDb, tenantId: string, recordingId: string): Promise<Recording> {
    const run = await this.activeRun(db, recordingId);
    const recording = await db.recording.update({ where: { id: recordingId }, data: { onPause: false } });
    if (run.status === 'PAUSED') await this.state.updateRun(tenantId, run.id, 'RUNNING', { from: ['PAUSED'], message: 'Resumed' });
    await this.orchestrator.advance(tenantId, run.id);
    return recording;
  }

  /** Ends the run: waiting stages are skipped and taken off the queues; a running stage finishes on its own. */
  async cancel(db: TenantDb, tenantId: string, recordingId: string): Promise<PipelineRun> {
    const run = await this.activeRun(db, recordingId);
    const cancelled = await this.state.updateRun(tenantId, run.id, 'CANCELLED', {
      from: [...ACTIVE_RUN_STATUSES],
      data: { finishedAt: new Date() },
      message: 'Cancelled',
    });
    if (!cancelled) throw new ConflictError('The pipeline has already finished');
    await db.recording.update({ where: { id: recordingId }, data: { onPause: false } });
    await this.orchestrator.skipPending(tenantId, run.id, [...STAGES], 'Cancelled');
    await this.orchestrator.dequeue(run.id, STAGES);
    return db.pipelineRun.findUniqueOrThrow({ where: { id: run.id } });
  }

  /** Cancels the recording's active run if it has one (a deleted recording must not go on processing). */
  async cancelIfActive(db: TenantDb, tenantId: string, recordingId: string): Promise<boolean> {
    const active = await db.pipelineRun.findFirst({ where: { recordingId, status: { in: [...ACTIVE_RUN_STATUSES] } }, select: { id: true } });
    if (!active) return false;
    try {
      await this.cancel(db, tenantId, recordingId);
      return true;
    } catch (error) {
      // Finished meanwhile.
      if (error instanceof ConflictError) return false;
      throw error;
    }
  }

  /** Runs a failed step of the latest run again (with fresh attempts); the run goes on from there. */
  async retryStep(db: TenantDb, tenantId: string, recordingId: string, stage: Stage): Promise<PipelineRun> {
    const run = await db.pipelineRun.findFirst({ where: { recordingId }, orderBy: { createdAt: 'desc' }, include: { steps: true } });
    if (!run) throw new NotFoundError('PipelineRun');
    const step = run.steps.find((s) => s.stage === stage);
    if (!step || step.status !== 'FAILED') throw new ConflictError(`The ${stage} step has not failed`);
    if (run.status === 'CANCELLED') throw new ConflictError('The run was cancelled; start a new one');
    if (run.status !== 'RUNNING') await this.assertNoActiveRun(db, recordingId, run.id);

    const recording = await db.recording.findUniqueOrThrow({ where: { id: recordingId }, select: { failedStage: true } });
    await this.state.updateStep(
      tenantId,
      run.id,
      stage,
      { status: 'PENDING', progress: 0, attempts: 0, error: null, message: 'Retry requested', startedAt: null, finishedAt: null },
      recording.failedStage === stage ? { failure: { failed: false } } : {},
    );
    try {
      await this.state.updateRun(tenantId, run.id, 'RUNNING', { from: ['FAILED', 'COMPLETED'], data: { finishedAt: null }, message: `Retrying ${stage}` });
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') throw this.alreadyRunning();
      throw error;
    }
    await this.orchestrator.advance(tenantId, run.id);
    return db.pipelineRun.findUniqueOrThrow({ where: { id: run.id } });
  }

  /**
   * Back to the state right after ingest: runs, targets and topic versions are deleted; with
   * `deleteFiles` so are the files made from the source (and the source itself when it can be
   * fetched again). An active run is cancelled first.
   */
  async reset(db: TenantDb, tenantId: string, recordingId: string, options: { deleteFiles: boolean }): Promise<Recording> {
    const recording = await this.config.findRecording(db, recordingId);
    if (recording.deleteState !== 'ACTIVE') throw new ConflictError('The recording is deleted; restore it first');
    const active = await db.pipelineRun.findFirst({ where: { recordingId, status: { in: [...ACTIVE_RUN_STATUSES] } } });
    if (active) await this.cancel(db, tenantId, recordingId);

    const keepSource = recording.sourceType === 'LOCAL' || !options.deleteFiles;
    let freed = 0;
    if (options.deleteFiles) {
      const keep = keepSource && recording.sourceFileKey ? recording.sourceFileKey : null;
      for (const object of await this.storage.list(recordingPrefix(tenantId, recordingId))) {
        if (object.key === keep) continue;
        await this.storage.delete(object.key);
        freed += object.sizeBytes;
      }
    }
    return db.$transaction(async (tx) => {
      await tx.pipelineRun.deleteMany({ where: { recordingId } });
      await tx.outputTarget.deleteMany({ where: { recordingId } });
      await tx.topicVersion.deleteMany({ where: { recordingId } });
      const files = options.deleteFiles
        ? {
            videoFileKey: null,
            audioFileKey: null,
            posterFileKey: null,
            edl: Prisma.DbNull,
            trimmedDurationSec: null,
            transcriptFlagged: false,
            ...(keepSource ? {} : { sourceFileKey: null, sizeBytes: null, checksumSha256: null }),
          }
        : {};
      await tx.recording.update({ where: { id: recordingId }, data: { onPause: false, ...files } });
      if (freed > 0) await tx.tenant.update({ where: { id: tenantId }, data: { storageBytes: { decrement: freed } } });
      await this.state.refreshRecording(tx, recordingId, { failed: false });
      return tx.recording.findUniqueOrThrow({ where: { id: recordingId } });
    });
  }

  private async activeRun(db: TenantDb, recordingId: string): Promise<PipelineRun> {
    await this.config.findRecording(db, recordingId);
    const run = await db.pipelineRun.findFirst({ where: { recordingId, status: { in: [...ACTIVE_RUN_STATUSES] } } });
    if (!run) throw new ConflictError('The recording has no pipeline running');
    return run;
  }

  private async assertNoActiveRun(db: TenantDb, recordingId: string, exceptRunId?: string): Promise<void> {
    const active = await db.pipelineRun.findFirst({
      where: { recordingId, status: { in: [...ACTIVE_RUN_STATUSES] }, ...(exceptRunId ? { id: { not: exceptRunId } } : {}) },
      select: { id: true },
    });
    if (active) throw this.alreadyRunning();
  }

  private alreadyRunning(): ConflictError {
    return new ConflictError('A pipeline is already running for this recording');
  }
}

function runEvent(run: PipelineRun, recordingStatus: Recording['status'], message: string): PipelineEvent {
  return {
    kind: 'RUN',
    tenantId: run.tenantId,
    runId: run.id,
    recordingId: run.recordingId,
    stage: null,
    status: run.status,
    progress: 0,
    message,
    seq: run.eventSeq,
    at: run.createdAt.toISOString(),
    recordingStatus,
  };
}

import type { Stage } from '../../generated/prisma/enums.js';
import type { JobName, StageJobData } from '../../jobs/definitions.js';
import type { JobQueues } from '../../jobs/queues.js';
import type { PipelineState } from './pipeline-state.js';
import { BEST_EFFORT_STAGES, blockedStages, runnableStages, stageJobId } from './stages.js';

export const STAGE_JOB: Record<Stage, JobName> = {
  DOWNLOAD: 'pipeline.download',
  TRIM: 'pipeline.trim',
  TRANSCRIBE: 'pipeline.transcribe',
  TOPICS: 'pipeline.topics',
  SUBTITLES: 'pipeline.subtitles',
  POSTER: 'pipeline.poster',
  PUBLISH: 'pipeline.publish',
};

/**
 * Moves runs forward: after any step change (and on start, resume, retry) `advance` enqueues the
 * stages that became runnable, pauses a run whose recording asked for it, or finalizes a run with
 * nothing left to do. Safe to call any number of times from any process: job ids are deterministic
 * and run transitions are conditional.
 */
export class PipelineOrchestrator {
  constructor(
    private readonly state: PipelineState,
    private readonly queues: JobQueues,
  ) {}

  async advance(tenantId: string, runId: string): Promise<void> {
    const db = this.state.db(tenantId);
    const run = await db.pipelineRun.findUnique({
      where: { id: runId },
      select: { status: true, recordingId: true, recording: { select: { onPause: true } }, steps: { select: { stage: true, status: true } } },
    });
    if (!run || (run.status !== 'QUEUED' && run.status !== 'RUNNING')) return;
    const running = run.steps.some((s) => s.status === 'RUNNING');
    if (run.recording.onPause) {
      if (!running) await this.state.updateRun(tenantId, runId, 'PAUSED', { from: ['QUEUED', 'RUNNING'], message: 'Paused', unlessStepRunning: true });
      return;
    }
    const runnable = runnableStages(run.steps);
    if (runnable.length > 0) {
      await this.enqueue({ tenantId, runId, recordingId: run.recordingId }, runnable);
      return;
    }
    if (running) return;

    const failed = run.steps.filter((s) => s.status === 'FAILED' && !BEST_EFFORT_STAGES.has(s.stage)).map((s) => s.stage);
    const blocked = blockedStages(run.steps);
    const status = failed.length > 0 ? 'FAILED' : 'COMPLETED';
    const message =
      failed.length > 0
        ? `Failed at ${failed.join(', ')}${blocked.length ? `; not run: ${blocked.join(', ')}` : ''}`
        : 'All stages done';
    const finished = await this.state.updateRun(tenantId, runId, status, { from: ['QUEUED', 'RUNNING'], data: { finishedAt: new Date() }, message });
    if (finished && status === 'COMPLETED') {
      await db.usageEvent.create({ data: { tenantId, type: 'PIPELINE_COMPLETED', recordingId: run.recordingId, metadata: { runId } } });
    }
  }

  /**
   * Re-checks a quiet run (see reconcile.ts): a RUNNING step whose job is gone goes back to PENDING
   * and is queued again; one whose job failed for good is recorded as failed. Returns whether
   * anything had to be repaired.
   */
  async recover(tenantId: string, runId: string): Promise<boolean> {
    const db = this.state.db(tenantId);
    const steps = await db.pipelineStep.findMany({ where: { runId, status: 'RUNNING' }, select: { stage: true } });
    let repaired = false;
    for (const { stage } of steps) {
      const job = await this.queues.queue(this.queues.queueOf(STAGE_JOB[stage])).getJob(stageJobId(runId, stage));
      const jobState = job ? await job.getState() : 'missing';
      if (jobState === 'missing' || jobState === 'completed' || jobState === 'unknown') {
        await this.state.updateStep(tenantId, runId, stage, { status: 'PENDING', progress: 0, message: 'Queued again: its job was lost' });
        repaired = true;
      } else if (jobState === 'failed' && job) {
        await this.state.updateStep(tenantId, runId, stage, { status: 'FAILED', error: job.failedReason || 'The job failed', finishedAt: new Date() });
        repaired = true;
      }
    }
    const pendingBefore = await db.pipelineStep.count({ where: { runId, status: 'PENDING' } });
    await this.advance(tenantId, runId);
    return repaired || pendingBefore > 0;
  }

  /** QUEUED → RUNNING when its first stage starts. */
  async markRunning(tenantId: string, runId: string): Promise<void> {
    await this.state.updateRun(tenantId, runId, 'RUNNING', { from: ['QUEUED'], data: { startedAt: new Date() }, message: 'Started' });
  }

  async skipPending(tenantId: string, runId: string, stages: Stage[], reason: string): Promise<void> {
    const db = this.state.db(tenantId);
    const pending = await db.pipelineStep.findMany({ where: { runId, stage: { in: stages }, status: 'PENDING' }, select: { stage: true } });
    for (const { stage } of pending) {
      await this.state.updateStep(tenantId, runId, stage, { status: 'SKIPPED', skipReason: reason, finishedAt: new Date() });
    }
  }

  /**
   * Adds each stage's job under its deterministic id. A finished job left under that id (a stage
   * that was paused out, or failed and is retried) is removed first, or BullMQ would ignore the add.
   */
  async enqueue(data: StageJobData, stages: Stage[], options: { fresh?: boolean } = {}): Promise<void> {
    for (const stage of stages) {
      const name = STAGE_JOB[stage];
      const jobId = stageJobId(data.runId, stage);
      const queue = this.queues.queue(this.queues.queueOf(name));
      // A run created just now has no job under any of its ids.
      const existing = options.fresh ? null : await queue.getJob(jobId);
      if (existing) {
        const state = await existing.getState();
        if (state === 'completed' || state === 'failed') await existing.remove();
        else continue;
      }
      await this.queues.add(name, data, { jobId, removeOnComplete: true });
    }
  }

  /** One PUBLISH job per output target (see publish-stage.ts); `delayMs` for a deferred upload. */
  async enqueueTarget(data: StageJobData & { targetId: string }, jobId: string, delayMs = 0): Promise<void> {
    await this.queues.add('pipeline.publish', data, { jobId, removeOnComplete: true, ...(delayMs > 0 ? { delay: delayMs } : {}) });
  }

  /** Takes the waiting jobs of a run off the queues (a running one finishes on its own). */
  async dequeue(runId: string, stages: readonly Stage[]): Promise<void> {
    for (const stage of stages) {
      const queue = this.queues.queue(this.queues.queueOf(STAGE_JOB[stage]));
      const job = await queue.getJob(stageJobId(runId, stage));
      if (!job) continue;
      const state = await job.getState();
      if (state === 'waiting' || state === 'delayed' || state === 'prioritized' || state === 'completed' || state === 'failed') {
        await job.remove().catch(() => undefined);
      }
    }
  }
}

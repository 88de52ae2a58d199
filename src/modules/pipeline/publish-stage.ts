import { UnrecoverableError, type Job } from 'bullmq';
import type { TargetStatus } from '../../generated/prisma/enums.js';
import type { StageJobData } from '../../jobs/definitions.js';
import { ConflictError, DomainError, errorText, RateLimitedError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { PipelineOrchestrator } from './orchestrator.js';
import type { PipelineState } from './pipeline-state.js';
import { ProgressReporter } from './progress-reporter.js';
import type { RunConfig } from './stage-work.js';

/** The publishing service as the PUBLISH stage uses it. */
export interface PublishingPort {
  ensureTargets(tenantId: string, recordingId: string, presetIds: string[]): Promise<Array<{ id: string; status: TargetStatus }>>;
  publishTarget(
    tenantId: string,
    targetId: string,
    onProgress?: (fraction: number, message?: string) => void,
  ): Promise<{ status: 'UPLOADED' | 'DEFERRED'; url?: string | null; retryAt?: Date | null }>;
}

export const publishTargetJobId = (runId: string, targetId: string) => `${runId}.PUBLISH.${targetId}`;

/**
 * PUBLISH fans out: the stage job makes sure there is one output target per preset and queues one
 * job per target that is not uploaded yet. Each target job uploads (an uploaded target is never
 * uploaded again, see the publishing service); the last one to finish completes the step:
 * COMPLETED when at least one target is published, FAILED when every one failed.
 */
export class PublishStage {
  constructor(
    private readonly state: PipelineState,
    private readonly orchestrator: PipelineOrchestrator,
    private readonly publishing: PublishingPort | undefined,
  ) {}

  async fanOut(job: Job<StageJobData>, config: RunConfig): Promise<unknown> {
    const { tenantId, runId, recordingId } = job.data;
    if (!this.publishing) {
      return this.finish(tenantId, runId, { status: 'SKIPPED', skipReason: 'Publishing is not available in this installation' });
    }
    const recording = await this.state.db(tenantId).recording.findUnique({ where: { id: recordingId }, select: { transcriptFlagged: true } });
    if (recording?.transcriptFlagged) {
      // The hallucination guard found the transcript implausible: its topics and subtitles would be garbage.
      return this.finish(tenantId, runId, { status: 'SKIPPED', skipReason: 'Automatic upload blocked: the transcript was flagged as implausible; check it, then publish by hand' });
    }
    const targets = await this.publishing.ensureTargets(tenantId, recordingId, config.output.presetIds);
    const open = targets.filter((t) => t.status !== 'UPLOADED');
    await this.state.updateStep(tenantId, runId, 'PUBLISH', {
      status: 'RUNNING',
      startedAt: new Date(),
      attempts: 1,
      progress: 0,
      message: open.length ? `Publishing to ${open.length} of ${targets.length} targets` : null,
      meta: { targetIds: targets.map((t) => t.id) },
    });
    if (open.length === 0) return this.completeIfDone(tenantId, runId, recordingId);
    for (const target of open) {
      await this.orchestrator.enqueueTarget({ tenantId, runId, recordingId, targetId: target.id }, publishTargetJobId(runId, target.id));
    }
    return { targets: open.length };
  }

  async publishOne(job: Job<StageJobData>, targetId: string, log: Logger): Promise<unknown> {
    const { tenantId, runId, recordingId } = job.data;
    if (!this.publishing) throw new UnrecoverableError('Publishing is not available in this installation');
    const run = await this.state.db(tenantId).pipelineRun.findUnique({ where: { id: runId }, select: { status: true } });
    if (!run || run.status === 'CANCELLED') return { ignored: 'run cancelled or gone' };
    const reporter = new ProgressReporter(this.state, { tenantId, runId, stage: 'PUBLISH' });
    const attempt = job.attemptsMade + 1;
    const maxAttempts = job.opts.attempts ?? 1;
    const later = async (retryAt: Date, why: string) => {
      // A new job for later; this one is done (its attempts are not spent on waiting).
      const delay = Math.max(1000, retryAt.getTime() - Date.now());
      await this.orchestrator.enqueueTarget({ tenantId, runId, recordingId, targetId }, `${publishTargetJobId(runId, targetId)}.${Date.now()}`, delay);
      await this.state.updateStep(tenantId, runId, 'PUBLISH', { message: `${why}: next try at ${retryAt.toISOString()}` }, { progressOnly: true });
      return { deferred: why };
    };
    try {
      const result = await this.publishing.publishTarget(tenantId, targetId, reporter.report);
      await reporter.close();
      if (result.status === 'DEFERRED') return later(result.retryAt ?? new Date(Date.now() + 3600_000), 'Deferred (daily quota)');
    } catch (error) {
      await reporter.close();
      // The platform asked us to slow down, or another worker holds this target's lease.
      if (error instanceof RateLimitedError) return later(new Date(Date.now() + error.retryAfterSeconds * 1000), 'Rate limited');
      if (error instanceof ConflictError) return later(new Date(Date.now() + 15_000), 'Another worker is publishing it');
      const final = error instanceof DomainError || attempt >= maxAttempts;
      log.warn({ err: error, targetId, attempt, final }, 'publishing failed');
      if (!final) {
        // Not failed for good while a retry is coming: a sibling target finishing now must not end the step.
        await this.state.db(tenantId).outputTarget.updateMany({ where: { id: targetId, status: 'FAILED' }, data: { status: 'NOT_UPLOADED' } });
        throw error;
      }
      // The publishing service has recorded the target as FAILED (and the credential as needing re-auth).
      await this.completeIfDone(tenantId, runId, recordingId);
      throw error instanceof DomainError ? new UnrecoverableError(errorText(error)) : error;
    }
    return this.completeIfDone(tenantId, runId, recordingId);
  }

  /** Completes the PUBLISH step once every target of the run is uploaded or failed. */
  private async completeIfDone(tenantId: string, runId: string, recordingId: string): Promise<unknown> {
    const db = this.state.db(tenantId);
    const step = await db.pipelineStep.findUnique({ where: { runId_stage: { runId, stage: 'PUBLISH' } }, select: { status: true, meta: true } });
    if (!step || step.status !== 'RUNNING') return { ignored: 'step not running' };
    const ids = targetIdsOf(step.meta);
    const targets = await db.outputTarget.findMany({ where: { recordingId, id: { in: ids } }, select: { status: true, platform: true, error: true } });
    if (targets.some((t) => t.status !== 'UPLOADED' && t.status !== 'FAILED')) return { waiting: true };
    const failed = targets.filter((t) => t.status === 'FAILED');
    const uploaded = targets.length - failed.length;
    const failures = failed.map((t) => `${t.platform}: ${t.error ?? 'failed'}`).join('; ');
    if (uploaded === 0 && failed.length > 0) {
      return this.finish(tenantId, runId, { status: 'FAILED', error: `Every target failed — ${failures}` }, `Every target failed — ${failures}`);
    }
    return this.finish(tenantId, runId, { status: 'COMPLETED', message: `Published to ${uploaded} of ${targets.length} targets${failures ? `; failed: ${failures}` : ''}` });
  }

  private async finish(
    tenantId: string,
    runId: string,
    patch: { status: 'COMPLETED' | 'SKIPPED' | 'FAILED'; message?: string; skipReason?: string; error?: string },
    failureReason?: string,
  ): Promise<unknown> {
    await this.state.updateStep(
      tenantId,
      runId,
      'PUBLISH',
      { ...patch, progress: 100, finishedAt: new Date() },
      failureReason ? { failure: { failed: true, stage: 'PUBLISH', reason: failureReason } } : {},
    );
    await this.orchestrator.advance(tenantId, runId);
    return patch;
  }
}

function targetIdsOf(meta: unknown): string[] {
  const ids = typeof meta === 'object' && meta !== null && 'targetIds' in meta ? (meta as { targetIds: unknown }).targetIds : [];
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
}

import { UnrecoverableError, type Job } from 'bullmq';
import type { Stage } from '../../generated/prisma/enums.js';
import type { StageJobData } from '../../jobs/definitions.js';
import { DomainError, errorText } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import { recordStage } from '../../lib/metrics.js';
import { asJson } from '../recordings/recordings.service.js';
import type { PipelineOrchestrator } from './orchestrator.js';
import type { PipelineState } from './pipeline-state.js';
import { ProgressReporter } from './progress-reporter.js';
import { PublishStage, type PublishingPort } from './publish-stage.js';
import { STAGE_WORK, type RunConfig, type StageOutcome, type StageServices } from './stage-work.js';
import { ERROR_TOLERANT_STAGES, isTerminal } from './stages.js';

/**
 * Runs one stage job in a worker: re-reads the run under the job's tenant, does nothing for a step
 * that is already finished (a completed stage is never redone), records RUNNING → COMPLETED /
 * SKIPPED / FAILED, and hands off to the stages that became runnable.
 */
export class StageRunner {
  private readonly publish: PublishStage;

  constructor(
    private readonly state: PipelineState,
    private readonly orchestrator: PipelineOrchestrator,
    private readonly services: StageServices & { publishing?: PublishingPort },
  ) {
    this.publish = new PublishStage(state, orchestrator, services.publishing);
  }

  /** Loads the run for a stage job; null with the reason when the job has nothing to do. */
  private async guard(job: Job<StageJobData>, stage: Stage): Promise<{ config: RunConfig } | { ignored: string }> {
    const { tenantId, runId, recordingId } = job.data;
    const run = await this.state.db(tenantId).pipelineRun.findUnique({
      where: { id: runId },
      select: { status: true, config: true, recordingId: true, recording: { select: { onPause: true } }, steps: { where: { stage }, select: { status: true } } },
    });
    const step = run?.steps[0];
    // The run (or its recording) was deleted, or the job names another tenant's run: nothing to do.
    if (!run || !step || run.recordingId !== recordingId) return { ignored: 'no such run' };
    if (isTerminal(step.status)) {
      await this.orchestrator.advance(tenantId, runId);
      return { ignored: `step already ${step.status.toLowerCase()}` };
    }
    if (run.status === 'CANCELLED' || run.status === 'COMPLETED' || run.status === 'FAILED') return { ignored: `run ${run.status.toLowerCase()}` };
    if (run.status === 'PAUSED' || run.recording.onPause) {
      await this.orchestrator.advance(tenantId, runId);
      return { ignored: 'paused' };
    }
    if (run.status === 'QUEUED') await this.orchestrator.markRunning(tenantId, runId);
    return { config: run.config as unknown as RunConfig };
  }

  async runPublish(job: Job<StageJobData>, log: Logger): Promise<unknown> {
    if (job.data.targetId) return this.publish.publishOne(job, job.data.targetId, log);
    const guard = await this.guard(job, 'PUBLISH');
    if ('ignored' in guard) return guard;
    const startedAt = performance.now();
    try {
      const result = await this.publish.fanOut(job, guard.config);
      recordStage('PUBLISH', 'completed', (performance.now() - startedAt) / 1000);
      return result;
    } catch (error) {
      recordStage('PUBLISH', 'failed', (performance.now() - startedAt) / 1000);
      throw error;
    }
  }

  async run(job: Job<StageJobData>, stage: Exclude<Stage, 'PUBLISH'>, log: Logger): Promise<unknown> {
    const { tenantId, runId, recordingId } = job.data;
    const guard = await this.guard(job, stage);
    if ('ignored' in guard) return guard;
    const { config } = guard;

    const attempt = job.attemptsMade + 1;
    const maxAttempts = job.opts.attempts ?? 1;
    // Only from PENDING (or RUNNING: a retry, or a job whose worker died): a step cancelled or
    // skipped in the meantime stays as it is.
    const started = await this.state.updateStep(
      tenantId,
      runId,
      stage,
      { status: 'RUNNING', attempts: attempt, progress: 0, startedAt: new Date(), finishedAt: null, error: null, message: attempt > 1 ? `Attempt ${attempt} of ${maxAttempts}` : null },
      { from: ['PENDING', 'RUNNING'], onlyInActiveRun: true },
    );
    if (!started) return { ignored: 'step no longer pending' };

    const reporter = new ProgressReporter(this.state, { tenantId, runId, stage });
    const startedAt = performance.now();
    const elapsed = () => (performance.now() - startedAt) / 1000;
    let outcome: StageOutcome;
    try {
      outcome = await STAGE_WORK[stage]({ tenantId, runId, recordingId, config, report: reporter.report }, this.services);
    } catch (error) {
      await reporter.close();
      const final = error instanceof DomainError || attempt >= maxAttempts;
      recordStage(stage, final ? 'failed' : 'retried', elapsed());
      log.warn({ err: error, stage, attempt, maxAttempts, final }, 'stage failed');
      if (!final) {
        await this.state.updateStep(tenantId, runId, stage, { message: `Attempt ${attempt} failed, retrying: ${errorText(error, 300)}` }, { progressOnly: true });
        throw error;
      }
      await this.recordFailure(tenantId, runId, stage, config, error);
      await this.orchestrator.advance(tenantId, runId);
      throw error instanceof DomainError ? new UnrecoverableError(errorText(error)) : error;
    }
    await reporter.close();
    recordStage(stage, 'skipReason' in outcome ? 'skipped' : 'completed', elapsed());

    const finishedAt = new Date();
    if ('skipReason' in outcome) {
      await this.state.updateStep(tenantId, runId, stage, { status: 'SKIPPED', skipReason: outcome.skipReason, progress: 100, finishedAt });
    } else {
      await this.state.updateStep(tenantId, runId, stage, {
        status: 'COMPLETED',
        progress: 100,
        message: outcome.message,
        finishedAt,
        ...(outcome.meta ? { meta: asJson(outcome.meta) as Record<string, string> } : {}),
      });
    }
    await this.orchestrator.advance(tenantId, runId);
    return outcome;
  }

  /**
   * A stage that will not be retried again. With `transcription.allowErrors` the AI stages are
   * skipped instead (and what depends on a skipped transcription is skipped too); best-effort
   * stages never mark the recording failed.
   */
  private async recordFailure(tenantId: string, runId: string, stage: Stage, config: RunConfig, error: unknown): Promise<void> {
    const reason = errorText(error);
    const finishedAt = new Date();
    if (ERROR_TOLERANT_STAGES.has(stage) && config.processing.transcription.allowErrors) {
      await this.state.updateStep(
        tenantId,
        runId,
        stage,
        { status: 'SKIPPED', skipReason: `Failed, skipped (allowErrors): ${reason}`, finishedAt },
        { failure: { failed: true, stage, reason: `Skipped (allowErrors): ${reason}` } },
      );
      if (stage === 'TRANSCRIBE') await this.orchestrator.skipPending(tenantId, runId, ['TOPICS', 'SUBTITLES'], 'The transcription failed');
      return;
    }
    const failure = stage === 'POSTER' ? undefined : ({ failed: true, stage, reason } as const);
    await this.state.updateStep(tenantId, runId, stage, { status: 'FAILED', error: reason, finishedAt }, { failure });
  }
}

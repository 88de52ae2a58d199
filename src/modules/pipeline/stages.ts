import type { Stage, StepStatus } from '../../generated/prisma/enums.js';
import type { QueueName } from '../../jobs/definitions.js';
import type { OutputConfig, ProcessingConfig } from '../config/config-schemas.js';

// The stage graph of one run (SPEC §6): DOWNLOAD → TRIM → TRANSCRIBE → (TOPICS ∥ SUBTITLES) → PUBLISH,
// plus POSTER after TRIM. A stage becomes runnable when every stage it depends on is done; the run is
// finalized when no stage is left to run.

export const STAGES = ['DOWNLOAD', 'TRIM', 'TRANSCRIBE', 'TOPICS', 'SUBTITLES', 'POSTER', 'PUBLISH'] as const satisfies readonly Stage[];

export const STAGE_DEPENDENCIES: Record<Stage, readonly Stage[]> = {
  DOWNLOAD: [],
  TRIM: ['DOWNLOAD'],
  TRANSCRIBE: ['TRIM'],
  TOPICS: ['TRANSCRIBE'],
  SUBTITLES: ['TRANSCRIBE'],
  POSTER: ['TRIM'],
  // The poster becomes the thumbnail where a preset asks for one; being best effort it never blocks.
  PUBLISH: ['TOPICS', 'SUBTITLES', 'POSTER'],
};

/** The queue (job family) each stage runs on; one BullMQ worker per queue. */
export const STAGE_QUEUE: Record<Stage, QueueName> = {
  DOWNLOAD: 'ingest',
  TRIM: 'media',
  POSTER: 'media',
  TRANSCRIBE: 'ai',
  TOPICS: 'ai',
  SUBTITLES: 'ai',
  PUBLISH: 'publish',
};

/** Stages whose outcome never makes the recording failed (best effort). */
export const BEST_EFFORT_STAGES: ReadonlySet<Stage> = new Set<Stage>(['POSTER']);

/** Stages whose failure is tolerated when `transcription.allowErrors` is set (inventory §2.3). */
export const ERROR_TOLERANT_STAGES: ReadonlySet<Stage> = new Set<Stage>(['TRANSCRIBE', 'TOPICS', 'SUBTITLES']);

export const isDone = (status: StepStatus) => status === 'COMPLETED' || status === 'SKIPPED';
export const isTerminal = (status: StepStatus) => isDone(status) || status === 'FAILED';

/** Whether a dependency in this state lets its dependents go on (a failed best-effort stage does). */
const satisfies = (stage: Stage, status: StepStatus | undefined) =>
  status === undefined || isDone(status) || (status === 'FAILED' && BEST_EFFORT_STAGES.has(stage));

/** Deterministic BullMQ job id of a stage job: enqueueing the same stage twice is a no-op. */
export const stageJobId = (runId: string, stage: Stage) => `${runId}.${stage}`;

/** What the recording already has, so a stage with nothing to do is skipped instead of redone. */
export interface RecordingArtifacts {
  hasSource: boolean;
  /** The recording's source has to be fetched from outside (URL, Zoom, Yandex Disk …). */
  remoteSource: boolean;
  /** A transcript from an earlier run exists (asked only when this run will not transcribe). */
  hasTranscript?: boolean;
}

export interface PlannedStep {
  stage: Stage;
  /** Null when the stage will run; otherwise why it is skipped. */
  skipReason: string | null;
}

/**
 * Which stages of a run execute and which are skipped (with the reason), from the resolved
 * configuration. Dependents of a skipped producer still run when what they need already exists
 * (a transcript from an earlier run, for instance); the stage itself finds out and fails clearly.
 */
export function planSteps(processing: ProcessingConfig, output: OutputConfig, artifacts: RecordingArtifacts, only?: readonly Stage[]): PlannedStep[] {
  const skip: Partial<Record<Stage, string>> = {};
  // The sub-runs of single operations (retranscribe, regenerate topics, publish …) name their stages.
  if (only) for (const stage of STAGES) if (!only.includes(stage)) skip[stage] = 'Not part of this run';
  if (artifacts.hasSource) skip.DOWNLOAD ??= 'The source file is already in storage';
  else if (!artifacts.remoteSource) skip.DOWNLOAD ??= 'The recording has no source to download';
  if (!processing.trimming.enabled) skip.TRIM ??= 'Trimming is disabled in the configuration';
  if (!processing.transcription.enabled) skip.TRANSCRIBE ??= 'Transcription is disabled in the configuration';
  if (!processing.topics.enabled) skip.TOPICS ??= 'Topics are disabled in the configuration';
  if (!processing.subtitles.enabled) skip.SUBTITLES ??= 'Subtitles are disabled in the configuration';
  if (!processing.poster.enabled) skip.POSTER ??= 'The poster is disabled in the configuration';
  if (skip.TRANSCRIBE && !artifacts.hasTranscript) {
    skip.TOPICS ??= 'No transcript to work from (this run does not transcribe)';
    skip.SUBTITLES ??= 'No transcript to work from (this run does not transcribe)';
  }
  if (output.presetIds.length === 0) skip.PUBLISH ??= 'No output presets are configured';
  // A run asked to publish publishes; a full run only when automatic upload is on.
  else if (!output.autoUpload && !only?.includes('PUBLISH')) skip.PUBLISH ??= 'Automatic upload is off (publish the recording when ready)';
  return STAGES.map((stage) => ({ stage, skipReason: skip[stage] ?? null }));
}

/** Stages that may start now: pending, with every dependency done. */
export function runnableStages(steps: ReadonlyArray<{ stage: Stage; status: StepStatus }>): Stage[] {
  const status = new Map(steps.map((s) => [s.stage, s.status]));
  return steps
    .filter((s) => s.status === 'PENDING')
    .filter((s) => STAGE_DEPENDENCIES[s.stage].every((dep) => satisfies(dep, status.get(dep))))
    .map((s) => s.stage);
}

/** Pending stages that can never run because a stage they depend on (transitively) failed. */
export function blockedStages(steps: ReadonlyArray<{ stage: Stage; status: StepStatus }>): Stage[] {
  const status = new Map(steps.map((s) => [s.stage, s.status]));
  const blocked = (stage: Stage): boolean =>
    STAGE_DEPENDENCIES[stage].some((dep) => {
      const depStatus = status.get(dep);
      return (depStatus === 'FAILED' && !BEST_EFFORT_STAGES.has(dep)) || (depStatus === 'PENDING' && blocked(dep));
    });
  return steps.filter((s) => s.status === 'PENDING' && blocked(s.stage)).map((s) => s.stage);
}

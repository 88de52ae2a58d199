// Every background job type in one table (PeerTube-style): which queue runs it, its retry policy,
// and an optional schedule. Handlers are registered separately and checked against this table at
// worker start-up, so a job without a handler (or a handler without a job) stops the process.
import { config } from '../config.js';

export const QUEUE_NAMES = ['ingest', 'media', 'ai', 'publish', 'maintenance', 'automation'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export interface JobDefinition {
  queue: QueueName;
  attempts: number;
  /** Base delay of the exponential backoff (with jitter), in ms. */
  backoffMs: number;
  /** Cron pattern (UTC) for jobs the workers schedule themselves. */
  schedule?: string;
}

/** A pipeline stage job: ids only, never blobs. The worker re-reads everything under the tenant. */
export interface StageJobData {
  tenantId: string;
  runId: string;
  recordingId: string;
  /** PUBLISH only: the output target this job uploads to (the stage job itself fans out). */
  targetId?: string;
}

export interface AutomationRunJobData {
  tenantId: string;
  automationJobId: string;
  /** Manual runs: the AutomationRun row created when the run was asked for. */
  runId?: string;
}

/** Payload type of each job. */
export interface JobPayloads {
  'pipeline.download': StageJobData;
  'pipeline.trim': StageJobData;
  'pipeline.transcribe': StageJobData;
  'pipeline.topics': StageJobData;
  'pipeline.subtitles': StageJobData;
  'pipeline.poster': StageJobData;
  'pipeline.publish': StageJobData;
  /** An automation job's run: fired by its job scheduler, or queued by a manual run (with its run row). */
  'automation.run': AutomationRunJobData;
  'maintenance.purge-sessions': Record<string, never>;
  'maintenance.reconcile-automation': Record<string, never>;
  'maintenance.reconcile-runs': Record<string, never>;
  'maintenance.purge-exports': Record<string, never>;
  'maintenance.expire-recordings': Record<string, never>;
  'maintenance.hard-delete-recordings': Record<string, never>;
  'maintenance.sweep-temp-files': Record<string, never>;
}
export type JobName = keyof JobPayloads;

const retry = config.pipeline.retry;

export const JOBS: Record<JobName, JobDefinition> = {
  'pipeline.download': { queue: 'ingest', ...retry.DOWNLOAD },
  'pipeline.trim': { queue: 'media', ...retry.TRIM },
  'pipeline.poster': { queue: 'media', ...retry.POSTER },
  'pipeline.transcribe': { queue: 'ai', ...retry.TRANSCRIBE },
  'pipeline.topics': { queue: 'ai', ...retry.TOPICS },
  'pipeline.subtitles': { queue: 'ai', ...retry.SUBTITLES },
  'pipeline.publish': { queue: 'publish', ...retry.PUBLISH },
  // A failed run is recorded in its AutomationRun row; the next scheduled run is the retry.
  'automation.run': { queue: 'automation', attempts: 1, backoffMs: 60_000 },
  'maintenance.reconcile-automation': { queue: 'maintenance', attempts: 1, backoffMs: 60_000, schedule: '*/15 * * * *' },
  'maintenance.purge-sessions': { queue: 'maintenance', attempts: 2, backoffMs: 300_000, schedule: '0 3 * * *' },
  'maintenance.reconcile-runs': { queue: 'maintenance', attempts: 1, backoffMs: 60_000, schedule: '*/5 * * * *' },
  'maintenance.purge-exports': { queue: 'maintenance', attempts: 2, backoffMs: 300_000, schedule: '40 * * * *' },
  'maintenance.expire-recordings': { queue: 'maintenance', attempts: 2, backoffMs: 300_000, schedule: '30 3 * * *' },
  'maintenance.hard-delete-recordings': { queue: 'maintenance', attempts: 2, backoffMs: 300_000, schedule: '0 * * * *' },
  'maintenance.sweep-temp-files': { queue: 'maintenance', attempts: 1, backoffMs: 60_000, schedule: '15 * * * *' },
};

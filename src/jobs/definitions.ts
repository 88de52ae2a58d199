// Every background job type in one table (PeerTube-style): which queue runs it, its retry policy,
// and an optional schedule. Handlers are registered separately and checked against this table at
// worker start-up, so a job without a handler (or a handler without a job) stops the process.

export const QUEUE_NAMES = ['ingest', 'media', 'ai', 'publish', 'maintenance'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export interface JobDefinition {
  queue: QueueName;
  attempts: number;
  /** Base delay of the exponential backoff, in ms. */
  backoffMs: number;
  /** Cron pattern (UTC) for jobs the workers schedule themselves. */
  schedule?: string;
}

/** Payload type of each job. */
export interface JobPayloads {
  'maintenance.purge-sessions': Record<string, never>;
}
export type JobName = keyof JobPayloads;

export const JOBS: Record<JobName, JobDefinition> = {
  'maintenance.purge-sessions': { queue: 'maintenance', attempts: 2, backoffMs: 300_000, schedule: '0 3 * * *' },
};

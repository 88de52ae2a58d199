import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { config } from '../config.js';
import { logger } from '../lib/logger.js';
import { QUEUE_STATES } from '../lib/metrics.js';
import { createRedis } from '../lib/redis.js';
import { JOBS, QUEUE_NAMES, type JobName, type JobPayloads, type QueueName } from './definitions.js';

export const BULL_PREFIX = `${config.redis.prefix}:bull`;

/** BullMQ wants its blocking connections without a per-request retry limit. */
export function bullConnection(): ConnectionOptions {
  return createRedis({ maxRetriesPerRequest: null });
}

/**
 * One BullMQ queue per job family; producers (API, workers) enqueue through this. Queues and their
 * shared connection are opened on first use, so a process that never enqueues holds none.
 */
export class JobQueues {
  private readonly queues = new Map<QueueName, Queue>();
  private connection: ConnectionOptions | null;

  constructor(connection: ConnectionOptions | null = null) {
    this.connection = connection;
  }

  queue(name: QueueName): Queue {
    if (!QUEUE_NAMES.includes(name)) throw new Error(`unknown queue ${name}`);
    let queue = this.queues.get(name);
    if (!queue) {
      this.connection ??= bullConnection();
      queue = new Queue(name, { connection: this.connection, prefix: BULL_PREFIX });
      // Connection trouble is logged once by the connection itself (src/lib/redis.ts).
      queue.on('error', (error) => logger.debug({ err: error, queue: name }, 'queue error'));
      this.queues.set(name, queue);
    }
    return queue;
  }

  /** Jobs per state of every queue (for `leap_queue_jobs`, read at scrape time). */
  async depths(): Promise<Array<{ queue: string; counts: Record<string, number> }>> {
    return Promise.all(QUEUE_NAMES.map(async (queue) => ({ queue, counts: await this.queue(queue).getJobCounts(...QUEUE_STATES) })));
  }

  queueOf(name: JobName): QueueName {
    return JOBS[name].queue;
  }

  /** Enqueues a job with its table policy; a `jobId` makes the enqueue idempotent. */
  add<N extends JobName>(name: N, data: JobPayloads[N], options: JobsOptions = {}) {
    const definition = JOBS[name];
    return this.queue(definition.queue).add(name, data, {
      attempts: definition.attempts,
      backoff: { type: 'exponential', delay: definition.backoffMs, jitter: 0.5 },
      removeOnComplete: { age: 24 * 3600, count: 1000 },
      removeOnFail: { age: 7 * 24 * 3600 },
      ...options,
    });
  }

  /** Creates or updates the repeatable schedule of every job that has one (BullMQ job schedulers). */
  async installSchedules(): Promise<void> {
    for (const [name, definition] of Object.entries(JOBS) as Array<[JobName, (typeof JOBS)[JobName]]>) {
      if (!definition.schedule) continue;
      await this.queue(definition.queue).upsertJobScheduler(
        name,
        { pattern: definition.schedule, tz: 'UTC' },
        { name, data: {}, opts: { attempts: definition.attempts } },
      );
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    this.queues.clear();
    if (this.connection && 'disconnect' in this.connection && typeof this.connection.disconnect === 'function') {
      this.connection.disconnect();
    }
    this.connection = null;
  }
}

import { Worker, type Job } from 'bullmq';
import { config } from '../config.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { logger } from '../lib/logger.js';
import type { Services } from '../services.js';
import { JOBS, QUEUE_NAMES, type JobName } from './definitions.js';
import { assertHandlersComplete, jobHandlers, type JobHandler, type JobHandlers } from './handlers.js';
import { BULL_PREFIX, bullConnection } from './queues.js';
import { StageRunner } from '../modules/pipeline/stage-runner.js';

/** The ids a job's payload carries (pipeline jobs: tenant, run, recording, target), for its log lines. */
function jobLogContext(data: unknown): Record<string, string> {
  if (typeof data !== 'object' || data === null) return {};
  const context: Record<string, string> = {};
  for (const key of ['tenantId', 'runId', 'recordingId', 'targetId'] as const) {
    const value = (data as Record<string, unknown>)[key];
    if (typeof value === 'string') context[key] = value;
  }
  return context;
}

export interface WorkerRuntime {
  workers: Worker[];
  close(): Promise<void>;
}

function isJobName(name: string): name is JobName {
  return Object.hasOwn(JOBS, name);
}

/** Starts one BullMQ worker per queue, each dispatching by job name to the registered handler. */
export async function startWorkers(
  deps: { prisma: PrismaClient; services: Services },
  handlers: JobHandlers = jobHandlers,
): Promise<WorkerRuntime> {
  assertHandlersComplete(handlers);
  const connection = bullConnection();
  const { services } = deps;
  const stages = new StageRunner(services.pipelineState, services.orchestrator, services);
  const workers = QUEUE_NAMES.map(
    (queue) =>
      new Worker(
        queue,
        async (job: Job) => {
          if (!isJobName(job.name)) throw new Error(`no handler for job "${job.name}" on queue ${queue}`);
          const log = logger.child({ queue, job: job.name, jobId: job.id, attempt: job.attemptsMade + 1, ...jobLogContext(job.data) });
          const handler = handlers[job.name] as JobHandler<JobName>;
          return handler(job, { ...deps, stages, log });
        },
        {
          connection,
          prefix: BULL_PREFIX,
          concurrency: config.workers.concurrency[queue],
          lockDuration: config.workers.lockDurationMs,
          stalledInterval: config.workers.stalledIntervalMs,
          // A job whose worker died twice mid-way is failed rather than retried forever.
          maxStalledCount: 2,
        },
      ),
  );
  for (const worker of workers) {
    worker.on('completed', (job) =>
      logger.info({ queue: worker.name, job: job.name, jobId: job.id, ...jobLogContext(job.data), ms: job.finishedOn && job.processedOn ? job.finishedOn - job.processedOn : null }, 'job done'),
    );
    worker.on('failed', (job, error) =>
      logger.warn({ queue: worker.name, job: job?.name, jobId: job?.id, ...jobLogContext(job?.data), err: error }, 'job failed'),
    );
    worker.on('error', (error) => logger.error({ queue: worker.name, err: error }, 'worker error'));
  }
  await Promise.all(workers.map((worker) => worker.waitUntilReady()));
  return {
    workers,
    async close() {
      await Promise.all(workers.map((worker) => worker.close()));
      if ('disconnect' in connection && typeof connection.disconnect === 'function') connection.disconnect();
    },
  };
}

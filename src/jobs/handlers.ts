import type { Job } from 'bullmq';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Logger } from '../lib/logger.js';
import { purgeStaleSessions } from '../modules/auth/session-purge.js';
import { reconcileRuns } from '../modules/pipeline/reconcile.js';
import type { StageRunner } from '../modules/pipeline/stage-runner.js';
import type { Services } from '../services.js';
import { JOBS, type JobName, type JobPayloads } from './definitions.js';

export interface JobContext {
  prisma: PrismaClient;
  services: Services;
  stages: StageRunner;
  log: Logger;
}

export type JobHandler<N extends JobName> = (job: Job<JobPayloads[N]>, ctx: JobContext) => Promise<unknown>;
export type JobHandlers = { [N in JobName]: JobHandler<N> };

/** Thin handlers: each calls the same service code the API uses. */
export const jobHandlers: JobHandlers = {
  'pipeline.download': (job, { stages, log }) => stages.run(job, 'DOWNLOAD', log),
  'pipeline.trim': (job, { stages, log }) => stages.run(job, 'TRIM', log),
  'pipeline.transcribe': (job, { stages, log }) => stages.run(job, 'TRANSCRIBE', log),
  'pipeline.topics': (job, { stages, log }) => stages.run(job, 'TOPICS', log),
  'pipeline.subtitles': (job, { stages, log }) => stages.run(job, 'SUBTITLES', log),
  'pipeline.poster': (job, { stages, log }) => stages.run(job, 'POSTER', log),
  'pipeline.publish': (job, { stages, log }) => stages.runPublish(job, log),
  'automation.run': async (job, { services, log }) => {
    const result = await services.automationRunner.execute(job.data);
    log.info({ automationJobId: job.data.automationJobId, ...result }, 'automation run finished');
    return result;
  },
  'maintenance.reconcile-automation': async (_job, { prisma, services, log }) => {
    const result = await services.automationSchedulers.reconcile(prisma);
    if (result.removed > 0) log.info(result, 'reconciled automation schedulers');
    return result;
  },
  'maintenance.reconcile-runs': async (_job, { prisma, services, log }) => {
    const result = await reconcileRuns(prisma, services.orchestrator);
    if (result.advanced > 0) log.info(result, 'reconciled pipeline runs');
    return result;
  },
  'maintenance.purge-exports': async (_job, { services, log }) => {
    const result = await services.exports.purgeExpired();
    if (result.deleted > 0) log.info(result, 'purged old export files');
    return result;
  },
  'maintenance.purge-sessions': async (_job, { prisma, log }) => {
    const purged = await purgeStaleSessions(prisma);
    log.info({ purged }, 'purged stale sessions');
    return { purged };
  },
  'maintenance.expire-recordings': async (_job, { services, log }) => {
    const result = await services.retention.expireRecordings();
    log.info(result, 'expired recordings soft-deleted');
    return result;
  },
  'maintenance.hard-delete-recordings': async (_job, { services, log }) => {
    const result = await services.retention.hardDeleteRecordings();
    log.info(result, 'recordings past their restore window hard-deleted');
    return result;
  },
  'maintenance.sweep-temp-files': async (_job, { services, log }) => {
    const result = await services.retention.sweepTempFiles();
    log.info(result, 'temp files swept');
    return result;
  },
};

/** Fails start-up when the job table and the handlers disagree. */
export function assertHandlersComplete(handlers: Record<string, unknown>): void {
  const defined = Object.keys(JOBS).sort();
  const handled = Object.keys(handlers).sort();
  const missing = defined.filter((name) => !handled.includes(name));
  const unknown = handled.filter((name) => !defined.includes(name));
  if (missing.length || unknown.length) {
    throw new Error(`job handlers out of sync: missing [${missing.join(', ')}], unknown [${unknown.join(', ')}]`);
  }
}

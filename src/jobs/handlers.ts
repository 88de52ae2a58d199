import type { Job } from 'bullmq';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Logger } from '../lib/logger.js';
import { purgeStaleSessions } from '../modules/auth/session-purge.js';
import type { Services } from '../services.js';
import { JOBS, type JobName, type JobPayloads } from './definitions.js';

export interface JobContext {
  prisma: PrismaClient;
  services: Services;
  log: Logger;
}

export type JobHandler<N extends JobName> = (job: Job<JobPayloads[N]>, ctx: JobContext) => Promise<unknown>;
export type JobHandlers = { [N in JobName]: JobHandler<N> };

/** Thin handlers: each calls the same service code the API uses. */
export const jobHandlers: JobHandlers = {
  'maintenance.purge-sessions': async (_job, { prisma, log }) => {
    const purged = await purgeStaleSessions(prisma);
    log.info({ purged }, 'purged stale sessions');
    return { purged };
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

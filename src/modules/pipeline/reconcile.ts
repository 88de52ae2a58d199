import type { PrismaClient } from '../../generated/prisma/client.js';
import type { PipelineOrchestrator } from './orchestrator.js';

/** Runs untouched for this long are checked; younger ones are still being moved on by their workers. */
const QUIET_MS = 60_000;

/**
 * Self-healing for runs whose next job got lost (a Redis that came back empty, a worker killed
 * between a step's commit and its hand-off): every active run that has been quiet for a minute is
 * re-checked, lost stage jobs are queued again, finished runs are finalized. Cross-tenant by nature.
 */
export async function reconcileRuns(prisma: PrismaClient, orchestrator: PipelineOrchestrator, now = new Date()): Promise<{ checked: number; advanced: number }> {
  const runs = await prisma.pipelineRun.findMany({
    where: { status: { in: ['QUEUED', 'RUNNING'] }, updatedAt: { lt: new Date(now.getTime() - QUIET_MS) } },
    select: { id: true, tenantId: true },
    take: 500,
  });
  let advanced = 0;
  for (const run of runs) {
    if (await orchestrator.recover(run.tenantId, run.id)) advanced += 1;
  }
  return { checked: runs.length, advanced };
}

import type { AutomationJob, PrismaClient } from '../../generated/prisma/client.js';
import { JOBS } from '../../jobs/definitions.js';
import type { JobQueues } from '../../jobs/queues.js';
import { cronPattern, nextRunAt, readSchedule } from './schedule.js';

// One BullMQ job scheduler per active automation job (id `automation.<jobId>`, no ':' allowed),
// repeating the job's cron pattern in its time zone. There is no cron process of our own: BullMQ
// keeps the next run as a delayed job and queues the one after when a worker takes it.

const PREFIX = 'automation.';
export const schedulerIdOf = (jobId: string) => `${PREFIX}${jobId}`;

type Scheduled = Pick<AutomationJob, 'id' | 'tenantId' | 'schedule' | 'isActive'>;

export class AutomationSchedulers {
  constructor(private readonly queues: JobQueues) {}

  private get queue() {
    return this.queues.queue(JOBS['automation.run'].queue);
  }

  /** Installs (or replaces) the job's scheduler when it is active, removes it otherwise; returns the next run. */
  async sync(job: Scheduled): Promise<Date | null> {
    const schedule = readSchedule(job.schedule);
    if (!job.isActive || !schedule) {
      await this.remove(job.id);
      return null;
    }
    await this.queue.upsertJobScheduler(
      schedulerIdOf(job.id),
      { pattern: cronPattern(schedule), tz: schedule.timezone },
      {
        name: 'automation.run',
        data: { tenantId: job.tenantId, automationJobId: job.id },
        opts: { attempts: JOBS['automation.run'].attempts, removeOnComplete: { age: 24 * 3600, count: 1000 }, removeOnFail: { age: 7 * 24 * 3600 } },
      },
    );
    return nextRunAt(schedule);
  }

  /** When BullMQ will fire the job next (it queues the following run as soon as a run starts). */
  async next(jobId: string): Promise<Date | null> {
    const scheduler = await this.queue.getJobScheduler(schedulerIdOf(jobId));
    return scheduler?.next ? new Date(scheduler.next) : null;
  }

  async remove(jobId: string): Promise<void> {
    await this.queue.removeJobScheduler(schedulerIdOf(jobId));
  }

  /** Ids of the automation jobs that have a scheduler installed. */
  async installed(): Promise<string[]> {
    const ids: string[] = [];
    const pageSize = 500;
    for (let start = 0; ; start += pageSize) {
      const page = await this.queue.getJobSchedulers(start, start + pageSize - 1, true);
      for (const scheduler of page) if (scheduler.key.startsWith(PREFIX)) ids.push(scheduler.key.slice(PREFIX.length));
      if (page.length < pageSize) return ids;
    }
  }

  /**
   * Makes Redis agree with the database (worker start-up, and every 15 minutes): every active job
   * has its scheduler with its current pattern, nothing else has one. Stored next runs are refreshed.
   */
  async reconcile(prisma: PrismaClient): Promise<{ installed: number; removed: number }> {
    const active = await prisma.automationJob.findMany({ where: { isActive: true }, select: { id: true, tenantId: true, schedule: true, isActive: true, nextRunAt: true } });
    const activeIds = new Set(active.map((job) => job.id));
    let removed = 0;
    for (const id of await this.installed()) {
      if (activeIds.has(id)) continue;
      await this.remove(id);
      removed += 1;
    }
    for (const job of active) {
      const next = await this.sync(job);
      if (next?.getTime() !== job.nextRunAt?.getTime()) await prisma.automationJob.update({ where: { id: job.id }, data: { nextRunAt: next } });
    }
    // Inactive jobs show no next run.
    await prisma.automationJob.updateMany({ where: { isActive: false, nextRunAt: { not: null } }, data: { nextRunAt: null } });
    return { installed: active.length, removed };
  }
}

import { builder } from '../../graphql/builder.js';
import { QUEUE_NAMES, type QueueName } from '../../jobs/definitions.js';
import type { JobQueues } from '../../jobs/queues.js';

// The job queues as platform administrators see them: per-queue counts, pause and resume.

interface QueueView {
  name: QueueName;
  isPaused: boolean;
  counts: Record<'waiting' | 'active' | 'delayed' | 'completed' | 'failed' | 'prioritized', number>;
}

const QueueNameEnum = builder.enumType('QueueName', { values: QUEUE_NAMES });

const QueueCountsRef = builder.objectRef<QueueView['counts']>('QueueCounts').implement({
  fields: (t) => ({
    waiting: t.exposeInt('waiting'),
    active: t.exposeInt('active'),
    delayed: t.exposeInt('delayed'),
    prioritized: t.exposeInt('prioritized'),
    completed: t.exposeInt('completed', { description: 'Kept for a day' }),
    failed: t.exposeInt('failed', { description: 'Kept for a week' }),
  }),
});

const QueueRef = builder.objectRef<QueueView>('JobQueue').implement({
  description: 'One BullMQ queue (job family) and what is in it.',
  fields: (t) => ({
    name: t.field({ type: QueueNameEnum, resolve: (q) => q.name }),
    isPaused: t.exposeBoolean('isPaused', { description: 'Workers take no new jobs from a paused queue' }),
    counts: t.field({ type: QueueCountsRef, resolve: (q) => q.counts }),
  }),
});

async function viewOf(queues: JobQueues, name: QueueName): Promise<QueueView> {
  const queue = queues.queue(name);
  const [counts, isPaused] = await Promise.all([
    queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized'),
    queue.isPaused(),
  ]);
  return { name, isPaused, counts: counts as QueueView['counts'] };
}

builder.queryFields((t) => ({
  jobQueues: t.field({
    type: [QueueRef],
    authScopes: { superadmin: true },
    description: 'Platform administrators only.',
    resolve: (_root, _args, ctx) => Promise.all(QUEUE_NAMES.map((name) => viewOf(ctx.services.queues, name))),
  }),
}));

builder.mutationFields((t) => ({
  pauseJobQueue: t.field({
    type: QueueRef,
    authScopes: { superadmin: true },
    description: 'Workers finish the jobs they hold and take no new ones from this queue (every worker process).',
    args: { name: t.arg({ type: QueueNameEnum, required: true }) },
    resolve: async (_root, { name }, ctx) => {
      await ctx.services.queues.queue(name).pause();
      return viewOf(ctx.services.queues, name);
    },
  }),
  resumeJobQueue: t.field({
    type: QueueRef,
    authScopes: { superadmin: true },
    args: { name: t.arg({ type: QueueNameEnum, required: true }) },
    resolve: async (_root, { name }, ctx) => {
      await ctx.services.queues.queue(name).resume();
      return viewOf(ctx.services.queues, name);
    },
  }),
}));

import { QueueEvents } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOBS } from '../../src/jobs/definitions.js';
import { assertHandlersComplete, jobHandlers } from '../../src/jobs/handlers.js';
import { BULL_PREFIX, bullConnection, JobQueues } from '../../src/jobs/queues.js';
import { startWorkers, type WorkerRuntime } from '../../src/jobs/worker-runtime.js';
import { prisma } from '../../src/lib/db.js';
import { createRedis } from '../../src/lib/redis.js';
import { createServices } from '../../src/services.js';
import { registerUser, rawId, startTestApp, type TestApp } from '../support/app.js';

let app: TestApp;
let runtime: WorkerRuntime;
let queues: JobQueues;
const redis = createRedis();

beforeAll(async () => {
  app = await startTestApp();
  runtime = await startWorkers({ prisma, services: createServices({ prisma, redis }) });
  queues = new JobQueues();
});

afterAll(async () => {
  await runtime.close();
  await queues.close();
  await app.close();
  redis.disconnect();
});

describe('job registry', () => {
  it('refuses to start when a defined job has no handler or a handler has no job', () => {
    expect(() => assertHandlersComplete(jobHandlers)).not.toThrow();
    const { 'maintenance.purge-sessions': _removed, ...missing } = jobHandlers;
    expect(() => assertHandlersComplete(missing)).toThrow(/missing \[maintenance.purge-sessions\]/);
    expect(() => assertHandlersComplete({ ...jobHandlers, 'ghost.job': async () => null })).toThrow(/unknown \[ghost.job\]/);
  });

  it('installs the schedules of scheduled jobs as BullMQ job schedulers', async () => {
    await queues.installSchedules();
    const schedulers = await queues.queue('maintenance').getJobSchedulers();
    const purge = schedulers.find((s) => s.key === 'maintenance.purge-sessions');
    expect(purge?.pattern).toBe(JOBS['maintenance.purge-sessions'].schedule);
  });
});

describe('maintenance.purge-sessions', () => {
  it('deletes long-expired and long-revoked sessions with their refresh tokens, and keeps live ones', async () => {
    const user = await registerUser(app);
    const userId = rawId(user.userId);
    const tenantId = rawId(user.tenantId);
    const longAgo = new Date(Date.now() - 90 * 24 * 3600 * 1000);
    const expired = await prisma.authSession.create({ data: { userId, tenantId, expiresAt: longAgo } });
    const revoked = await prisma.authSession.create({
      data: { userId, tenantId, expiresAt: new Date(Date.now() + 3600_000), revokedAt: longAgo },
    });
    await prisma.refreshToken.create({
      data: { id: crypto.randomUUID(), sessionId: expired.id, tokenHash: `stale-${expired.id}`, expiresAt: longAgo },
    });

    const events = new QueueEvents('maintenance', { connection: bullConnection(), prefix: BULL_PREFIX });
    await events.waitUntilReady();
    const job = await queues.add('maintenance.purge-sessions', {});
    const result = (await job.waitUntilFinished(events, 15_000)) as { purged: number };
    await events.close();

    expect(result.purged).toBeGreaterThanOrEqual(2);
    const remaining = await prisma.authSession.findMany({ where: { userId } });
    expect(remaining.map((s) => s.id)).not.toContain(expired.id);
    expect(remaining.map((s) => s.id)).not.toContain(revoked.id);
    expect(remaining).toHaveLength(1); // the live session from registration
    expect(await prisma.refreshToken.count({ where: { sessionId: expired.id } })).toBe(0);

    const me = await app.gql<{ me: { email: string } }>('{ me { email } }', {}, user.accessToken);
    expect(me.data?.me.email).toBe(user.email);
  });
});

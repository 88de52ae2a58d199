import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prisma } from '../../src/lib/db.js';
import { schedulerIdOf } from '../../src/modules/automation/schedulers.js';
import { rawId, registerUser, startTestApp, type RegisteredUser, type TestApp } from '../support/app.js';
import { startFakeYandexDisk, type FakeYandexDisk } from '../support/fake-yandex-disk.js';
import { ingestOverridesFor, makeLecture } from '../support/ingest.js';
import { startWorkerProcess, type WorkerProcess } from '../support/pipeline.js';
import { ok } from '../support/templates.js';
import { createJob, createTemplate, runJob, usePlan, waitFor } from './support.js';

// A real scheduled run: the job's BullMQ scheduler fires, a worker process (started as in
// production) syncs a Yandex Disk public folder served locally, matches the new recordings and
// starts their pipelines with the job's overrides. Schedulers are reconciled at worker start-up.

let app: TestApp;
let yandex: FakeYandexDisk;
let worker: WorkerProcess | undefined;
let dir: string;
let owner: RegisteredUser;
let template: string;
let sourceId: string;
const strayJobId = randomUUID();
let orphanJobId: string;

const queue = () => app.services.queues.queue('automation');
const daysAgo = (n: number) => new Date(Date.now() - n * 24 * 3600 * 1000).toISOString();
/** Only DOWNLOAD and TRIM run, so the pipelines the job starts finish in seconds. */
const OVERRIDES = { processingConfig: { transcription: { enabled: false }, topics: { enabled: false }, subtitles: { enabled: false }, poster: { enabled: false } } };

beforeAll(async () => {
  yandex = await startFakeYandexDisk();
  dir = await mkdtemp(path.join(tmpdir(), 'leap-automation-run-'));
  const lecture = await makeLecture(dir, 'lecture.mp4', 3);
  await yandex.addFile('/Term/Math week 1.mp4', lecture, { resourceId: 'rid-m1', modified: daysAgo(1) });
  await yandex.addFile('/Term/History week 1.mp4', lecture, { resourceId: 'rid-h1', modified: daysAgo(1) });
  app = await startTestApp({ ingest: ingestOverridesFor({ yandex }) });
  owner = await registerUser(app);
  await usePlan(owner, 'enterprise');
  template = await createTemplate(app, owner.accessToken, 'Math course', ['math']);
  const source = await ok<{ createInputSource: { id: string } }>(
    app,
    'mutation($input: CreateInputSourceInput!) { createInputSource(input: $input) { ... on InputSource { id } } }',
    { input: { name: 'Term disk', type: 'YANDEX_DISK', config: { publicUrl: yandex.publish('/Term') } } },
    owner.accessToken,
  );
  sourceId = source.createInputSource.id;

  // Out of step before any worker runs: a scheduler whose job no longer exists, and an active job
  // written without one (as after a Redis flush).
  await queue().upsertJobScheduler(schedulerIdOf(strayJobId), { pattern: '0 4 * * *', tz: 'UTC' }, { name: 'automation.run', data: { tenantId: rawId(owner.tenantId), automationJobId: strayJobId } });
  const orphan = await prisma.automationJob.create({
    data: { tenantId: rawId(owner.tenantId), name: 'Written without scheduler', templateIds: [rawId(template)], schedule: { type: 'weekdays', days: [0], time: '05:00', timezone: 'Europe/Moscow' } },
  });
  orphanJobId = orphan.id;
  worker = await startWorkerProcess({ YANDEX_DISK_API_BASE_URL: yandex.apiBaseUrl });
}, 120_000);

afterAll(async () => {
  await worker?.kill();
  await app?.close();
  await yandex?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('scheduled automation run through a worker', () => {
  it('worker start-up reconciles schedulers with the jobs table', async () => {
    expect(await queue().getJobScheduler(schedulerIdOf(strayJobId))).toBeUndefined();
    expect(await queue().getJobScheduler(schedulerIdOf(orphanJobId))).toMatchObject({ pattern: '0 5 * * 1', tz: 'Europe/Moscow' });
    const orphan = await prisma.automationJob.findUniqueOrThrow({ where: { id: orphanJobId } });
    // Monday 05:00 in Moscow is Monday 02:00 UTC.
    expect(orphan.nextRunAt?.getUTCDay()).toBe(1);
    expect(orphan.nextRunAt?.getUTCHours()).toBe(2);
    await prisma.automationJob.update({ where: { id: orphanJobId }, data: { isActive: false } });
  });

  it('the scheduler fires: sources synced, matching recordings started with the job overrides, run recorded', { timeout: 120_000 }, async () => {
    const job = await createJob(app, owner.accessToken, { name: 'Nightly', templateIds: [template], schedule: { type: 'TIME_OF_DAY', time: '03:00', timezone: 'Asia/Yekaterinburg' }, syncDays: 5, overrides: OVERRIDES });
    const schedulerId = schedulerIdOf(rawId(job.id));
    // The scheduler keeps its next run as a delayed job; make it due now instead of at 03:00.
    const delayed = await waitFor(async () => (await queue().getDelayed()).find((j) => j.repeatJobKey === schedulerId), 10_000, 'the scheduled job');
    expect(delayed.timestamp + delayed.opts.delay!).toBe(Date.parse(job.nextRunAt ?? ''));
    await delayed.promote();

    const run = await waitFor(() => prisma.automationRun.findFirst({ where: { jobId: rawId(job.id), status: { not: 'RUNNING' } } }), 60_000, 'the automation run');
    expect(run, JSON.stringify(run)).toMatchObject({ trigger: 'SCHEDULE', status: 'SUCCEEDED', dryRun: false, syncedCount: 2, foundCount: 2, matchedCount: 1, startedCount: 1, error: null });
    const plan = run.plan as { sources: Array<Record<string, unknown>>; recordings: Array<Record<string, unknown>> };
    expect(plan.sources).toEqual([{ sourceId: rawId(sourceId), name: 'Term disk', type: 'YANDEX_DISK', found: 2, created: 2, error: null }]);
    const math = plan.recordings.find((r) => r.displayName === 'Math week 1');
    expect(math).toMatchObject({ action: 'STARTED', templateName: 'Math course' });
    expect(plan.recordings.find((r) => r.displayName === 'History week 1')).toMatchObject({ action: 'UNMATCHED', pipelineRunId: null });

    // The pipeline it started runs on the workers with the job's overrides and completes.
    const pipelineRun = await waitFor(
      () => prisma.pipelineRun.findFirst({ where: { id: math?.pipelineRunId as string, status: { in: ['COMPLETED', 'FAILED'] } }, include: { steps: true } }),
      90_000,
      'the pipeline run',
    );
    const steps = Object.fromEntries(pipelineRun.steps.map((s) => [s.stage, s]));
    expect(pipelineRun.status, JSON.stringify(pipelineRun.steps.map((s) => [s.stage, s.status, s.error]))).toBe('COMPLETED');
    expect(pipelineRun.overrides).toEqual(OVERRIDES);
    expect(steps.DOWNLOAD?.status).toBe('COMPLETED');
    expect(steps.TRIM?.status).toBe('COMPLETED');
    expect(steps.TRANSCRIBE).toMatchObject({ status: 'SKIPPED', skipReason: 'Transcription is disabled in the configuration' });
    const recording = await prisma.recording.findUniqueOrThrow({ where: { id: math?.recordingId as string } });
    expect(recording).toMatchObject({ templateId: rawId(template), inputSourceId: rawId(sourceId), sourceType: 'YANDEX_DISK' });
    expect(recording.sourceFileKey).toMatch(/source\.mp4$/);
    // Unmatched recordings get no pipeline.
    const history = await prisma.recording.findFirstOrThrow({ where: { tenantId: rawId(owner.tenantId), displayName: 'History week 1' }, include: { pipelineRuns: true } });
    expect(history.pipelineRuns).toEqual([]);

    const after = await prisma.automationJob.findUniqueOrThrow({ where: { id: rawId(job.id) } });
    expect(after.runCount).toBe(1);
    expect(after.lastRunAt?.getTime()).toBeGreaterThanOrEqual(run.startedAt.getTime());
    // BullMQ queued the following run (the one after the run it fired early): 03:00 in
    // Yekaterinburg (UTC+5) is 22:00 UTC; the job shows that instant as its next run.
    const next = await waitFor(async () => (await queue().getDelayed()).find((j) => j.repeatJobKey === schedulerId), 10_000, 'the next scheduled job');
    const nextAt = new Date(next.timestamp + next.opts.delay!);
    expect(nextAt.getUTCHours()).toBe(22);
    expect(nextAt.getTime() - Date.parse(job.nextRunAt ?? '')).toBe(24 * 3600 * 1000);
    expect(after.nextRunAt?.getTime()).toBe(nextAt.getTime());
  });

  it('a manual run goes through the worker too; what was started is not started again', { timeout: 60_000 }, async () => {
    const job = await prisma.automationJob.findFirstOrThrow({ where: { tenantId: rawId(owner.tenantId), name: 'Nightly' } });
    const requested = await runJob(app, owner.accessToken, Buffer.from(`AutomationJob:${job.id}`).toString('base64'), false);
    expect(requested.run).toMatchObject({ status: 'RUNNING', trigger: 'MANUAL' });
    const run = await waitFor(() => prisma.automationRun.findFirst({ where: { id: rawId(requested.run?.id ?? ''), status: { not: 'RUNNING' } } }), 30_000, 'the manual run');
    // Nothing new at the source; Math already has its pipeline; History still matches nothing.
    expect(run).toMatchObject({ status: 'SUCCEEDED', syncedCount: 0, startedCount: 0, matchedCount: 0, foundCount: 1 });
    expect(await prisma.pipelineRun.count({ where: { tenantId: rawId(owner.tenantId) } })).toBe(1);
    expect((await prisma.automationJob.findUniqueOrThrow({ where: { id: job.id } })).runCount).toBe(2);
  });

  it('a fire for a job that was paused behind the scheduler\'s back removes the scheduler and records nothing', { timeout: 30_000 }, async () => {
    const job = await prisma.automationJob.findFirstOrThrow({ where: { tenantId: rawId(owner.tenantId), name: 'Nightly' } });
    // As a template deletion does it: straight in SQL.
    await prisma.automationJob.update({ where: { id: job.id }, data: { isActive: false } });
    const runs = await prisma.automationRun.count({ where: { jobId: job.id } });
    const delayed = await waitFor(async () => (await queue().getDelayed()).find((j) => j.repeatJobKey === schedulerIdOf(job.id)), 10_000, 'the scheduled job');
    await delayed.promote();
    await waitFor(async () => (await queue().getJobScheduler(schedulerIdOf(job.id))) === undefined, 20_000, 'scheduler removal');
    expect(await prisma.automationRun.count({ where: { jobId: job.id } })).toBe(runs);
  });
});

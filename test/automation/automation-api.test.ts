import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prisma } from '../../src/lib/db.js';
import { schedulerIdOf } from '../../src/modules/automation/schedulers.js';
import { rawId, registerUser, startTestApp, type RegisteredUser, type TestApp } from '../support/app.js';
import { startFakeYandexDisk, type FakeYandexDisk } from '../support/fake-yandex-disk.js';
import { ingestOverridesFor, makeLecture } from '../support/ingest.js';
import { memberOf, ok } from '../support/templates.js';
import { CREATE_JOB, createJob, createTemplate, DELETE_JOB, footprint, runJob, RUNS, UPDATE_JOB, usePlan, type JobResult } from './support.js';

// Automation jobs over GraphQL: CRUD kept in step with BullMQ job schedulers, the plan's limits
// (job count, minimum interval), dry runs against a local Yandex Disk, and the run history.

let app: TestApp;
let yandex: FakeYandexDisk;
let dir: string;
let owner: RegisteredUser;
let mathTemplate: string;

const daysAgo = (n: number) => new Date(Date.now() - n * 24 * 3600 * 1000).toISOString();
const scheduler = (jobId: string) => app.services.queues.queue('automation').getJobScheduler(schedulerIdOf(rawId(jobId)));

beforeAll(async () => {
  yandex = await startFakeYandexDisk();
  dir = await mkdtemp(path.join(tmpdir(), 'leap-automation-api-'));
  const lecture = await makeLecture(dir, 'lecture.mp4', 2);
  await yandex.addFile('/Course/Math lecture 1.mp4', lecture, { resourceId: 'rid-math-1', modified: daysAgo(1) });
  await yandex.addFile('/Course/Physics lecture 1.mp4', lecture, { resourceId: 'rid-phys-1', modified: daysAgo(1) });
  await yandex.addFile('/Course/Math lecture 0.mp4', lecture, { resourceId: 'rid-math-0', modified: daysAgo(20) });
  app = await startTestApp({ ingest: ingestOverridesFor({ yandex }) });
  owner = await registerUser(app);
  // New workspaces are on the free plan, which has no automation.
  await usePlan(owner, 'enterprise');
  mathTemplate = await createTemplate(app, owner.accessToken, 'Math course', ['math']);
});
afterAll(async () => {
  await app.close();
  await yandex.close();
  await rm(dir, { recursive: true, force: true });
});

describe('automation job CRUD and schedulers', () => {
  it('creates a job: schedule stored with its zone, next run computed there, BullMQ scheduler installed', async () => {
    const before = Date.now();
    const job = await createJob(app, owner.accessToken, {
      name: 'Morning sync',
      templateIds: [mathTemplate],
      schedule: { type: 'TIME_OF_DAY', time: '09:00', timezone: 'Europe/Moscow' },
      syncDays: 3,
    });
    expect(job.__typename).toBe('AutomationJob');
    expect(job).toMatchObject({ name: 'Morning sync', isActive: true, runCount: 0, lastRunAt: null, templates: [{ name: 'Math course' }] });
    expect(job.schedule).toMatchObject({ type: 'TIME_OF_DAY', timezone: 'Europe/Moscow', time: '09:00', cron: '0 9 * * *' });
    // 09:00 in Moscow is 06:00 UTC, within the next day.
    const next = new Date(job.nextRunAt ?? 0);
    expect(next.getUTCHours()).toBe(6);
    expect(next.getUTCMinutes()).toBe(0);
    expect(next.getTime() - before).toBeGreaterThan(0);
    expect(next.getTime() - before).toBeLessThanOrEqual(24 * 3600 * 1000);

    const installed = await scheduler(job.id);
    expect(installed).toMatchObject({ pattern: '0 9 * * *', tz: 'Europe/Moscow' });
    // BullMQ's next fire is the instant we stored.
    expect(installed?.next).toBe(next.getTime());
    expect(installed?.template?.data).toEqual({ tenantId: rawId(owner.tenantId), automationJobId: rawId(job.id) });
  });

  it('update replaces the schedule; deactivating and deleting remove the scheduler', async () => {
    const job = await createJob(app, owner.accessToken, { name: 'Weekly', templateIds: [mathTemplate], schedule: { type: 'HOURS', hours: 12, timezone: 'UTC' } });
    const update = async (input: Record<string, unknown>) => (await ok<{ updateAutomationJob: JobResult }>(app, UPDATE_JOB, { id: job.id, input }, owner.accessToken)).updateAutomationJob;

    const weekly = await update({ schedule: { type: 'WEEKDAYS', days: ['MONDAY', 'THURSDAY'], time: '07:30', timezone: 'America/New_York' } });
    expect(weekly.schedule).toMatchObject({ type: 'WEEKDAYS', days: ['MONDAY', 'THURSDAY'], time: '07:30', cron: '30 7 * * 1,4' });
    expect(await scheduler(job.id)).toMatchObject({ pattern: '30 7 * * 1,4', tz: 'America/New_York' });
    const next = new Date(weekly.nextRunAt ?? 0);
    expect([1, 4]).toContain(next.getUTCDay()); // 07:30 in New York is the same day in UTC

    const paused = await update({ isActive: false });
    expect(paused).toMatchObject({ isActive: false, nextRunAt: null });
    expect(await scheduler(job.id)).toBeUndefined();
    const resumed = await update({ isActive: true });
    expect(resumed.nextRunAt).toBe(weekly.nextRunAt);
    expect(await scheduler(job.id)).toBeDefined();

    const deleted = await app.gql<{ deleteAutomationJob: { __typename: string; data: string } }>(DELETE_JOB, { id: job.id }, owner.accessToken);
    expect(deleted.data?.deleteAutomationJob).toMatchObject({ data: job.id });
    expect(await scheduler(job.id)).toBeUndefined();
    expect(await prisma.automationJob.count({ where: { id: rawId(job.id) } })).toBe(0);
  });

  it('refuses bad input with typed errors and no row', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ name: 'Bad zone', templateIds: [mathTemplate], schedule: { type: 'TIME_OF_DAY', time: '09:00', timezone: 'Mars/Olympus_Mons' } }, /schedule\.timezone/],
      [{ name: 'Bad time', templateIds: [mathTemplate], schedule: { type: 'TIME_OF_DAY', time: '9am' } }, /schedule\.time/],
      [{ name: 'Bad cron', templateIds: [mathTemplate], schedule: { type: 'CRON', expression: 'every day' } }, /schedule\.expression/],
      [{ name: 'No days', templateIds: [mathTemplate], schedule: { type: 'WEEKDAYS', time: '09:00' } }, /schedule\.days/],
      [{ name: 'No templates', templateIds: [], schedule: { type: 'HOURS', hours: 6 } }, /templateIds/],
      [{ name: 'Sync days', templateIds: [mathTemplate], schedule: { type: 'HOURS', hours: 6 }, syncDays: 31 }, /syncDays/],
      [{ name: 'Overrides', templateIds: [mathTemplate], schedule: { type: 'HOURS', hours: 6 }, overrides: { processingConfig: { trimming: { enabled: 'yes' } } } }, /overrides/],
    ];
    const before = await prisma.automationJob.count({ where: { tenantId: rawId(owner.tenantId) } });
    for (const [input, path] of cases) {
      const res = await ok<{ createAutomationJob: JobResult }>(app, CREATE_JOB, { input }, owner.accessToken);
      expect(res.createAutomationJob.__typename, input.name as string).toBe('ValidationError');
      expect(res.createAutomationJob.issues?.map((i) => i.path).join(' '), input.name as string).toMatch(path);
    }
    // The Default template (and a stranger's template) cannot be named.
    const stranger = await registerUser(app);
    const theirs = await createTemplate(app, stranger.accessToken, 'Their course', ['math']);
    const res = await ok<{ createAutomationJob: JobResult }>(app, CREATE_JOB, { input: { name: 'Theirs', templateIds: [theirs], schedule: { type: 'HOURS', hours: 6 } } }, owner.accessToken);
    expect(res.createAutomationJob).toMatchObject({ __typename: 'ValidationError', issues: [{ path: 'templateIds.0', message: 'Unknown template' }] });
    expect(await prisma.automationJob.count({ where: { tenantId: rawId(owner.tenantId) } })).toBe(before);
    const duplicate = await ok<{ createAutomationJob: JobResult }>(app, CREATE_JOB, { input: { name: 'Morning sync', templateIds: [mathTemplate], schedule: { type: 'HOURS', hours: 6 } } }, owner.accessToken);
    expect(duplicate.createAutomationJob.__typename).toBe('ConflictError');
  });

  it('a viewer cannot create jobs', async () => {
    const viewer = await memberOf(app, owner, { role: 'VIEWER' });
    const res = await app.gql(CREATE_JOB, { input: { name: 'Viewer job', templateIds: [mathTemplate], schedule: { type: 'HOURS', hours: 6 } } }, viewer.accessToken);
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('plan limits', () => {
  it('refuses a schedule closer than the plan minimum interval (plus: 6 hours), on create and update', async () => {
    const user = await registerUser(app);
    await usePlan(user, 'plus');
    const template = await createTemplate(app, user.accessToken, 'Plus course', ['lecture']);
    const tooOften = [
      { type: 'HOURS', hours: 4 },
      { type: 'HOURS', hours: 5 }, // 00, 05, 10, 15, 20: the gap to midnight is 4 hours
      { type: 'CRON', expression: '0 8,12 * * *', timezone: 'Europe/Moscow' },
    ];
    for (const schedule of tooOften) {
      const res = await ok<{ createAutomationJob: JobResult }>(app, CREATE_JOB, { input: { name: `Often ${schedule.type}`, templateIds: [template], schedule } }, user.accessToken);
      expect(res.createAutomationJob, JSON.stringify(schedule)).toMatchObject({ __typename: 'ValidationError', issues: [{ path: 'schedule' }] });
      expect(res.createAutomationJob.message).toMatch(/at most every 6 hours/);
    }
    const job = await createJob(app, user.accessToken, { name: 'Every 6 hours', templateIds: [template], schedule: { type: 'HOURS', hours: 6, timezone: 'America/New_York' } });
    expect(job.__typename).toBe('AutomationJob');
    const update = await ok<{ updateAutomationJob: JobResult }>(app, UPDATE_JOB, { id: job.id, input: { schedule: { type: 'HOURS', hours: 3 } } }, user.accessToken);
    expect(update.updateAutomationJob.__typename).toBe('ValidationError');
    expect(await scheduler(job.id)).toMatchObject({ pattern: '0 */6 * * *' });
  });

  it('refuses a job beyond the plan job count with QuotaExceededError and creates no row', async () => {
    const user = await registerUser(app);
    await usePlan(user, 'free'); // 0 automation jobs
    const template = await createTemplate(app, user.accessToken, 'Free course', ['lecture']);
    const input = { name: 'Not allowed', templateIds: [template], schedule: { type: 'TIME_OF_DAY', time: '10:00' } };
    const res = await ok<{ createAutomationJob: JobResult }>(app, CREATE_JOB, { input }, user.accessToken);
    expect(res.createAutomationJob).toMatchObject({ __typename: 'QuotaExceededError', quota: 'automationJobs', limit: 0, used: 0 });
    expect(await prisma.automationJob.count({ where: { tenantId: rawId(user.tenantId) } })).toBe(0);

    // An override of 1: the first is created, the second refused (limit 1, used 1).
    await prisma.quotaOverride.create({ data: { tenantId: rawId(user.tenantId), automationJobs: 1 } });
    expect((await createJob(app, user.accessToken, input)).__typename).toBe('AutomationJob');
    const second = await ok<{ createAutomationJob: JobResult }>(app, CREATE_JOB, { input: { ...input, name: 'Second' } }, user.accessToken);
    expect(second.createAutomationJob).toMatchObject({ __typename: 'QuotaExceededError', limit: 1, used: 1 });
    expect(await prisma.automationJob.count({ where: { tenantId: rawId(user.tenantId) } })).toBe(1);
    const schedulers = await app.services.queues.queue('automation').getJobSchedulers();
    expect(schedulers.filter((s) => s.template?.data?.tenantId === rawId(user.tenantId))).toHaveLength(1);
  });
});

describe('dry run and history', () => {
  it('reports what would be synced, matched and started, and creates nothing', async () => {
    const source = await ok<{ createInputSource: { id: string } }>(
      app,
      'mutation($input: CreateInputSourceInput!) { createInputSource(input: $input) { ... on InputSource { id } } }',
      { input: { name: 'Course disk', type: 'YANDEX_DISK', config: { publicUrl: yandex.publish('/Course') } } },
      owner.accessToken,
    );
    const job = await createJob(app, owner.accessToken, { name: 'Dry', templateIds: [mathTemplate], schedule: { type: 'HOURS', hours: 24 }, syncDays: 7 });
    const before = await footprint(owner);
    const requests = yandex.requests.length;

    const dry = await runJob(app, owner.accessToken, job.id, true);
    expect(dry).toMatchObject({ __typename: 'AutomationRunResult', dryRun: true, run: null });
    expect(dry.report.sources).toEqual([{ sourceId: source.createInputSource.id, name: 'Course disk', type: 'YANDEX_DISK', found: 2, created: 2, error: null }]);
    const byName = Object.fromEntries(dry.report.recordings.map((r) => [r.displayName, r]));
    expect(byName['Math lecture 1']).toMatchObject({ recordingId: null, action: 'WOULD_START', templateName: 'Math course' });
    expect(byName['Physics lecture 1']).toMatchObject({ recordingId: null, action: 'UNMATCHED', templateName: null });
    // Outside the 7-day window.
    expect(byName['Math lecture 0']).toBeUndefined();
    expect(dry.report).toMatchObject({ syncedCount: 2, foundCount: 2, matchedCount: 1, startedCount: 1 });
    // It did read the provider …
    expect(yandex.requests.length).toBeGreaterThan(requests);
    // … and wrote nothing: no recording, no pipeline run or step, no history row, the job unchanged.
    expect(await footprint(owner)).toEqual(before);
  });

  it('a manual run is recorded (RUNNING, queued for a worker) and listed in the paginated history', async () => {
    const job = await createJob(app, owner.accessToken, { name: 'History', templateIds: [mathTemplate], schedule: { type: 'HOURS', hours: 24 } });
    const first = await runJob(app, owner.accessToken, job.id, false);
    expect(first).toMatchObject({ dryRun: false, run: { status: 'RUNNING', trigger: 'MANUAL' } });
    const queued = await app.services.queues.queue('automation').getJob(`automation.manual.${rawId(first.run?.id ?? '')}`);
    expect(queued?.data).toEqual({ tenantId: rawId(owner.tenantId), automationJobId: rawId(job.id), runId: rawId(first.run?.id ?? '') });
    // A second manual run while one is going is a conflict.
    expect((await runJob(app, owner.accessToken, job.id, false)).__typename).toBe('ConflictError');

    // Older finished runs, to page through.
    const jobId = rawId(job.id);
    await prisma.automationRun.update({ where: { id: rawId(first.run?.id ?? '') }, data: { status: 'SUCCEEDED', finishedAt: new Date() } });
    for (let i = 1; i <= 3; i += 1) {
      await prisma.automationRun.create({ data: { tenantId: rawId(owner.tenantId), jobId, trigger: 'SCHEDULE', status: 'SUCCEEDED', startedAt: new Date(Date.now() - i * 3600_000) } });
    }
    type Page = { automationRuns: { pageInfo: { hasNextPage: boolean; endCursor: string }; edges: Array<{ node: { id: string; trigger: string; startedAt: string } }> } };
    const page1 = await ok<Page>(app, RUNS, { jobId: job.id, first: 2 }, owner.accessToken);
    expect(page1.automationRuns.edges.map((e) => e.node.trigger)).toEqual(['MANUAL', 'SCHEDULE']);
    expect(page1.automationRuns.pageInfo.hasNextPage).toBe(true);
    const page2 = await ok<Page>(app, RUNS, { jobId: job.id, first: 2, after: page1.automationRuns.pageInfo.endCursor }, owner.accessToken);
    expect(page2.automationRuns.edges).toHaveLength(2);
    const times = [...page1.automationRuns.edges, ...page2.automationRuns.edges].map((e) => Date.parse(e.node.startedAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    // Another tenant sees none of it.
    const stranger = await registerUser(app);
    const theirs = await ok<Page>(app, RUNS, { jobId: job.id, first: 10 }, stranger.accessToken);
    expect(theirs.automationRuns.edges).toEqual([]);
    expect((await runJob(app, stranger.accessToken, job.id, true)).__typename).toBe('NotFoundError');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Prisma, Recording } from '../../src/generated/prisma/client.js';
import { prisma } from '../../src/lib/db.js';
import { rawId, registerUser, startTestApp, type RegisteredUser, type TestApp } from '../support/app.js';
import { ERROR_FIELDS, globalId, memberOf, ok, recordingOf, type ErrorResult } from '../support/templates.js';
import { usePlan } from '../automation/support.js';

// Bulk operations over GraphQL: by ids or by a filter, at most 200, per-recording outcomes (one
// failure never fails the batch), dry runs without side effects, permissions per action, tenants apart.

let app: TestApp;
let owner: RegisteredUser;
let stranger: RegisteredUser;

const BULK = `mutation($input: BulkRecordingsInput!) { bulkRecordings(input: $input) { ${ERROR_FIELDS} ... on BulkResult { action dryRun matchedCount doneCount skippedCount failedCount outcomes { recordingId displayName status reason pipelineRunId stages { stage runs skipReason } } } } }`;

interface Outcome {
  recordingId: string | null;
  displayName: string | null;
  status: string;
  reason: string | null;
  pipelineRunId: string | null;
  stages: Array<{ stage: string; runs: boolean; skipReason: string | null }>;
}
interface BulkResult extends ErrorResult {
  action: string;
  dryRun: boolean;
  matchedCount: number;
  doneCount: number;
  skippedCount: number;
  failedCount: number;
  outcomes: Outcome[];
}

const bulk = async (input: Record<string, unknown>, token = owner.accessToken) => (await ok<{ bulkRecordings: BulkResult }>(app, BULK, { input }, token)).bulkRecordings;
const gid = (recording: Recording) => globalId('Recording', recording.id);
const runnable = (outcome: Outcome | undefined) => outcome?.stages.filter((s) => s.runs).map((s) => s.stage);

/** Everything a bulk action could change in a tenant. */
async function state(user: RegisteredUser) {
  const tenantId = rawId(user.tenantId);
  const [recordings, runs, steps] = await Promise.all([
    prisma.recording.findMany({ where: { tenantId }, orderBy: { id: 'asc' } }),
    prisma.pipelineRun.findMany({ where: { tenantId }, orderBy: { id: 'asc' } }),
    prisma.pipelineStep.count({ where: { tenantId } }),
  ]);
  return { recordings, runs, steps };
}

const course = (user: RegisteredUser, displayName: string, extra: Partial<Prisma.RecordingUncheckedCreateInput> = {}) =>
  recordingOf(user, { displayName, status: 'INITIALIZED', startTime: new Date(), ...extra });

beforeAll(async () => {
  app = await startTestApp();
  owner = await registerUser(app);
  stranger = await registerUser(app);
  // Several pipelines at once.
  await usePlan(owner, 'enterprise');
});
afterAll(() => app.close());

describe('bulk by ids', () => {
  it('dry run: the per-recording plan, skips and unknown ids, and no side effects', async () => {
    const a = await course(owner, 'Algebra 1');
    const b = await course(owner, 'Algebra 2');
    const blank = await course(owner, 'Algebra blank', { isBlank: true, status: 'SKIPPED' });
    const theirs = await course(stranger, 'Their algebra');
    const before = await state(owner);
    const result = await bulk({ ids: [gid(a), gid(b), gid(blank), gid(theirs)], action: 'RUN', dryRun: true });
    expect(result).toMatchObject({ __typename: 'BulkResult', action: 'RUN', dryRun: true, matchedCount: 4, doneCount: 2, skippedCount: 1, failedCount: 1 });
    const [first, second, third, fourth] = result.outcomes;
    expect(first).toMatchObject({ recordingId: gid(a), displayName: 'Algebra 1', status: 'PLANNED', pipelineRunId: null });
    // A Zoom recording without its file: downloaded first; the whole pipeline but publishing.
    expect(runnable(first)).toEqual(['DOWNLOAD', 'TRIM', 'TRANSCRIBE', 'TOPICS', 'SUBTITLES', 'POSTER']);
    expect(first?.stages.find((s) => s.stage === 'PUBLISH')?.skipReason).toBe('No output presets are configured');
    expect(second?.status).toBe('PLANNED');
    expect(third).toMatchObject({ status: 'SKIPPED', reason: expect.stringMatching(/blank/) });
    // Another tenant's recording answers like a missing one, and its id is not echoed.
    expect(fourth).toMatchObject({ recordingId: null, status: 'FAILED', reason: 'Recording not found', displayName: null });
    expect(await state(owner)).toEqual(before);
  });

  it('runs: pipelines started per recording; one that is running already is skipped, not fatal', async () => {
    const a = await course(owner, 'Geometry 1');
    const b = await course(owner, 'Geometry 2');
    const first = await bulk({ ids: [gid(a)], action: 'RUN' });
    expect(first.outcomes[0]).toMatchObject({ status: 'STARTED', pipelineRunId: expect.any(String) });
    const second = await bulk({ ids: [gid(a), gid(b)], action: 'RUN' });
    expect(second).toMatchObject({ doneCount: 1, skippedCount: 1, failedCount: 0 });
    expect(second.outcomes[0]).toMatchObject({ status: 'SKIPPED', reason: 'A pipeline is already running for this recording' });
    expect(second.outcomes[1]?.status).toBe('STARTED');
    const runs = await prisma.pipelineRun.findMany({ where: { recordingId: { in: [a.id, b.id] } }, include: { steps: true } });
    expect(runs).toHaveLength(2);
    expect(runs.map((r) => globalId('PipelineRun', r.id)).sort()).toEqual([first.outcomes[0]?.pipelineRunId, second.outcomes[1]?.pipelineRunId].sort());
    expect(runs.every((r) => r.steps.length === 7)).toBe(true);
  });

  it('stage actions run only their stages; publish with nothing to publish is skipped', async () => {
    const withFile = await course(owner, 'Calculus 1', { sourceFileKey: 'tenants/x/recordings/y/source.mp4', status: 'DOWNLOADED' });
    const trim = await bulk({ ids: [gid(withFile)], action: 'TRIM', dryRun: true });
    expect(runnable(trim.outcomes[0])).toEqual(['TRIM']);
    expect(trim.outcomes[0]?.stages.find((s) => s.stage === 'DOWNLOAD')?.skipReason).toBe('The source file is already in storage');
    expect(trim.outcomes[0]?.stages.find((s) => s.stage === 'TRANSCRIBE')?.skipReason).toBe('Not part of this run');
    const transcribe = await bulk({ ids: [gid(withFile)], action: 'TRANSCRIBE', dryRun: true });
    expect(runnable(transcribe.outcomes[0])).toEqual(['TRANSCRIBE', 'TOPICS', 'SUBTITLES']);
    const topics = await bulk({ ids: [gid(withFile)], action: 'TOPICS', dryRun: true, overrides: { processingConfig: { topics: { enabled: false } } } });
    expect(topics.outcomes[0]).toMatchObject({ status: 'SKIPPED', reason: expect.stringMatching(/^Nothing to run: .*Topics are disabled/) });
    const publish = await bulk({ ids: [gid(withFile)], action: 'PUBLISH' });
    expect(publish.outcomes[0]).toMatchObject({ status: 'SKIPPED', reason: 'Nothing to run: No output presets are configured' });
    expect(await prisma.pipelineRun.count({ where: { recordingId: withFile.id } })).toBe(0);
  });

  it('deletes: the dry run keeps everything, the real one soft-deletes each recording', async () => {
    const a = await course(owner, 'Trash 1');
    const b = await course(owner, 'Trash 2');
    const before = await state(owner);
    const dry = await bulk({ ids: [gid(a), gid(b)], action: 'DELETE', dryRun: true });
    expect(dry.outcomes.map((o) => o.status)).toEqual(['PLANNED', 'PLANNED']);
    expect(await state(owner)).toEqual(before);
    const done = await bulk({ ids: [gid(a), gid(b), gid(a)], action: 'DELETE' });
    // Ids are taken once.
    expect(done.outcomes.map((o) => o.status)).toEqual(['DELETED', 'DELETED']);
    // Deleting is the soft delete of deleteRecording: restorable within the window, hidden from lists.
    expect(await prisma.recording.count({ where: { id: { in: [a.id, b.id] }, deleteState: 'SOFT', hardDeleteAt: { not: null } } })).toBe(2);
  });
});

describe('bulk by filter', () => {
  it('selects the newest matches up to the limit; pause affects running pipelines only', async () => {
    const running = await course(owner, 'Topology 1');
    const idle = await course(owner, 'Topology 2');
    await course(owner, 'Topology 3', { isBlank: true });
    await bulk({ ids: [gid(running)], action: 'RUN' });
    const filter = { search: 'topology' };

    const dry = await bulk({ filter, action: 'PAUSE', dryRun: true });
    // Blank recordings are left out by the filter (includeBlank: false).
    expect(dry.matchedCount).toBe(2);
    expect(Object.fromEntries(dry.outcomes.map((o) => [o.displayName, o.status]))).toEqual({ 'Topology 1': 'PLANNED', 'Topology 2': 'SKIPPED' });
    expect((await prisma.recording.findUniqueOrThrow({ where: { id: running.id } })).onPause).toBe(false);

    const paused = await bulk({ filter, action: 'PAUSE' });
    expect(Object.fromEntries(paused.outcomes.map((o) => [o.displayName, [o.status, o.reason]]))).toEqual({
      'Topology 1': ['PAUSED', null],
      'Topology 2': ['SKIPPED', 'The recording has no pipeline running'],
    });
    expect((await prisma.recording.findUniqueOrThrow({ where: { id: running.id } })).onPause).toBe(true);
    expect((await prisma.recording.findUniqueOrThrow({ where: { id: idle.id } })).onPause).toBe(false);

    const limited = await bulk({ filter: { search: 'topology', includeBlank: true }, limit: 2, action: 'RUN', dryRun: true });
    expect(limited.matchedCount).toBe(3);
    expect(limited.outcomes.map((o) => o.displayName)).toEqual(['Topology 3', 'Topology 2']);
  });

  it('a filter only ever reaches the caller\'s own recordings', async () => {
    await course(stranger, 'Shared name lecture');
    const mine = await course(owner, 'Shared name lecture');
    const before = await state(stranger);
    const result = await bulk({ filter: { search: 'shared name' }, action: 'DELETE' });
    expect(result.outcomes.map((o) => o.recordingId)).toEqual([gid(mine)]);
    expect(await state(stranger)).toEqual(before);
    // And the stranger with the owner's ids reaches nothing.
    const ownerBefore = await state(owner);
    const ids = ownerBefore.recordings.slice(0, 5).map(gid);
    for (const action of ['RUN', 'PAUSE', 'DELETE'] as const) {
      const theirs = await bulk({ ids, action }, stranger.accessToken);
      expect(theirs.outcomes.every((o) => o.status === 'FAILED' && o.reason === 'Recording not found')).toBe(true);
    }
    expect(await state(owner)).toEqual(ownerBefore);
  });
});

describe('limits and permissions', () => {
  it('refuses more than 200 recordings, a limit above 200, and ids with a filter together', async () => {
    const ids = Array.from({ length: 201 }, (_, i) => globalId('Recording', `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`));
    expect(await bulk({ ids, action: 'RUN', dryRun: true })).toMatchObject({ __typename: 'ValidationError', issues: [{ path: 'ids' }] });
    expect(await bulk({ filter: {}, limit: 201, action: 'RUN', dryRun: true })).toMatchObject({ __typename: 'ValidationError', issues: [{ path: 'limit' }] });
    expect(await bulk({ ids: ids.slice(0, 1), filter: {}, action: 'RUN' })).toMatchObject({ __typename: 'ValidationError' });
    expect(await bulk({ action: 'RUN' })).toMatchObject({ __typename: 'ValidationError' });
    // 200 is fine (all unknown here).
    const fine = await bulk({ ids: ids.slice(0, 200), action: 'DELETE', dryRun: true });
    expect(fine).toMatchObject({ __typename: 'BulkResult', failedCount: 200 });
  });

  it('each action needs the permission of its single-recording mutation', async () => {
    const recording = await course(owner, 'Permissions lecture');
    const viewer = await memberOf(app, owner, { role: 'VIEWER' });
    const noDelete = await memberOf(app, owner, { role: 'EDITOR', canDeleteRecordings: false, canProcessVideo: true, canTranscribe: false });
    const forbidden = async (token: string, action: string) => (await app.gql(BULK, { input: { ids: [gid(recording)], action, dryRun: true } }, token)).errors?.[0]?.extensions?.code;
    expect(await forbidden(viewer.accessToken, 'RUN')).toBe('FORBIDDEN');
    expect(await forbidden(noDelete.accessToken, 'DELETE')).toBe('FORBIDDEN');
    expect(await forbidden(noDelete.accessToken, 'TRANSCRIBE')).toBe('FORBIDDEN');
    expect(await forbidden(noDelete.accessToken, 'TOPICS')).toBe('FORBIDDEN');
    expect(await forbidden(noDelete.accessToken, 'RUN')).toBeUndefined();
    expect(await forbidden(noDelete.accessToken, 'PAUSE')).toBeUndefined();
    expect(await prisma.recording.count({ where: { id: recording.id } })).toBe(1);
  });
});

import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOBS } from '../../src/jobs/definitions.js';
import { assertHandlersComplete, jobHandlers } from '../../src/jobs/handlers.js';
import { forTenant, prisma } from '../../src/lib/db.js';
import { ConflictError, NotFoundError } from '../../src/lib/errors.js';
import { RetentionService } from '../../src/modules/recordings/retention.service.js';
import { recordingFileKey, recordingPrefix } from '../../src/modules/storage/storage.js';
import { rawId, registerUser, startTestApp, type RegisteredUser, type TestApp } from '../support/app.js';
import { makeLecture } from '../support/ingest.js';
import { stagedCopy } from '../support/staged.js';
import { globalId, memberOf } from '../support/templates.js';

// Retention (SPEC §7) with controlled time: soft delete and restore, auto-expiry, hard delete after
// the restore window (storage exact), temp-file sweep, and the maintenance jobs that run them.

const DAY = 24 * 3600 * 1000;
let app: TestApp;
let dir: string;
let lecture: string;
let owner: RegisteredUser;
let tenantId: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'leap-retention-'));
  lecture = await makeLecture(dir, 'lecture.mp4', 2);
  app = await startTestApp();
  owner = await registerUser(app);
  tenantId = rawId(owner.tenantId);
  await prisma.quotaOverride.create({ data: { tenantId, recordingsPerMonth: 1000 } });
}, 120_000);
afterAll(async () => {
  await app.close();
  await rm(dir, { recursive: true, force: true });
});

const upload = async (now: Date) => app.services.recordings.createFromUpload(tenantId, await stagedCopy(lecture, dir), {}, now);
const storageBytes = async (id = tenantId) => (await prisma.tenant.findUniqueOrThrow({ where: { id } })).storageBytes;
const files = (recordingId: string) => app.services.storage.list(recordingPrefix(tenantId, recordingId));
const rejection = (promise: Promise<unknown>) => promise.then(() => null, (e: unknown) => e);

const LIST = 'query($filter: RecordingFilter) { recordings(filter: $filter) { edges { node { id deleteState hardDeleteAt } } } }';
const listed = async (includeDeleted: boolean, token = owner.accessToken) =>
  (await app.gql<{ recordings: { edges: Array<{ node: { id: string; deleteState: string } }> } }>(LIST, { filter: { includeDeleted } }, token)).data!.recordings.edges.map((e) => e.node);

describe('soft delete and restore', () => {
  it('hides the recording, keeps its files and storage, and restores it within the window', async () => {
    const t0 = new Date('2026-10-01T09:00:00Z');
    const recording = await upload(t0);
    expect(recording.expireAt).toEqual(new Date(t0.getTime() + 90 * DAY));
    const before = await storageBytes();

    const deleted = await app.services.recordings.deleteRecording(tenantId, recording.id, t0);
    expect(deleted).toEqual({ id: recording.id, freedBytes: 0, deleteState: 'SOFT', hardDeleteAt: new Date(t0.getTime() + 7 * DAY) });
    expect(await files(recording.id)).toHaveLength(1);
    expect(await storageBytes()).toBe(before);
    const gid = globalId('Recording', recording.id);
    expect((await listed(false)).map((r) => r.id)).not.toContain(gid);
    expect((await listed(true)).find((r) => r.id === gid)).toMatchObject({ deleteState: 'SOFT' });

    const later = new Date(t0.getTime() + 6 * DAY);
    const restored = await app.services.recordings.restoreRecording(tenantId, recording.id, later);
    expect(restored).toMatchObject({ deleteState: 'ACTIVE', deletedAt: null, hardDeleteAt: null, expireAt: new Date(later.getTime() + 90 * DAY) });
    expect((await listed(false)).map((r) => r.id)).toContain(gid);
    expect(await rejection(app.services.recordings.restoreRecording(tenantId, recording.id, later))).toBeInstanceOf(ConflictError);
  });

  it("takes the plan's retention when it has one", async () => {
    const user = await registerUser(app);
    const plan = await prisma.plan.create({ data: { name: `short-${randomUUID().slice(0, 8)}`, displayName: 'Short retention', retentionDays: 30 } });
    await prisma.tenant.update({ where: { id: rawId(user.tenantId) }, data: { planId: plan.id } });
    const t0 = new Date('2026-10-05T09:00:00Z');
    const recording = await app.services.recordings.createFromUpload(rawId(user.tenantId), await stagedCopy(lecture, dir), {}, t0);
    expect(recording.expireAt).toEqual(new Date(t0.getTime() + 30 * DAY));
  });

  it('refuses a restore after the window, and answers NotFound for another tenant', async () => {
    const t0 = new Date('2026-10-02T09:00:00Z');
    const recording = await upload(t0);
    await app.services.recordings.deleteRecording(tenantId, recording.id, t0);
    expect(await rejection(app.services.recordings.restoreRecording(tenantId, recording.id, new Date(t0.getTime() + 7 * DAY + 1)))).toBeInstanceOf(ConflictError);

    const stranger = await registerUser(app);
    expect(await rejection(app.services.recordings.restoreRecording(rawId(stranger.tenantId), recording.id, t0))).toBeInstanceOf(NotFoundError);
    expect(await rejection(app.services.recordings.purgeRecording(rawId(stranger.tenantId), recording.id))).toBeInstanceOf(NotFoundError);
    const RESTORE = 'mutation($id: ID!) { restoreRecording(id: $id) { __typename ... on Error { code } } }';
    const res = await app.gql<{ restoreRecording: unknown }>(RESTORE, { id: globalId('Recording', recording.id) }, stranger.accessToken);
    expect(res.data?.restoreRecording).toEqual({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    expect((await prisma.recording.findUniqueOrThrow({ where: { id: recording.id } })).deleteState).toBe('SOFT');
  });

  it('cancels the pipeline of a recording being deleted', async () => {
    const row = await prisma.recording.create({ data: { tenantId, displayName: 'Running', sourceType: 'URL', sourceKey: 'running', status: 'INITIALIZED' } });
    const run = await app.services.pipeline.start(forTenant(tenantId), tenantId, row.id);
    await app.services.recordings.deleteRecording(tenantId, row.id);
    expect((await prisma.pipelineRun.findUniqueOrThrow({ where: { id: run.id } })).status).toBe('CANCELLED');
    const steps = await prisma.pipelineStep.findMany({ where: { runId: run.id } });
    expect(steps.every((s) => s.status === 'SKIPPED' || s.status === 'COMPLETED')).toBe(true);
  });

  it('purgeRecording is for workspace admins only', async () => {
    const recording = await upload(new Date());
    const editor = await memberOf(app, owner, { role: 'EDITOR' });
    const PURGE = 'mutation($id: ID!) { purgeRecording(id: $id) { __typename ... on DeletedRecording { freedBytes } } }';
    const refused = await app.gql(PURGE, { id: globalId('Recording', recording.id) }, editor.accessToken);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await files(recording.id)).toHaveLength(1);
    const admin = await memberOf(app, owner, { role: 'ADMIN' });
    const done = await app.gql<{ purgeRecording: { freedBytes: number } }>(PURGE, { id: globalId('Recording', recording.id) }, admin.accessToken);
    expect(done.data?.purgeRecording.freedBytes).toBe(Number(recording.sizeBytes));
  });
});

describe('retention jobs', () => {
  it('expires recordings after their retention, then hard-deletes them after the restore window; storage drops by exactly the freed bytes', async () => {
    const user = await registerUser(app);
    const id = rawId(user.tenantId);
    const t0 = new Date('2026-09-01T00:00:00Z');
    const recordings = [];
    for (let i = 0; i < 2; i += 1) recordings.push(await app.services.recordings.createFromUpload(id, await stagedCopy(lecture, dir), {}, t0));
    // An extra output of the first one (as trim would write): counted in storage, removed with it.
    const extra = Buffer.alloc(4321, 1);
    await app.services.storage.put(recordingFileKey(id, recordings[0]!.id, 'audio.mp3'), Readable.from([extra]));
    await prisma.tenant.update({ where: { id }, data: { storageBytes: { increment: extra.length } } });
    const total = await storageBytes(id);
    const scope = { tenantId: id };

    expect(await app.services.retention.expireRecordings(new Date(t0.getTime() + 89 * DAY), scope)).toEqual({ done: 0, failed: 0 });
    const expiredAt = new Date(t0.getTime() + 90 * DAY);
    expect(await app.services.retention.expireRecordings(expiredAt, scope)).toEqual({ done: 2, failed: 0 });
    const soft = await prisma.recording.findMany({ where: { tenantId: id } });
    expect(soft.map((r) => [r.deleteState, r.hardDeleteAt?.toISOString()])).toEqual(Array(2).fill(['SOFT', new Date(expiredAt.getTime() + 7 * DAY).toISOString()]));
    expect(await storageBytes(id)).toBe(total);

    expect(await app.services.retention.hardDeleteRecordings(new Date(expiredAt.getTime() + 7 * DAY - 1), scope)).toEqual({ done: 0, failed: 0 });
    await app.services.recordings.restoreRecording(id, recordings[1]!.id, new Date(expiredAt.getTime() + DAY));
    expect(await app.services.retention.hardDeleteRecordings(new Date(expiredAt.getTime() + 7 * DAY), scope)).toEqual({ done: 1, failed: 0 });

    expect(await prisma.recording.findUnique({ where: { id: recordings[0]!.id } })).toBeNull();
    expect(await app.services.storage.list(recordingPrefix(id, recordings[0]!.id))).toEqual([]);
    const kept = await app.services.storage.list(recordingPrefix(id, recordings[1]!.id));
    expect(await storageBytes(id)).toBe(BigInt(kept.reduce((sum, o) => sum + o.sizeBytes, 0)));
    expect(await storageBytes(id)).toBe(total - BigInt(Number(recordings[0]!.sizeBytes) + extra.length));
    const events = await prisma.usageEvent.findMany({ where: { tenantId: id, type: 'RECORDING_DELETED', bytesDelta: { not: null } } });
    expect(events.map((e) => e.bytesDelta)).toEqual([-BigInt(Number(recordings[0]!.sizeBytes) + extra.length)]);
  });

  it('sweeps temp files older than the limit and the folders they leave empty', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'leap-sweep-'));
    const now = new Date('2026-12-01T12:00:00Z');
    const old = new Date(now.getTime() - 7 * 3600 * 1000);
    const recent = new Date(now.getTime() - 5 * 3600 * 1000);
    const put = async (rel: string, at: Date, bytes = 10) => {
      await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
      await writeFile(path.join(root, rel), Buffer.alloc(bytes));
      await utimes(path.join(root, rel), at, at);
    };
    await put('upload-abc', old, 100);
    await put('ingest/t1/r1/source.part', old, 50);
    await put('ingest/t1/r2/source.part', recent);
    await put('trim-x/work.wav', recent);
    for (const folder of ['ingest/t1/r1', 'ingest/t1', 'ingest']) await utimes(path.join(root, folder), old, old);

    const sweeper = new RetentionService(prisma, app.services.recordings, { tempRoots: [root], tempMaxAgeHours: 6 });
    expect(await sweeper.sweepTempFiles(now)).toEqual({ files: 2, bytes: 150 });
    expect((await readdir(root, { recursive: true })).sort()).toEqual(['ingest', 'ingest/t1', 'ingest/t1/r2', 'ingest/t1/r2/source.part', 'trim-x', 'trim-x/work.wav']);
    await rm(root, { recursive: true, force: true });
  });

  it('runs as scheduled maintenance jobs with registered handlers', () => {
    for (const name of ['maintenance.expire-recordings', 'maintenance.hard-delete-recordings', 'maintenance.sweep-temp-files'] as const) {
      expect(JOBS[name]).toMatchObject({ queue: 'maintenance', schedule: expect.any(String) });
      expect(typeof jobHandlers[name]).toBe('function');
    }
    expect(() => assertHandlersComplete(jobHandlers)).not.toThrow();
  });
});

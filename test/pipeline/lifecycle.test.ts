import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prisma } from '../../src/lib/db.js';
import { rawId, type RegisteredUser, type TestApp } from '../support/app.js';
import { startPipelineFixture, type PipelineFixture } from '../support/pipeline-fixture.js';
import { isRunEnd, RECORDING_PROGRESS, recordEvents, startPipeline } from '../support/pipeline.js';

// Pause, resume, cancel, a failed step and its retry, reset — with the workers in a child process.

let fixture: PipelineFixture;
let app: TestApp;
let owner: RegisteredUser;

beforeAll(async () => {
  fixture = await startPipelineFixture('lifecycle');
  ({ app, owner } = fixture);
}, 120_000);

afterAll(() => fixture?.close());

const upload = (name: string) => fixture.upload(name);

const mutate = async (field: string, args: string, variables: Record<string, unknown>, select = '... on Recording { id status onPause }') => {
  const res = await app.gql<Record<string, Record<string, unknown>>>(
    `mutation(${args}) { ${field}(${Object.keys(variables).map((k) => `${k}: $${k}`).join(', ')}) { __typename ${select} ... on Error { code message } } }`,
    variables,
    owner.accessToken,
  );
  if (!res.data) throw new Error(JSON.stringify(res));
  return res.data[field]!;
};

const latestRun = (recordingId: string) =>
  prisma.pipelineRun.findFirstOrThrow({ where: { recordingId }, orderBy: { createdAt: 'desc' }, include: { steps: { orderBy: { stage: 'asc' } } } });

describe('pause and resume', () => {
  it('stops after the running step and goes on from there when resumed', async () => {
    const recording = await upload('Paused lecture');
    const events = recordEvents(app.ws(owner.accessToken), RECORDING_PROGRESS, { id: recording.id }, 'recordingProgress');
    await startPipeline(app, owner.accessToken, recording.id);
    expect(await mutate('pauseRecording', '$recordingId: ID!', { recordingId: recording.id })).toMatchObject({ __typename: 'Recording', onPause: true });
    await events.until((e) => e.kind === 'RUN' && e.status === 'PAUSED');

    const paused = await latestRun(recording.raw);
    expect(paused.status).toBe('PAUSED');
    expect(paused.steps.filter((s) => s.status === 'RUNNING')).toEqual([]);
    expect(paused.steps.some((s) => s.status === 'PENDING')).toBe(true);
    expect(await mutate('pauseRecording', '$recordingId: ID!', { recordingId: recording.id })).toMatchObject({ __typename: 'ConflictError' });

    expect(await mutate('resumeRecording', '$recordingId: ID!', { recordingId: recording.id })).toMatchObject({ __typename: 'Recording', onPause: false });
    const end = await events.until(isRunEnd);
    events.stop();
    expect(end.status).toBe('COMPLETED');
    expect((await latestRun(recording.raw)).steps.find((s) => s.stage === 'TRIM')?.status).toBe('COMPLETED');
  });

  it('refuses to pause or resume a recording with nothing running', async () => {
    const recording = await upload('Idle lecture');
    expect(await mutate('pauseRecording', '$recordingId: ID!', { recordingId: recording.id })).toMatchObject({ __typename: 'ConflictError' });
    expect(await mutate('resumeRecording', '$recordingId: ID!', { recordingId: recording.id })).toMatchObject({ __typename: 'ConflictError' });
  });
});

describe('cancel', () => {
  it('skips every stage that has not run and ends the run', async () => {
    const recording = await upload('Cancelled lecture');
    const events = recordEvents(app.ws(owner.accessToken), RECORDING_PROGRESS, { id: recording.id }, 'recordingProgress');
    await startPipeline(app, owner.accessToken, recording.id);
    const cancelled = await mutate('cancelPipeline', '$recordingId: ID!', { recordingId: recording.id }, '... on PipelineRun { status }');
    expect(cancelled).toMatchObject({ __typename: 'PipelineRun', status: 'CANCELLED' });
    await events.until((e) => e.kind === 'RUN' && e.status === 'CANCELLED');
    events.stop();
    // A stage that was already running finishes; nothing after it starts.
    let run = await latestRun(recording.raw);
    for (let i = 0; i < 120 && run.steps.some((s) => s.status === 'RUNNING'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      run = await latestRun(recording.raw);
    }
    expect(run.status).toBe('CANCELLED');
    expect(run.steps.filter((s) => s.status === "PENDING" || s.status === "RUNNING").map((s) => [s.stage, s.status, s.message, s.error])).toEqual([]);
    expect(run.steps.filter((s) => s.skipReason === 'Cancelled').length).toBeGreaterThan(0);
    expect(await mutate('cancelPipeline', '$recordingId: ID!', { recordingId: recording.id }, '')).toMatchObject({ __typename: 'ConflictError' });
    // A new run can start after a cancelled one.
    await startPipeline(app, owner.accessToken, recording.id);
  });
});

describe('a failing step', () => {
  it('fails at once on an error retrying cannot fix, marks the recording failed, and retryStep goes on', async () => {
    const recording = await upload('Broken lecture');
    const row = await prisma.recording.findUniqueOrThrow({ where: { id: recording.raw } });
    const sourceKey = row.sourceFileKey!;
    // The source file disappears from storage: TRIM cannot do anything about it.
    const kept = path.join(fixture.scratch.dir, 'kept-source.mp4');
    await app.services.storage.getToFile(sourceKey, kept);
    await app.services.storage.delete(sourceKey);

    const events = recordEvents(app.ws(owner.accessToken), RECORDING_PROGRESS, { id: recording.id }, 'recordingProgress');
    await startPipeline(app, owner.accessToken, recording.id);
    const failed = await events.until(isRunEnd);
    expect(failed.status).toBe('FAILED');
    let run = await latestRun(recording.raw);
    const trim = run.steps.find((s) => s.stage === 'TRIM')!;
    expect(trim).toMatchObject({ status: 'FAILED', attempts: 1 });
    expect(trim.error).toMatch(/not found/i);
    expect(run.steps.find((s) => s.stage === 'TRANSCRIBE')?.status).toBe('PENDING');
    expect(await prisma.recording.findUniqueOrThrow({ where: { id: recording.raw } })).toMatchObject({ failed: true, failedStage: 'TRIM', status: 'DOWNLOADED' });

    expect(await mutate('retryStep', '$recordingId: ID!, $stage: Stage!', { recordingId: recording.id, stage: 'TRANSCRIBE' }, '')).toMatchObject({ __typename: 'ConflictError' });
    await app.services.storage.putFile(sourceKey, kept);
    const retried = await mutate('retryStep', '$recordingId: ID!, $stage: Stage!', { recordingId: recording.id, stage: 'TRIM' }, '... on PipelineRun { status }');
    expect(retried).toMatchObject({ __typename: 'PipelineRun', status: 'RUNNING' });
    await events.until((e) => e.kind === 'RUN' && e.status === 'COMPLETED');
    events.stop();
    run = await latestRun(recording.raw);
    expect(run.steps.find((s) => s.stage === 'TRIM')).toMatchObject({ status: 'COMPLETED', error: null });
    expect(await prisma.recording.findUniqueOrThrow({ where: { id: recording.raw } })).toMatchObject({ failed: false, failedStage: null });
  });
});

describe('quotas in the pipeline', () => {
  it('fails TRANSCRIBE at once when the month has no transcription minutes left', async () => {
    const tenantId = rawId(owner.tenantId);
    await prisma.quotaOverride.update({ where: { tenantId }, data: { transcriptionMinutesPerMonth: 0 } });
    try {
      const recording = await upload('Over quota');
      const events = recordEvents(app.ws(owner.accessToken), RECORDING_PROGRESS, { id: recording.id }, 'recordingProgress');
      await startPipeline(app, owner.accessToken, recording.id);
      const end = await events.until(isRunEnd);
      events.stop();
      expect(end.status).toBe('FAILED');
      const transcribe = (await latestRun(recording.raw)).steps.find((s) => s.stage === 'TRANSCRIBE')!;
      expect(transcribe).toMatchObject({ status: 'FAILED', attempts: 1 });
      expect(transcribe.error).toMatch(/transcriptionMinutesPerMonth/);
    } finally {
      await prisma.quotaOverride.update({ where: { tenantId }, data: { transcriptionMinutesPerMonth: null } });
    }
  });
});

describe('reset', () => {
  it('removes runs and made files, keeps an uploaded source, and frees the storage exactly', async () => {
    const recording = await upload('Reset lecture');
    const events = recordEvents(app.ws(owner.accessToken), RECORDING_PROGRESS, { id: recording.id }, 'recordingProgress');
    await startPipeline(app, owner.accessToken, recording.id);
    await events.until(isRunEnd);
    events.stop();
    const tenantId = rawId(owner.tenantId);
    const before = await prisma.tenant.findUniqueOrThrow({ where: { id: tenantId } });
    const made = (await prisma.recording.findUniqueOrThrow({ where: { id: recording.raw } })).videoFileKey;
    expect(made).toMatch(/video\.mp4$/);

    const reset = await mutate('resetRecording', '$recordingId: ID!, $deleteFiles: Boolean', { recordingId: recording.id, deleteFiles: true });
    expect(reset).toMatchObject({ __typename: 'Recording', status: 'DOWNLOADED' });
    const row = await prisma.recording.findUniqueOrThrow({ where: { id: recording.raw } });
    expect(row).toMatchObject({ videoFileKey: null, audioFileKey: null, posterFileKey: null, edl: null });
    expect(await app.services.storage.exists(row.sourceFileKey!)).toBe(true);
    expect(await app.services.storage.exists(made!)).toBe(false);
    expect(await prisma.pipelineRun.count({ where: { recordingId: recording.raw } })).toBe(0);
    const after = await prisma.tenant.findUniqueOrThrow({ where: { id: tenantId } });
    const files = await app.services.storage.list(`tenants/${tenantId}/`);
    expect(Number(after.storageBytes)).toBe(files.reduce((sum, f) => sum + f.sizeBytes, 0));
    expect(after.storageBytes).toBeLessThan(before.storageBytes);
  });
});

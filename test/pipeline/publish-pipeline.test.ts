import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prisma } from '../../src/lib/db.js';
import { rawId, type RegisteredUser, type TestApp } from '../support/app.js';
import { startPipelineFixture, type PipelineFixture } from '../support/pipeline-fixture.js';
import { isRunEnd, RECORDING_PROGRESS, recordEvents, startPipeline } from '../support/pipeline.js';

// PUBLISH in the pipeline: one job per output target, the recording READY when all are uploaded,
// and an uploaded target never uploaded again. The export package goes to LEAP's own storage.

let fixture: PipelineFixture;
let app: TestApp;
let owner: RegisteredUser;
let presetId: string;

beforeAll(async () => {
  fixture = await startPipelineFixture('publish-pipeline');
  ({ app, owner } = fixture);
  const created = await app.gql<{ createOutputPreset: { __typename: string; id: string } }>(
    'mutation($input: CreateOutputPresetInput!) { createOutputPreset(input: $input) { __typename ... on OutputPreset { id } ... on Error { message } } }',
    { input: { name: 'Archive package', platform: 'S3_EXPORT' } },
    owner.accessToken,
  );
  expect(created.data?.createOutputPreset.__typename, JSON.stringify(created)).toBe('OutputPreset');
  presetId = created.data!.createOutputPreset.id;
}, 120_000);

afterAll(() => fixture?.close());

const upload = async (name: string) => (await fixture.upload(name)).id;

describe('PUBLISH', () => {
  it('publishes automatically to the configured preset, and the recording is READY', { timeout: 180_000 }, async () => {
    const recordingId = await upload('Published lecture');
    const events = recordEvents(app.ws(owner.accessToken), RECORDING_PROGRESS, { id: recordingId }, 'recordingProgress');
    await startPipeline(app, owner.accessToken, recordingId, { overrides: { outputConfig: { presetIds: [presetId], autoUpload: true } } });
    const end = await events.until(isRunEnd, 170_000);
    events.stop();
    expect(end).toMatchObject({ status: 'COMPLETED', recordingStatus: 'READY' });
    expect(events.events.some((e) => e.stage === 'PUBLISH' && e.status === 'RUNNING')).toBe(true);

    const targets = await prisma.outputTarget.findMany({ where: { recordingId: rawId(recordingId) } });
    expect(targets).toHaveLength(1);
    expect(targets[0]).toMatchObject({ platform: 'S3_EXPORT', status: 'UPLOADED', attempts: 1 });
    const run = await prisma.pipelineRun.findFirstOrThrow({ where: { recordingId: rawId(recordingId) }, include: { steps: true } });
    expect(run.steps.find((s) => s.stage === 'PUBLISH')?.message).toBe('Published to 1 of 1 targets');

    // publishRecording again: the target is uploaded already, so nothing is uploaded twice.
    const again = recordEvents(app.ws(owner.accessToken), RECORDING_PROGRESS, { id: recordingId }, 'recordingProgress');
    const res = await app.gql<{ publishRecording: { __typename: string; id: string } }>(
      'mutation($id: ID!, $presets: [ID!]!) { publishRecording(recordingId: $id, presetIds: $presets) { __typename ... on PipelineRun { id } ... on Error { message } } }',
      { id: recordingId, presets: [presetId] },
      owner.accessToken,
    );
    expect(res.data?.publishRecording.__typename, JSON.stringify(res)).toBe('PipelineRun');
    await again.until((e) => isRunEnd(e) && e.runId === res.data!.publishRecording.id);
    again.stop();
    const after = await prisma.outputTarget.findMany({ where: { recordingId: rawId(recordingId) } });
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ status: 'UPLOADED', attempts: 1, uploadedAt: targets[0]!.uploadedAt });
    expect((await prisma.recording.findUniqueOrThrow({ where: { id: rawId(recordingId) } })).status).toBe('READY');
  });

  it('does not publish automatically when automatic upload is off', { timeout: 180_000 }, async () => {
    const recordingId = await upload('Unpublished lecture');
    const events = recordEvents(app.ws(owner.accessToken), RECORDING_PROGRESS, { id: recordingId }, 'recordingProgress');
    await startPipeline(app, owner.accessToken, recordingId, { overrides: { outputConfig: { presetIds: [presetId] }, processingConfig: { transcription: { enabled: false } } } });
    const end = await events.until(isRunEnd, 170_000);
    events.stop();
    expect(end).toMatchObject({ status: 'COMPLETED', recordingStatus: 'PROCESSED' });
    expect(await prisma.outputTarget.count({ where: { recordingId: rawId(recordingId) } })).toBe(0);
  });
});

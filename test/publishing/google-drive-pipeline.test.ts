import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { config } from '../../src/config.js';
import { prisma } from '../../src/lib/db.js';
import { rawId, registerUser, startTestApp, type RegisteredUser, type TestApp } from '../support/app.js';
import { startFakeGoogleDrive, type FakeGoogleDrive } from '../support/fake-google-drive.js';
import { startFakeOAuth, type FakeOAuthServer } from '../support/fake-oauth.js';
import { isRunEnd, RECORDING_PROGRESS, recordEvents, startWorkerProcess, type WorkerProcess } from '../support/pipeline.js';
import { makePublishMedia, publishableRecording, type PublishMedia } from '../support/publishing.js';
import { ERROR_FIELDS, globalId } from '../support/templates.js';

// PUBLISH to a GOOGLE_DRIVE preset the way production runs it: the preset made over GraphQL,
// publishRecording over GraphQL, the job done by a real worker process whose Drive API root and
// Google token endpoint point at the local servers (the account's expired token is renewed there).

const CHUNK = 256 * 1024;
let oauth: FakeOAuthServer;
let drive: FakeGoogleDrive;
let media: PublishMedia;
let app: TestApp;
let worker: WorkerProcess;
let owner: RegisteredUser;

beforeAll(async () => {
  oauth = await startFakeOAuth();
  drive = await startFakeGoogleDrive((token) => oauth.accessTokens.has(token));
  media = await makePublishMedia();
  [app, worker] = await Promise.all([
    startTestApp({ services: { oauth: oauth.settings, platforms: { ...config.platforms, googleDrive: { apiRoot: drive.rootUrl, chunkBytes: CHUNK } } } }),
    startWorkerProcess({ GOOGLE_DRIVE_API_ROOT: drive.rootUrl, GOOGLE_DRIVE_UPLOAD_CHUNK_BYTES: String(CHUNK), GOOGLE_TOKEN_URL: oauth.settings.google.tokenUrl }),
  ]);
  owner = await registerUser(app);
}, 120_000);
afterAll(async () => {
  await worker?.kill();
  await app?.close();
  await media.cleanup();
  await drive.close();
  await oauth.close();
});

describe('PUBLISH to Google Drive', () => {
  it('a worker uploads the recording into the rendered folder and the recording is READY', { timeout: 120_000 }, async () => {
    const tenantId = rawId(owner.tenantId);
    const credential = await app.services.credentials.create(tenantId, {
      platform: 'GOOGLE_DRIVE',
      accountName: 'lecturer@example.test',
      secret: { kind: 'oauth', ...oauth.grant('lecturer@example.test'), expiresAt: new Date(Date.now() - 60_000).toISOString(), clientId: 'google-client', clientSecret: 'google-client-secret-value' },
    });
    const created = await app.gql<{ createOutputPreset: { __typename: string; id: string } }>(
      `mutation($input: CreateOutputPresetInput!) { createOutputPreset(input: $input) { ${ERROR_FIELDS} ... on OutputPreset { id } } }`,
      { input: { name: 'Course Drive', platform: 'GOOGLE_DRIVE', credentialId: globalId('Credential', credential.id), metadata: { folderPathTemplate: '/Courses/{{ record_date_iso }}', sidecars: { srt: true } } } },
      owner.accessToken,
    );
    expect(created.data?.createOutputPreset.__typename, JSON.stringify(created)).toBe('OutputPreset');
    const recording = await publishableRecording(app.services.storage, tenantId, media, { files: ['srt'] });
    const recordingId = globalId('Recording', recording.id);

    const events = recordEvents(app.ws(owner.accessToken), RECORDING_PROGRESS, { id: recordingId }, 'recordingProgress');
    const res = await app.gql<{ publishRecording: { __typename: string; id: string } }>(
      `mutation($id: ID!, $presets: [ID!]!) { publishRecording(recordingId: $id, presetIds: $presets) { ${ERROR_FIELDS} ... on PipelineRun { id } } }`,
      { id: recordingId, presets: [created.data?.createOutputPreset.id] },
      owner.accessToken,
    );
    expect(res.data?.publishRecording.__typename, JSON.stringify(res)).toBe('PipelineRun');
    const end = await events.until(isRunEnd, 110_000);
    events.stop();
    expect(end).toMatchObject({ status: 'COMPLETED', recordingStatus: 'READY' });

    const video = drive.at('/Courses/2026-02-10/Линейная алгебра лекция 3.mp4');
    expect(video?.data?.equals(media.video)).toBe(true);
    expect(drive.at('/Courses/2026-02-10/Линейная алгебра лекция 3.srt')).toBeDefined();
    const [target] = await prisma.outputTarget.findMany({ where: { recordingId: recording.id } });
    expect(target).toMatchObject({ platform: 'GOOGLE_DRIVE', status: 'UPLOADED', remoteId: video?.id, url: `https://drive.google.com/file/d/${video?.id}/view?usp=drivesdk`, attempts: 1 });
    // The worker renewed the expired token at the (local) Google token endpoint.
    expect(oauth.requests.some((r) => r.path === '/token' && r.grantType === 'refresh_token')).toBe(true);
  });
});

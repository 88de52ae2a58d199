import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { config } from '../../src/config.js';
import { prisma } from '../../src/lib/db.js';
import { RateLimitedError } from '../../src/lib/errors.js';
import { createRedis } from '../../src/lib/redis.js';
import { createServices, type Services } from '../../src/services.js';
import { rawId, registerUser, startTestApp, type TestApp } from '../support/app.js';
import { FOLDER, startFakeGoogleDrive, type FakeGoogleDrive } from '../support/fake-google-drive.js';
import { startFakeOAuth, type FakeOAuthServer } from '../support/fake-oauth.js';
import { makePublishMedia, presetOf, publishableRecording, SUBTITLES_SRT, SUBTITLES_VTT, type PublishMedia } from '../support/publishing.js';
import { ERROR_FIELDS, globalId } from '../support/templates.js';

// Publishing to Google Drive against a local Drive v3: rendered folders found or created, resumable
// chunks, sidecars, webViewLink; a retry after a crash continues the same upload session, and a
// retry whose checkpoint was lost finds the uploaded files by their tag instead of uploading again.

const redis = createRedis();
const CHUNK = 256 * 1024;
let oauth: FakeOAuthServer;
let drive: FakeGoogleDrive;
let media: PublishMedia;
let services: Services;
let tenantId: string;

async function account() {
  const tokens = oauth.grant('drive-owner@example.test');
  const credential = await services.credentials.create(tenantId, {
    platform: 'GOOGLE_DRIVE',
    accountName: `drive ${randomBytes(3).toString('hex')}`,
    secret: { kind: 'oauth', ...tokens, expiresAt: new Date(Date.now() + 3600_000).toISOString(), clientId: 'google-client', clientSecret: 'google-client-secret-value' },
  });
  return { credential, tokens };
}

async function publish(presetId: string, options: Parameters<typeof publishableRecording>[3] = {}) {
  const recording = await publishableRecording(services.storage, tenantId, media, options);
  const [target] = await services.publishing.ensureTargets(tenantId, recording.id, [presetId]);
  const targetId = target?.id ?? '';
  return { targetId, run: () => services.publishing.publishTarget(tenantId, targetId) };
}

const count = (entry: string) => drive.log.filter((l) => l === entry).length;

beforeAll(async () => {
  oauth = await startFakeOAuth();
  drive = await startFakeGoogleDrive((token) => oauth.accessTokens.has(token));
  media = await makePublishMedia();
  services = createServices({ prisma, redis, oauth: oauth.settings, platforms: { ...config.platforms, googleDrive: { apiRoot: drive.rootUrl, chunkBytes: CHUNK } } });
  tenantId = (await prisma.tenant.create({ data: { name: 'Drive faculty' } })).id;
});
afterAll(async () => {
  await media.cleanup();
  await drive.close();
  await oauth.close();
  redis.disconnect();
});
beforeEach(() => {
  drive.outageAfterChunk = null;
  drive.rateLimited = 0;
});

describe('Google Drive publishing', () => {
  it('uploads in resumable chunks into rendered folders (existing ones reused), with sidecars and the webViewLink', async () => {
    const { credential } = await account();
    const lectures = drive.addFolder('Лекции');
    const preset = await presetOf(tenantId, 'GOOGLE_DRIVE', credential.id, {
      folderPathTemplate: '/Лекции/{{ record_time | date: "%Y" }}/Алгебра',
      filenameTemplate: '{{ record_date_iso }} {{ display_name }}',
      descriptionTemplate: '{{ summary }}',
      sidecars: { srt: true, vtt: true, transcript: true, description: true },
    });
    const { targetId, run } = await publish(preset.id);
    drive.log = [];
    const outcome = await run();

    const base = '/Лекции/2026/Алгебра/2026-02-10 Линейная алгебра лекция 3';
    const video = drive.at(`${base}.mp4`);
    expect(video?.data?.equals(media.video)).toBe(true);
    expect(outcome).toEqual({ status: 'UPLOADED', url: `https://drive.google.com/file/d/${video?.id}/view?usp=drivesdk` });
    expect(video).toMatchObject({ mimeType: 'video/mp4', description: 'Матрицы и определители.', appProperties: { leapTarget: `${targetId}.video` } });
    expect(count('POST /upload/drive/v3/files?resumable')).toBe(1);
    expect(count('PUT /upload/drive/v3/files?resumable')).toBe(Math.ceil(media.video.length / CHUNK));
    expect(drive.at(`${base}.srt`)?.data?.toString()).toBe(SUBTITLES_SRT);
    expect(drive.at(`${base}.vtt`)?.data?.toString()).toBe(SUBTITLES_VTT);
    expect(drive.at(`${base}_transcription.txt`)?.data?.toString()).toBe('Здравствуйте, коллеги\n');
    expect(drive.at(`${base}_description.txt`)?.data?.toString()).toBe('Линейная алгебра: лекция 3\n\nМатрицы и определители.\n');
    // The existing folder was found by name, the two below it created once.
    expect(drive.childrenOf('root').filter((i) => i.name === 'Лекции')).toHaveLength(1);
    expect(drive.at('/Лекции/2026')?.parents).toEqual([lectures]);
    expect(drive.at('/Лекции/2026/Алгебра')?.mimeType).toBe(FOLDER);

    const stored = await prisma.outputTarget.findUniqueOrThrow({ where: { id: targetId } });
    expect(stored).toMatchObject({ status: 'UPLOADED', remoteId: video?.id, url: outcome.url, attempts: 1 });
    expect(Object.keys((stored.meta as { sidecars: object }).sidecars)).toHaveLength(4);
    expect(stored.meta).not.toHaveProperty('uploadSession');
  });

  it('a crash mid-upload continues the same session; a lost checkpoint finds the uploaded files instead of uploading again', async () => {
    const { credential } = await account();
    const preset = await presetOf(tenantId, 'GOOGLE_DRIVE', credential.id, { folderPathTemplate: '/Crash', sidecars: { srt: true } });
    const { targetId, run } = await publish(preset.id, { displayName: 'Crash course', files: ['srt'] });
    drive.log = [];
    drive.outageAfterChunk = 3;
    await expect(run()).rejects.toThrow(/HTTP 503/);
    const failed = await prisma.outputTarget.findUniqueOrThrow({ where: { id: targetId } });
    expect(failed.status).toBe('FAILED');
    expect(failed.meta).toHaveProperty('uploadSession.uri');

    drive.outageAfterChunk = null;
    expect((await run()).status).toBe('UPLOADED');
    expect(count('POST /upload/drive/v3/files?resumable')).toBe(1);
    expect(drive.childrenOf(drive.at('/Crash')?.id ?? '').map((i) => i.name).sort()).toEqual(['Crash course.mp4', 'Crash course.srt']);
    expect(drive.at('/Crash/Crash course.mp4')?.data?.equals(media.video)).toBe(true);

    // Everything LEAP knew about the attempt is gone, the files on Drive are not.
    const uploaded = await prisma.outputTarget.findUniqueOrThrow({ where: { id: targetId } });
    await prisma.outputTarget.update({ where: { id: targetId }, data: { status: 'FAILED', meta: {} } });
    drive.log = [];
    expect((await run()).url).toBe(uploaded.url);
    expect(count('POST /upload/drive/v3/files?resumable') + count('POST /upload/drive/v3/files?multipart')).toBe(0);
    expect(drive.childrenOf(drive.at('/Crash')?.id ?? '')).toHaveLength(2);
    expect(await prisma.outputTarget.findUniqueOrThrow({ where: { id: targetId } })).toMatchObject({ status: 'UPLOADED', remoteId: uploaded.remoteId });
  });

  it('renews the token after a 401, treats throttling as a rate limit, and publishes into a shared drive folder', async () => {
    const { credential, tokens } = await account();
    oauth.revoke(tokens.accessToken);
    const shared = drive.addFolder('Department', 'root', { driveId: 'shared-drive-1' });
    const preset = await presetOf(tenantId, 'GOOGLE_DRIVE', credential.id, { rootFolderId: shared, folderPathTemplate: '/Recordings' });
    const { targetId, run } = await publish(preset.id, { displayName: 'Seminar', files: [] });
    drive.rateLimited = 1;
    await expect(run()).rejects.toBeInstanceOf(RateLimitedError);
    expect((await prisma.credential.findUniqueOrThrow({ where: { id: credential.id } })).needsReauth).toBe(false);
    expect((await run()).status).toBe('UPLOADED');
    const folder = drive.childrenOf(shared).find((i) => i.name === 'Recordings');
    expect(drive.childrenOf(folder?.id ?? '').map((i) => [i.name, i.driveId])).toEqual([['Seminar.mp4', 'shared-drive-1']]);
    expect(await prisma.outputTarget.findUniqueOrThrow({ where: { id: targetId } })).toMatchObject({ status: 'UPLOADED', attempts: 2 });
    expect(oauth.requests.some((r) => r.grantType === 'refresh_token')).toBe(true);
  });

  it('republishes metadata: the video description and the sidecars are rewritten in place', async () => {
    const { credential } = await account();
    const preset = await presetOf(tenantId, 'GOOGLE_DRIVE', credential.id, { folderPathTemplate: '/Republish', descriptionTemplate: 'first', sidecars: { description: true, srt: true } });
    const { targetId, run } = await publish(preset.id, { displayName: 'Edited', files: ['srt'] });
    await run();
    const before = drive.childrenOf(drive.at('/Republish')?.id ?? '').map((i) => i.id).sort();
    await prisma.outputPreset.update({ where: { id: preset.id }, data: { metadata: { ...(preset.metadata as object), descriptionTemplate: 'second' } } });
    await services.publishing.republishMetadata(tenantId, targetId);
    expect(drive.at('/Republish/Edited.mp4')?.description).toBe('second');
    expect(drive.at('/Republish/Edited_description.txt')?.data?.toString()).toBe('Edited\n\nsecond\n');
    expect(drive.childrenOf(drive.at('/Republish')?.id ?? '').map((i) => i.id).sort()).toEqual(before);
  });
});

describe('Google Drive presets over GraphQL', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ services: { oauth: oauth.settings } });
  });
  afterAll(() => app.close());

  it('fills the defaults and refuses accounts of another platform and bad folder ids', async () => {
    const owner = await registerUser(app);
    const drive = await app.services.credentials.create(rawId(owner.tenantId), { platform: 'GOOGLE_DRIVE', accountName: 'Drive', secret: { ...oauth.grant('a'), clientId: 'google-client', clientSecret: 'google-client-secret-value' } });
    const youtube = await app.services.credentials.create(rawId(owner.tenantId), { platform: 'YOUTUBE', accountName: 'Channel', secret: { ...oauth.grant('b'), clientId: 'google-client', clientSecret: 'google-client-secret-value' } });
    const CREATE = `mutation($input: CreateOutputPresetInput!) { createOutputPreset(input: $input) { ${ERROR_FIELDS} ... on OutputPreset { platform metadata } } }`;
    const create = async (input: Record<string, unknown>) => (await app.gql<{ createOutputPreset: { __typename: string; metadata?: unknown; issues?: Array<{ path: string }> } }>(CREATE, { input }, owner.accessToken)).data?.createOutputPreset;
    expect(await create({ name: 'Drive', platform: 'GOOGLE_DRIVE', credentialId: globalId('Credential', drive.id) })).toMatchObject({
      __typename: 'OutputPreset',
      metadata: { rootFolderId: 'root', folderPathTemplate: '/Video/Uploads', filenameTemplate: '{{ display_name }}', sidecars: { srt: false, vtt: false, transcript: false, description: false } },
    });
    expect((await create({ name: 'Wrong', platform: 'GOOGLE_DRIVE', credentialId: globalId('Credential', youtube.id) }))?.__typename).toBe('ValidationError');
    const bad = await create({ name: 'Bad', platform: 'GOOGLE_DRIVE', credentialId: globalId('Credential', drive.id), metadata: { rootFolderId: "x' or '1" } });
    expect(bad?.issues?.map((i) => i.path)).toContain('metadata.rootFolderId');
  });
});

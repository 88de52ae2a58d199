import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { config } from '../../src/config.js';
import { prisma } from '../../src/lib/db.js';
import { rawId, registerUser, startTestApp, type RegisteredUser, type TestApp } from '../support/app.js';
import { startFakeOAuth, type FakeOAuthServer } from '../support/fake-oauth.js';
import { startFakeYouTube, type FakeYouTube } from '../support/fake-youtube.js';
import { makePublishMedia, publishableRecording, type PublishMedia } from '../support/publishing.js';
import { captureLogs } from '../support/log-capture.js';
import { ERROR_FIELDS, globalId, memberOf } from '../support/templates.js';

const TARGETS = `query($id: ID!) { recording(id: $id) { outputTargets { id platform status url remoteId error attempts retryAt uploadedAt preset { name credentialAccountName } } } }`;
const REPUBLISH = `mutation($id: ID!) { republishMetadata(targetId: $id) { ${ERROR_FIELDS} ... on OutputTarget { id status url } } }`;
const CREATE_PRESET = `mutation($input: CreateOutputPresetInput!) { createOutputPreset(input: $input) { ${ERROR_FIELDS} ... on OutputPreset { id credentialId credentialAccountName } } }`;

let app: TestApp;
let oauth: FakeOAuthServer;
let yt: FakeYouTube;
let media: PublishMedia;
let owner: RegisteredUser;
let logs: ReturnType<typeof captureLogs>;

beforeAll(async () => {
  logs = captureLogs();
  oauth = await startFakeOAuth();
  yt = await startFakeYouTube((token) => oauth.accessTokens.has(token));
  media = await makePublishMedia();
  app = await startTestApp({ services: { oauth: oauth.settings, platforms: { ...config.platforms, youtube: { apiRoot: yt.rootUrl, dailyQuotaUnits: 10_000, chunkBytes: 1024 * 1024 } } } });
  owner = await registerUser(app);
});
afterAll(async () => {
  logs.restore();
  await app.close();
  await media.cleanup();
  await yt.close();
  await oauth.close();
});

describe('output targets API', () => {
  it('lists a recording’s targets and republishes metadata with canUpload, within the workspace only', async () => {
    const tenantId = rawId(owner.tenantId);
    const project = `${randomBytes(4).toString('hex')}.apps.googleusercontent.com`;
    oauth.clients.set(project, { secret: 'project-client-secret-9f3k' });
    const credential = await app.services.credentials.create(tenantId, {
      platform: 'YOUTUBE',
      accountName: 'Faculty channel',
      secret: { ...oauth.grant('faculty'), clientId: project, clientSecret: 'project-client-secret-9f3k' },
    });
    const preset = await app.gql<{ createOutputPreset: { __typename: string; id: string; credentialId: string; credentialAccountName: string } }>(
      CREATE_PRESET,
      { input: { name: 'Channel', platform: 'YOUTUBE', credentialId: globalId('Credential', credential.id), metadata: { privacy: 'public' } } },
      owner.accessToken,
    );
    expect(preset.data?.createOutputPreset).toMatchObject({ __typename: 'OutputPreset', credentialId: globalId('Credential', credential.id), credentialAccountName: 'Faculty channel' });
    const presetId = rawId(preset.data?.createOutputPreset.id ?? '');
    const recording = await publishableRecording(app.services.storage, tenantId, media, { files: ['srt'] });
    const [target] = await app.services.publishing.ensureTargets(tenantId, recording.id, [presetId]);
    await app.services.publishing.publishTarget(tenantId, target?.id ?? '');

    const listed = await app.gql<{ recording: { outputTargets: Array<Record<string, unknown>> } }>(TARGETS, { id: globalId('Recording', recording.id) }, owner.accessToken);
    expect(listed.errors).toBeUndefined();
    expect(listed.data?.recording.outputTargets).toEqual([
      {
        id: globalId('OutputTarget', target?.id ?? ''),
        platform: 'YOUTUBE',
        status: 'UPLOADED',
        url: expect.stringMatching(/^https:\/\/www\.youtube\.com\/watch\?v=vid/),
        remoteId: expect.stringMatching(/^vid/),
        error: null,
        attempts: 1,
        retryAt: null,
        uploadedAt: expect.any(String),
        preset: { name: 'Channel', credentialAccountName: 'Faculty channel' },
      },
    ]);
    expect(yt.videos.get(String(listed.data?.recording.outputTargets[0]?.remoteId))?.status).toMatchObject({ privacyStatus: 'public' });

    const viewer = await memberOf(app, owner, { role: 'VIEWER' });
    const forbidden = await app.gql(REPUBLISH, { id: globalId('OutputTarget', target?.id ?? '') }, viewer.accessToken);
    expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const stranger = await registerUser(app);
    const hidden = await app.gql<{ republishMetadata: Record<string, unknown> }>(REPUBLISH, { id: globalId('OutputTarget', target?.id ?? '') }, stranger.accessToken);
    expect(hidden.data?.republishMetadata).toMatchObject({ __typename: 'NotFoundError' });
    const done = await app.gql<{ republishMetadata: Record<string, unknown> }>(REPUBLISH, { id: globalId('OutputTarget', target?.id ?? '') }, owner.accessToken);
    expect(done.data?.republishMetadata).toMatchObject({ __typename: 'OutputTarget', status: 'UPLOADED' });

    // A target not uploaded yet cannot be republished; a deferred one shows when it may retry.
    const retryAt = new Date(Date.now() + 3600_000);
    const other = await publishableRecording(app.services.storage, tenantId, media, { files: [] });
    const [deferred] = await app.services.publishing.ensureTargets(tenantId, other.id, [presetId]);
    await prisma.outputTarget.update({ where: { id: deferred?.id }, data: { status: 'DEFERRED', meta: { retryAt: retryAt.toISOString() } } });
    const conflict = await app.gql<{ republishMetadata: Record<string, unknown> }>(REPUBLISH, { id: globalId('OutputTarget', deferred?.id ?? '') }, owner.accessToken);
    expect(conflict.data?.republishMetadata).toMatchObject({ __typename: 'ConflictError' });
    const shown = await app.gql<{ recording: { outputTargets: Array<Record<string, unknown>> } }>(TARGETS, { id: globalId('Recording', other.id) }, owner.accessToken);
    expect(shown.data?.recording.outputTargets[0]).toMatchObject({ status: 'DEFERRED', retryAt: retryAt.toISOString() });

    // A failed publication logs and stores its reason, never the tokens it used.
    const [failing] = await app.services.publishing.ensureTargets(tenantId, other.id, [presetId]);
    const secret = await app.services.credentials.getSecret(tenantId, credential.id, 'YOUTUBE');
    oauth.revoke(secret.accessToken);
    oauth.revoke(secret.refreshToken);
    await expect(app.services.publishing.publishTarget(tenantId, failing?.id ?? '')).rejects.toThrow(/reconnect this account/);
    const stored = await prisma.outputTarget.findUniqueOrThrow({ where: { id: failing?.id } });
    const everything = [...logs.lines, JSON.stringify(stored), JSON.stringify(listed), JSON.stringify(done)].join('\n');
    expect(logs.lines.some((line) => line.includes('publishing failed'))).toBe(true);
    for (const value of [secret.accessToken, secret.refreshToken, 'project-client-secret-9f3k', ...oauth.accessTokens.keys()]) expect(everything).not.toContain(value);
  });
});

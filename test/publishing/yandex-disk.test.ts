import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { config } from '../../src/config.js';
import { prisma } from '../../src/lib/db.js';
import { ConflictError, RateLimitedError } from '../../src/lib/errors.js';
import { createRedis } from '../../src/lib/redis.js';
import { createServices, type Services } from '../../src/services.js';
import { startFakeOAuth, type FakeOAuthServer } from '../support/fake-oauth.js';
import { startFakeYandexDisk, type FakeYandexDisk } from '../support/fake-yandex-disk.js';
import { makePublishMedia, presetOf, publishableRecording, SUBTITLES_SRT, SUBTITLES_VTT, type PublishMedia } from '../support/publishing.js';

const redis = createRedis();
let oauth: FakeOAuthServer;
let yandex: FakeYandexDisk;
let media: PublishMedia;
let services: Services;
let tenantId: string;

async function account(expiresInMs = 3600_000) {
  const tokens = oauth.grant('disk-owner');
  const credential = await services.credentials.create(tenantId, {
    platform: 'YANDEX_DISK',
    accountName: `disk ${randomBytes(3).toString('hex')}`,
    secret: { ...tokens, expiresAt: new Date(Date.now() + expiresInMs).toISOString(), clientId: 'yandex-client', clientSecret: 'yandex-client-secret-value' },
  });
  return { credential, tokens };
}

beforeAll(async () => {
  oauth = await startFakeOAuth();
  yandex = await startFakeYandexDisk({ isValidToken: (token) => oauth.accessTokens.has(token) });
  media = await makePublishMedia();
  services = createServices({ prisma, redis, oauth: oauth.settings, platforms: { ...config.platforms, yandexDisk: { apiUrl: yandex.apiUrl } } });
  tenantId = (await prisma.tenant.create({ data: { name: 'Disk faculty' } })).id;
});
afterAll(async () => {
  await media.cleanup();
  await yandex.close();
  await oauth.close();
  redis.disconnect();
});

describe('Yandex Disk publishing', () => {
  it('uploads into rendered folders under the rendered name, with sidecars and a public link', async () => {
    const { credential } = await account();
    const recording = await publishableRecording(services.storage, tenantId, media);
    const preset = await presetOf(tenantId, 'YANDEX_DISK', credential.id, {
      folderPathTemplate: '/Лекции/{{ record_time | date: "%Y" }}/Алгебра',
      filenameTemplate: '{{ record_date_iso }} {{ display_name }}',
      publish: true,
      sidecars: { srt: true, vtt: true, transcript: true, description: true },
    });
    const [target] = await services.publishing.ensureTargets(tenantId, recording.id, [preset.id]);
    const outcome = await services.publishing.publishTarget(tenantId, target?.id ?? '');
    const base = 'disk:/Лекции/2026/Алгебра/2026-02-10 Линейная алгебра лекция 3';
    expect(outcome.url).toMatch(/^https:\/\/yadi\.sk\/i\//);
    expect(yandex.read(`${base}.mp4`)?.data?.equals(media.video)).toBe(true);
    expect(yandex.read(`${base}.mp4`)?.publicUrl).toBe(outcome.url);
    expect(yandex.read(`${base}.srt`)?.data?.toString()).toBe(SUBTITLES_SRT);
    expect(yandex.read(`${base}.vtt`)?.data?.toString()).toBe(SUBTITLES_VTT);
    expect(yandex.read(`${base}_transcription.txt`)?.data?.toString()).toBe('Здравствуйте, коллеги\n');
    expect(yandex.read(`${base}_description.txt`)?.data?.toString()).toContain('Линейная алгебра: лекция 3');
    expect(await prisma.outputTarget.findUniqueOrThrow({ where: { id: target?.id } })).toMatchObject({ status: 'UPLOADED', remoteId: `${base}.mp4` });
    // No temp names anywhere on the disk.
    expect(yandex.paths().some((p) => /upload_|\.tmp|video\.mp4/.test(p))).toBe(false);
  });

  it('refuses to replace a different file unless overwrite is on, then replaces it', async () => {
    const { credential } = await account();
    const recording = await publishableRecording(services.storage, tenantId, media, { displayName: 'Occupied name', files: [] });
    yandex.putFile('/Video/Uploads/Occupied name.mp4', Buffer.from('someone else'));
    const keep = await presetOf(tenantId, 'YANDEX_DISK', credential.id, {});
    const [target] = await services.publishing.ensureTargets(tenantId, recording.id, [keep.id]);
    await expect(services.publishing.publishTarget(tenantId, target?.id ?? '')).rejects.toBeInstanceOf(ConflictError);
    expect(yandex.read('disk:/Video/Uploads/Occupied name.mp4')?.data?.toString()).toBe('someone else');
    const overwrite = await presetOf(tenantId, 'YANDEX_DISK', credential.id, { overwrite: true });
    const [target2] = await services.publishing.ensureTargets(tenantId, recording.id, [overwrite.id]);
    expect(await services.publishing.publishTarget(tenantId, target2?.id ?? '')).toEqual({ status: 'UPLOADED', url: 'disk:/Video/Uploads/Occupied name.mp4' });
    expect(yandex.read('disk:/Video/Uploads/Occupied name.mp4')?.data?.equals(media.video)).toBe(true);
  });

  it('renews the token after a 401 and treats 429 as a retryable rate limit', async () => {
    const { credential, tokens } = await account();
    oauth.revoke(tokens.accessToken);
    const recording = await publishableRecording(services.storage, tenantId, media, { files: [] });
    const preset = await presetOf(tenantId, 'YANDEX_DISK', credential.id, { folderPathTemplate: '/Retry' });
    const [target] = await services.publishing.ensureTargets(tenantId, recording.id, [preset.id]);
    yandex.rateLimited = 1;
    await expect(services.publishing.publishTarget(tenantId, target?.id ?? '')).rejects.toBeInstanceOf(RateLimitedError);
    expect((await prisma.credential.findUniqueOrThrow({ where: { id: credential.id } })).needsReauth).toBe(false);
    expect((await services.publishing.publishTarget(tenantId, target?.id ?? '')).status).toBe('UPLOADED');
    expect(await prisma.outputTarget.findUniqueOrThrow({ where: { id: target?.id } })).toMatchObject({ status: 'UPLOADED', attempts: 2 });
  });
});

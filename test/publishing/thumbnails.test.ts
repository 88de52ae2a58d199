import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { config } from '../../src/config.js';
import type { Prisma } from '../../src/generated/prisma/client.js';
import { prisma } from '../../src/lib/db.js';
import { createRedis } from '../../src/lib/redis.js';
import { runFfmpeg } from '../../src/media/ffmpeg.js';
import { createServices, type Services } from '../../src/services.js';
import { startFakeOAuth, type FakeOAuthServer } from '../support/fake-oauth.js';
import { startFakeVk, type FakeVk } from '../support/fake-vk.js';
import { startFakeYouTube, type FakeYouTube } from '../support/fake-youtube.js';
import { mediaScratch } from '../support/media.js';
import { makePublishMedia, presetOf, publishableRecording, type PublishMedia } from '../support/publishing.js';

// Publishers send the thumbnail named by `thumbnailName` (platform block → common → preset), the
// workspace's image first, then the shared default; without one (or a name that exists nowhere) the poster.

const redis = createRedis();
let oauth: FakeOAuthServer;
let vk: FakeVk;
let yt: FakeYouTube;
let media: PublishMedia;
let scratch: Awaited<ReturnType<typeof mediaScratch>>;
let services: Services;
let tenantId: string;
const suffix = randomBytes(3).toString('hex');
const images: Record<string, Buffer> = {};

async function addThumbnail(name: string, color: string, shared = false): Promise<void> {
  const file = path.join(scratch.dir, `${name}.png`);
  await runFfmpeg(['-f', 'lavfi', '-i', `color=c=${color}:s=64x36:d=1`, '-frames:v', '1', '-y', file]);
  images[name] = await readFile(file);
  if (shared) {
    await services.thumbnails.putShared(name, file);
    return;
  }
  const head = images[name]!.subarray(0, 4096);
  await services.thumbnails.save(tenantId, { fileName: `${name}.png`, mimeType: 'image/png', path: file, sizeBytes: (await stat(file)).size, sha256: '', head, refusal: null }, { replace: true });
}

async function publishToVk(presetMetadata: Prisma.InputJsonObject, templateMetadata?: Prisma.InputJsonObject): Promise<Buffer | null> {
  const tokens = oauth.grant('vk-user');
  const credential = await services.credentials.create(tenantId, {
    platform: 'VK_VIDEO',
    accountName: `vk ${randomBytes(3).toString('hex')}`,
    secret: { kind: 'oauth', ...tokens, expiresAt: new Date(Date.now() + 3600_000).toISOString(), clientId: 'vk-client', deviceId: 'device-1' },
  });
  const recording = await publishableRecording(services.storage, tenantId, media);
  if (templateMetadata) {
    const template = await prisma.template.create({ data: { tenantId, name: `t ${randomBytes(3).toString('hex')}`, metadataConfig: templateMetadata } });
    await prisma.recording.update({ where: { id: recording.id }, data: { templateId: template.id } });
  }
  const preset = await presetOf(tenantId, 'VK', credential.id, presetMetadata);
  const [target] = await services.publishing.ensureTargets(tenantId, recording.id, [preset.id]);
  expect((await services.publishing.publishTarget(tenantId, target?.id ?? '')).status).toBe('UPLOADED');
  return [...vk.videos.values()].at(-1)?.thumb ?? null;
}

beforeAll(async () => {
  oauth = await startFakeOAuth();
  vk = await startFakeVk((token) => oauth.accessTokens.has(token));
  yt = await startFakeYouTube((token) => oauth.accessTokens.has(token));
  media = await makePublishMedia();
  scratch = await mediaScratch('publish-thumbnails');
  services = createServices({
    prisma,
    redis,
    oauth: oauth.settings,
    platforms: { ...config.platforms, vk: { apiUrl: vk.apiUrl, apiVersion: '5.131' }, youtube: { apiRoot: yt.rootUrl, dailyQuotaUnits: 10_000, chunkBytes: 256 * 1024 } },
  });
  tenantId = (await prisma.tenant.create({ data: { name: 'Thumbnail faculty' } })).id;
  await addThumbnail('preset_img', 'red');
  await addThumbnail('common_img', 'green');
  await addThumbnail('vk_img', 'blue');
  await addThumbnail(`shared_img_${suffix}`, 'yellow', true);
}, 120_000);
afterAll(async () => {
  await prisma.thumbnail.deleteMany({ where: { tenantId: null, name: { endsWith: suffix } } });
  await Promise.all([media.cleanup(), scratch.cleanup(), vk.close(), yt.close(), oauth.close()]);
  await services.close();
  redis.disconnect();
});

describe('named thumbnails in publishing', () => {
  it("VK: the preset's name, overridden by the template's common block, overridden by its platform block", async () => {
    expect((await publishToVk({ thumbnailName: 'preset_img' }))?.equals(images.preset_img!)).toBe(true);
    expect((await publishToVk({ thumbnailName: 'preset_img' }, { common: { thumbnailName: 'common_img' } }))?.equals(images.common_img!)).toBe(true);
    const both = { common: { thumbnailName: 'common_img' }, vk: { thumbnailName: 'vk_img' } };
    expect((await publishToVk({ thumbnailName: 'preset_img' }, both))?.equals(images.vk_img!)).toBe(true);
  });

  it('VK: a shared default when the workspace has none of that name; the poster when the name exists nowhere', async () => {
    expect((await publishToVk({ thumbnailName: `shared_img_${suffix}` }))?.equals(images[`shared_img_${suffix}`]!)).toBe(true);
    expect((await publishToVk({ thumbnailName: 'no_such_image' }))?.equals(media.poster)).toBe(true);
    expect((await publishToVk({}))?.equals(media.poster)).toBe(true);
  });

  it('YouTube: thumbnails.set gets the named image', async () => {
    const project = `${randomBytes(4).toString('hex')}.apps.googleusercontent.com`;
    oauth.clients.set(project, { secret: 'project-secret' });
    const tokens = oauth.grant('channel@example.test');
    const credential = await services.credentials.create(tenantId, {
      platform: 'YOUTUBE',
      accountName: `channel ${randomBytes(3).toString('hex')}`,
      secret: { kind: 'oauth', ...tokens, expiresAt: new Date(Date.now() + 3600_000).toISOString(), clientId: project, clientSecret: 'project-secret' },
    });
    const recording = await publishableRecording(services.storage, tenantId, media);
    const preset = await presetOf(tenantId, 'YOUTUBE', credential.id, { thumbnailName: 'common_img' });
    const [target] = await services.publishing.ensureTargets(tenantId, recording.id, [preset.id]);
    expect((await services.publishing.publishTarget(tenantId, target?.id ?? '')).status).toBe('UPLOADED');
    const stored = await prisma.outputTarget.findUniqueOrThrow({ where: { id: target?.id } });
    expect(yt.videos.get(stored.remoteId ?? '')?.thumbnail?.equals(images.common_img!)).toBe(true);
  });
});

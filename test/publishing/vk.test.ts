import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { config } from '../../src/config.js';
import { prisma } from '../../src/lib/db.js';
import { CredentialError, RateLimitedError } from '../../src/lib/errors.js';
import { createRedis } from '../../src/lib/redis.js';
import { createServices, type Services } from '../../src/services.js';
import { startFakeOAuth, type FakeOAuthServer } from '../support/fake-oauth.js';
import { startFakeVk, type FakeVk } from '../support/fake-vk.js';
import { makePublishMedia, presetOf, publishableRecording, type PublishMedia } from '../support/publishing.js';

const redis = createRedis();
let oauth: FakeOAuthServer;
let vk: FakeVk;
let media: PublishMedia;
let services: Services;
let tenantId: string;

async function vkIdAccount() {
  const tokens = oauth.grant('vk-user');
  const credential = await services.credentials.create(tenantId, {
    platform: 'VK_VIDEO',
    accountName: `vk ${randomBytes(3).toString('hex')}`,
    secret: { kind: 'oauth', ...tokens, expiresAt: new Date(Date.now() + 3600_000).toISOString(), clientId: 'vk-client', deviceId: 'device-1' },
  });
  return { credential, tokens };
}

beforeAll(async () => {
  oauth = await startFakeOAuth();
  vk = await startFakeVk((token) => oauth.accessTokens.has(token));
  media = await makePublishMedia();
  services = createServices({ prisma, redis, oauth: oauth.settings, platforms: { ...config.platforms, vk: { apiUrl: vk.apiUrl, apiVersion: '5.131' } } });
  tenantId = (await prisma.tenant.create({ data: { name: 'VK faculty' } })).id;
});
afterAll(async () => {
  await media.cleanup();
  await vk.close();
  await oauth.close();
  redis.disconnect();
});

describe('VK publishing', () => {
  it('saves, uploads the file and sets the thumbnail with the group, album and privacy settings', async () => {
    const { credential } = await vkIdAccount();
    const recording = await publishableRecording(services.storage, tenantId, media);
    const preset = await presetOf(tenantId, 'VK', credential.id, { groupId: 1234, albumId: 7, wallpost: true, disableComments: true, titleTemplate: '{{ display_name }}' });
    const [target] = await services.publishing.ensureTargets(tenantId, recording.id, [preset.id]);
    const outcome = await services.publishing.publishTarget(tenantId, target?.id ?? '');
    const video = [...vk.videos.values()].at(-1);
    expect(outcome).toEqual({ status: 'UPLOADED', url: `https://vk.com/video-1234_${video?.id}` });
    expect(video?.bytes?.equals(media.video)).toBe(true);
    expect(video?.thumb?.equals(media.poster)).toBe(true);
    expect(video?.fileName).toBe('Линейная алгебра лекция 3.mp4');
    expect(video?.params).toMatchObject({ name: 'Линейная алгебра: лекция 3', group_id: '1234', album_id: '7', wallpost: '1', no_comments: '1', repeat: '0', v: '5.131' });
    expect(video?.params).not.toHaveProperty('privacy_view');
    expect(vk.calls.slice(-3)).toEqual(['video.save', 'video.getThumbUploadUrl', 'video.saveUploadedThumb']);

    await prisma.outputPreset.update({ where: { id: preset.id }, data: { metadata: { groupId: 1234, titleTemplate: 'Обновлено: {{ display_name }}' } } });
    await services.publishing.republishMetadata(tenantId, target?.id ?? '');
    expect(video?.params.name).toBe('Обновлено: Линейная алгебра: лекция 3');
  });

  it('maps rate limits (6) to a retry and auth errors (5) to one renewal, then to a credential error', async () => {
    const { credential, tokens } = await vkIdAccount();
    const recording = await publishableRecording(services.storage, tenantId, media, { files: [] });
    const preset = await presetOf(tenantId, 'VK', credential.id, { privacyView: 3, privacyComment: 1 });
    const [target] = await services.publishing.ensureTargets(tenantId, recording.id, [preset.id]);
    vk.failNext.push({ code: 6, msg: 'Too many requests per second' });
    await expect(services.publishing.publishTarget(tenantId, target?.id ?? '')).rejects.toBeInstanceOf(RateLimitedError);
    oauth.revoke(tokens.accessToken); // error 5 → renewal → success
    expect((await services.publishing.publishTarget(tenantId, target?.id ?? '')).status).toBe('UPLOADED');
    expect([...vk.videos.values()].at(-1)?.params).toMatchObject({ privacy_view: 'only_me', privacy_comment: 'friends' });

    // A pasted implicit-flow token cannot be renewed: error 5 fails the target and flags the account.
    const pasted = await services.oauth.connectVkToken(tenantId, `pasted ${randomBytes(2).toString('hex')}`, 'vk1.a.revoked-implicit-token-0000000000');
    const recording2 = await publishableRecording(services.storage, tenantId, media, { files: [] });
    const preset2 = await presetOf(tenantId, 'VK', pasted.id, {});
    const [target2] = await services.publishing.ensureTargets(tenantId, recording2.id, [preset2.id]);
    await expect(services.publishing.publishTarget(tenantId, target2?.id ?? '')).rejects.toBeInstanceOf(CredentialError);
    expect((await prisma.credential.findUniqueOrThrow({ where: { id: pasted.id } })).needsReauth).toBe(true);
    expect((await prisma.outputTarget.findUniqueOrThrow({ where: { id: target2?.id } })).status).toBe('FAILED');
  });
});

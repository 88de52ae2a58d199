import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { config } from '../../src/config.js';
import { prisma } from '../../src/lib/db.js';
import { CredentialError, RateLimitedError } from '../../src/lib/errors.js';
import { createRedis } from '../../src/lib/redis.js';
import { createServices, type Services } from '../../src/services.js';
import { startFakeOAuth, type FakeOAuthServer } from '../support/fake-oauth.js';
import { startFakeYouTube, type FakeYouTube } from '../support/fake-youtube.js';
import { makePublishMedia, presetOf, publishableRecording, SUBTITLES_SRT, type PublishMedia } from '../support/publishing.js';

const redis = createRedis();
let oauth: FakeOAuthServer;
let yt: FakeYouTube;
let media: PublishMedia;
let services: Services;
let tenantId: string;

function servicesWith(dailyQuotaUnits = 10_000) {
  return createServices({
    prisma,
    redis,
    oauth: oauth.settings,
    platforms: { ...config.platforms, youtube: { apiRoot: yt.rootUrl, dailyQuotaUnits, chunkBytes: 256 * 1024 } },
  });
}

/** A YouTube account in its own Google Cloud project (so quota ledgers do not mix between tests). */
async function youtubeAccount(options: { expiresInMs?: number; project?: string } = {}) {
  const project = options.project ?? `${randomBytes(4).toString('hex')}.apps.googleusercontent.com`;
  oauth.clients.set(project, { secret: 'project-secret' });
  const tokens = oauth.grant('channel@example.test');
  const credential = await services.credentials.create(tenantId, {
    platform: 'YOUTUBE',
    accountName: `channel ${randomBytes(3).toString('hex')}`,
    secret: { kind: 'oauth', ...tokens, expiresAt: new Date(Date.now() + (options.expiresInMs ?? 3600_000)).toISOString(), clientId: project, clientSecret: 'project-secret' },
  });
  return { credential, tokens, project };
}

const METADATA = { titleTemplate: '{{ display_name }} <lecture>', descriptionTemplate: '{{ summary }}', playlistId: 'PLmath', tags: ['math', 'linear algebra'] };

beforeAll(async () => {
  oauth = await startFakeOAuth();
  yt = await startFakeYouTube((token) => oauth.accessTokens.has(token));
  media = await makePublishMedia();
  services = servicesWith();
  tenantId = (await prisma.tenant.create({ data: { name: 'YouTube faculty' } })).id;
});
afterAll(async () => {
  await media.cleanup();
  await yt.close();
  await oauth.close();
  redis.disconnect();
});
beforeEach(() => {
  yt.dropChunk = null;
  yt.outageAfterChunk = null;
  yt.quotaExceeded = false;
  yt.rateLimited = 0;
});

describe('YouTube publishing', () => {
  it('uploads in resumable chunks with metadata, chapters, playlist, thumbnail and captions — once', async () => {
    const { credential } = await youtubeAccount();
    const recording = await publishableRecording(services.storage, tenantId, media);
    const preset = await presetOf(tenantId, 'YOUTUBE', credential.id, METADATA);
    const [target] = await services.publishing.ensureTargets(tenantId, recording.id, [preset.id]);
    const progress: number[] = [];
    const outcome = await services.publishing.publishTarget(tenantId, target?.id ?? '', (fraction) => progress.push(fraction));
    expect(outcome.status).toBe('UPLOADED');

    const stored = await prisma.outputTarget.findUniqueOrThrow({ where: { id: target?.id } });
    const video = yt.videos.get(stored.remoteId ?? '');
    expect(video).toBeDefined();
    expect(outcome.url).toBe(`https://www.youtube.com/watch?v=${video?.id}`);
    expect(stored).toMatchObject({ status: 'UPLOADED', url: outcome.url, error: null, attempts: 1 });
    expect(video?.bytes.equals(media.video)).toBe(true);
    expect(yt.log.filter((l) => l === 'PUT /upload/youtube/v3/videos').length).toBe(Math.ceil(media.video.length / (256 * 1024)));
    expect(video?.snippet).toMatchObject({ title: 'Линейная алгебра: лекция 3 ＜lecture＞', categoryId: '27', tags: ['math', 'linear algebra'], defaultLanguage: 'ru' });
    expect(video?.snippet.description).toBe('Матрицы и определители.\n\n00:00 Введение\n00:30 Определители\n01:00 Ранг матрицы');
    expect(video?.status).toMatchObject({ privacyStatus: 'unlisted', selfDeclaredMadeForKids: false, embeddable: true, license: 'youtube' });
    expect(video?.notifySubscribers).toBe('true');
    expect(video?.playlists).toEqual(['PLmath']);
    expect(video?.thumbnail?.equals(media.poster)).toBe(true);
    expect(video?.captions).toEqual([{ id: expect.any(String), snippet: expect.objectContaining({ language: 'ru', name: 'LEAP', videoId: video?.id }), body: SUBTITLES_SRT }]);
    expect(progress.at(-1)).toBe(1);
    expect(progress.every((p, i) => i === 0 || p >= (progress[i - 1] ?? 0))).toBe(true);

    // Never twice: neither a second publish nor a second ensureTargets makes another upload.
    const requests = yt.log.length;
    expect(await services.publishing.publishTarget(tenantId, target?.id ?? '')).toEqual({ status: 'UPLOADED', url: outcome.url });
    expect((await services.publishing.ensureTargets(tenantId, recording.id, [preset.id, preset.id])).map((t) => t.id)).toEqual([target?.id]);
    expect(yt.log.length).toBe(requests);
    expect(await prisma.usageEvent.count({ where: { tenantId, type: 'UPLOAD_COMPLETED', recordingId: recording.id } })).toBe(1);
  });

  it('resumes in place after a dropped chunk, without a second session', async () => {
    const { credential } = await youtubeAccount();
    const recording = await publishableRecording(services.storage, tenantId, media, { files: [] });
    const preset = await presetOf(tenantId, 'YOUTUBE', credential.id, { publishAt: '2026-12-24T10:00:00+03:00' });
    const [target] = await services.publishing.ensureTargets(tenantId, recording.id, [preset.id]);
    const sessionsBefore = yt.sessions.size;
    const logStart = yt.log.length;
    yt.dropChunk = 2; // the connection dies halfway through the second chunk
    await services.publishing.publishTarget(tenantId, target?.id ?? '');
    // Every chunk plus the `bytes */N` status query that found where to continue.
    expect(yt.log.slice(logStart).filter((l) => l === 'PUT /upload/youtube/v3/videos').length).toBeGreaterThanOrEqual(Math.ceil(media.video.length / (256 * 1024)) + 1);
    expect(yt.dropChunk).toBe(2);
    const stored = await prisma.outputTarget.findUniqueOrThrow({ where: { id: target?.id } });
    const video = yt.videos.get(stored.remoteId ?? '');
    expect(video?.bytes.equals(media.video)).toBe(true);
    expect(yt.sessions.size).toBe(sessionsBefore + 1);
    // A scheduled video is private until publishAt.
    expect(video?.status).toMatchObject({ privacyStatus: 'private', publishAt: '2026-12-24T10:00:00+03:00' });
    expect(String(video?.snippet.description)).toContain('00:00 Введение');
  });

  it('continues the stored upload session when a retry follows a failed attempt', async () => {
    const { credential } = await youtubeAccount();
    const recording = await publishableRecording(services.storage, tenantId, media, { files: [] });
    const preset = await presetOf(tenantId, 'YOUTUBE', credential.id, {});
    const [target] = await services.publishing.ensureTargets(tenantId, recording.id, [preset.id]);
    const sessionsBefore = yt.sessions.size;
    const chunks = Math.ceil(media.video.length / (256 * 1024));
    yt.outageAfterChunk = 3; // YouTube answers 503 from the third chunk on, status queries included
    await expect(services.publishing.publishTarget(tenantId, target?.id ?? '')).rejects.toThrow(/YouTube API error 503/);
    const failed = await prisma.outputTarget.findUniqueOrThrow({ where: { id: target?.id } });
    expect(failed).toMatchObject({ status: 'FAILED', meta: { uploadSession: { uri: expect.stringContaining('upload_id=') } } });

    yt.outageAfterChunk = null;
    const logStart = yt.log.length;
    expect((await services.publishing.publishTarget(tenantId, target?.id ?? '')).status).toBe('UPLOADED');
    const done = await prisma.outputTarget.findUniqueOrThrow({ where: { id: target?.id } });
    expect(yt.videos.get(done.remoteId ?? '')?.bytes.equals(media.video)).toBe(true);
    expect(yt.sessions.size).toBe(sessionsBefore + 1);
    // The retry asked where to continue and sent only the rest: chunks 3.. plus the status query.
    expect(yt.log.slice(logStart).filter((l) => l === 'PUT /upload/youtube/v3/videos').length).toBe(chunks - 2 + 1);
    expect(yt.log.slice(logStart)).not.toContain('POST /upload/youtube/v3/videos');
    expect(done.attempts).toBe(2);
    expect(done.meta).not.toHaveProperty('uploadSession');
  });

  it('renews an expiring token before the upload and once after a 401', async () => {
    const { credential, tokens } = await youtubeAccount({ expiresInMs: 60_000 });
    const recording = await publishableRecording(services.storage, tenantId, media, { files: [] });
    const preset = await presetOf(tenantId, 'YOUTUBE', credential.id, {});
    const [target] = await services.publishing.ensureTargets(tenantId, recording.id, [preset.id]);
    const refreshes = () => oauth.requests.filter((r) => r.grantType === 'refresh_token').length;
    const before = refreshes();
    expect((await services.publishing.publishTarget(tenantId, target?.id ?? '')).status).toBe('UPLOADED');
    expect(refreshes()).toBe(before + 1);
    expect(oauth.accessTokens.has(tokens.accessToken)).toBe(true);

    // A token YouTube no longer accepts although it has not expired: 401 → forced renewal → retry.
    const second = await youtubeAccount();
    oauth.revoke(second.tokens.accessToken);
    const recording2 = await publishableRecording(services.storage, tenantId, media, { files: [] });
    const preset2 = await presetOf(tenantId, 'YOUTUBE', second.credential.id, {});
    const [target2] = await services.publishing.ensureTargets(tenantId, recording2.id, [preset2.id]);
    const before2 = refreshes();
    expect((await services.publishing.publishTarget(tenantId, target2?.id ?? '')).status).toBe('UPLOADED');
    expect(refreshes()).toBe(before2 + 1);
  });

  it('fails only the target whose account is revoked and flags that account', async () => {
    const broken = await youtubeAccount();
    oauth.revoke(broken.tokens.accessToken);
    oauth.revoke(broken.tokens.refreshToken);
    const healthy = await youtubeAccount();
    const recording = await publishableRecording(services.storage, tenantId, media, { files: [] });
    const brokenPreset = await presetOf(tenantId, 'YOUTUBE', broken.credential.id, {});
    const healthyPreset = await presetOf(tenantId, 'YOUTUBE', healthy.credential.id, {});
    const [bad, good] = await services.publishing.ensureTargets(tenantId, recording.id, [brokenPreset.id, healthyPreset.id]);
    await expect(services.publishing.publishTarget(tenantId, bad?.id ?? '')).rejects.toBeInstanceOf(CredentialError);
    expect((await services.publishing.publishTarget(tenantId, good?.id ?? '')).status).toBe('UPLOADED');
    expect(await prisma.outputTarget.findUniqueOrThrow({ where: { id: bad?.id } })).toMatchObject({ status: 'FAILED', error: expect.stringMatching(/reconnect this account/) });
    expect((await prisma.credential.findUniqueOrThrow({ where: { id: broken.credential.id } })).needsReauth).toBe(true);
    expect((await prisma.credential.findUniqueOrThrow({ where: { id: healthy.credential.id } })).needsReauth).toBe(false);
  });

  it('defers uploads the daily quota cannot cover, by the ledger and by Google’s 403', async () => {
    const small = servicesWith(2000); // one upload with captions (1600 + 400) fits, a second does not
    const { credential, project } = await youtubeAccount();
    const preset = await presetOf(tenantId, 'YOUTUBE', credential.id, {});
    const first = await publishableRecording(small.storage, tenantId, media, { files: ['srt'] });
    const second = await publishableRecording(small.storage, tenantId, media, { files: ['srt'] });
    const [t1] = await small.publishing.ensureTargets(tenantId, first.id, [preset.id]);
    const [t2] = await small.publishing.ensureTargets(tenantId, second.id, [preset.id]);
    expect((await small.publishing.publishTarget(tenantId, t1?.id ?? '')).status).toBe('UPLOADED');
    const requests = yt.log.length;
    const deferred = await small.publishing.publishTarget(tenantId, t2?.id ?? '');
    expect(deferred.status).toBe('DEFERRED');
    expect(yt.log.length).toBe(requests);
    const retryAt = deferred.status === 'DEFERRED' ? deferred.retryAt : new Date(0);
    const pacific = new Intl.DateTimeFormat('en-US', { timeZone: 'America/Los_Angeles', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(retryAt);
    expect(pacific).toBe('00:00');
    expect(retryAt.getTime()).toBeGreaterThan(Date.now());
    expect(retryAt.getTime() - Date.now()).toBeLessThanOrEqual(25 * 3600_000);
    expect(await prisma.outputTarget.findUniqueOrThrow({ where: { id: t2?.id } })).toMatchObject({ status: 'DEFERRED', meta: { retryAt: retryAt.toISOString() } });
    // Once quota is there again (here: a larger project limit), the deferred target goes through.
    expect((await servicesWith(10_000).publishing.publishTarget(tenantId, t2?.id ?? '')).status).toBe('UPLOADED');
    expect((await prisma.outputTarget.findUniqueOrThrow({ where: { id: t2?.id } })).meta).not.toHaveProperty('retryAt');

    // Google itself says the quota is gone: deferred too, and the ledger is closed for the day.
    const other = await youtubeAccount();
    const preset2 = await presetOf(tenantId, 'YOUTUBE', other.credential.id, {});
    const third = await publishableRecording(services.storage, tenantId, media, { files: [] });
    const [t3] = await services.publishing.ensureTargets(tenantId, third.id, [preset2.id]);
    yt.quotaExceeded = true;
    expect((await services.publishing.publishTarget(tenantId, t3?.id ?? '')).status).toBe('DEFERRED');
    expect(project).not.toBe(other.project);
  });

  it('lets only one worker publish a target at a time', async () => {
    const { credential } = await youtubeAccount();
    const recording = await publishableRecording(services.storage, tenantId, media, { files: [] });
    const preset = await presetOf(tenantId, 'YOUTUBE', credential.id, {});
    const [target] = await services.publishing.ensureTargets(tenantId, recording.id, [preset.id]);
    const videosBefore = yt.videos.size;
    const [first, second] = await Promise.allSettled([
      services.publishing.publishTarget(tenantId, target?.id ?? ''),
      servicesWith().publishing.publishTarget(tenantId, target?.id ?? ''),
    ]);
    const outcomes = [first, second].map((r) => (r.status === 'fulfilled' ? r.value.status : (r.reason as Error).name));
    expect(outcomes.sort()).toEqual(['ConflictError', 'UPLOADED']);
    expect(yt.videos.size).toBe(videosBefore + 1);
    // After the lease is released a further call just reports the upload.
    expect((await services.publishing.publishTarget(tenantId, target?.id ?? '')).status).toBe('UPLOADED');
  });

  it('treats short-term rate limiting as a retryable error, not a deferral', async () => {
    const { credential } = await youtubeAccount();
    const recording = await publishableRecording(services.storage, tenantId, media, { files: [] });
    const preset = await presetOf(tenantId, 'YOUTUBE', credential.id, {});
    const [target] = await services.publishing.ensureTargets(tenantId, recording.id, [preset.id]);
    yt.rateLimited = 1;
    await expect(services.publishing.publishTarget(tenantId, target?.id ?? '')).rejects.toBeInstanceOf(RateLimitedError);
    expect((await prisma.outputTarget.findUniqueOrThrow({ where: { id: target?.id } })).status).toBe('FAILED');
    expect((await prisma.credential.findUniqueOrThrow({ where: { id: credential.id } })).needsReauth).toBe(false);
    expect((await services.publishing.publishTarget(tenantId, target?.id ?? '')).status).toBe('UPLOADED');
  });

  it('republishes title, description and captions of an uploaded video', async () => {
    const { credential } = await youtubeAccount();
    const recording = await publishableRecording(services.storage, tenantId, media, { files: ['srt'] });
    const preset = await presetOf(tenantId, 'YOUTUBE', credential.id, METADATA);
    const [target] = await services.publishing.ensureTargets(tenantId, recording.id, [preset.id]);
    await services.publishing.publishTarget(tenantId, target?.id ?? '');
    await prisma.outputPreset.update({ where: { id: preset.id }, data: { metadata: { ...METADATA, titleTemplate: 'Новое: {{ display_name }}' } } });
    const updated = await services.publishing.republishMetadata(tenantId, target?.id ?? '');
    const video = yt.videos.get(updated.remoteId ?? '');
    expect(video?.snippet.title).toBe('Новое: Линейная алгебра: лекция 3');
    expect(video?.captions).toHaveLength(1);
    expect(video?.captions[0]?.id).toBe((updated.meta as { captionId: string }).captionId);
  });
});

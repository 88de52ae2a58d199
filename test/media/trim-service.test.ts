import { createReadStream } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { config } from '../../src/config.js';
import { prisma } from '../../src/lib/db.js';
import { ConflictError, NotFoundError } from '../../src/lib/errors.js';
import { createRedis } from '../../src/lib/redis.js';
import type { Edl } from '../../src/media/plan.js';
import { probeMedia } from '../../src/media/probe.js';
import { S3Storage } from '../../src/modules/storage/s3-storage.js';
import { recordingPrefix, tenantPrefix } from '../../src/modules/storage/storage.js';
import { stageStream } from '../../src/modules/uploads/staged-file.js';
import { createServices, type Services } from '../../src/services.js';
import { rawId, registerUser, startTestApp, type RegisteredUser, type TestApp } from '../support/app.js';
import { LECTURE_SOUND, mediaScratch } from '../support/media.js';
import { startS3Server, type TestS3Server } from '../support/s3.js';
import { uploadRecording } from '../support/uploads.js';

let scratch: Awaited<ReturnType<typeof mediaScratch>>;
const files: Record<string, string> = {};

beforeAll(async () => {
  scratch = await mediaScratch('trim-service');
  const video = { picture: 'flash' as const, width: 160, height: 90, fps: 25, keyframeSec: 1 };
  files.mp4 = await scratch.make('lecture.mp4', { durationSec: 50, sound: LECTURE_SOUND, video: { codec: 'h264', ...video }, audio: { codec: 'aac' }, muxer: 'mp4' });
  files.webm = await scratch.make('lecture.webm', { durationSec: 50, sound: LECTURE_SOUND, video: { codec: 'vp8', ...video }, audio: { codec: 'opus' }, muxer: 'webm' });
  files.continuous = await scratch.make('continuous.mp4', { durationSec: 12, sound: 'always', video: { codec: 'h264', ...video }, audio: { codec: 'aac' }, muxer: 'mp4' });
  files.m4a = await scratch.make('talk.m4a', { durationSec: 50, sound: LECTURE_SOUND, audio: { codec: 'aac' }, muxer: 'ipod' });
}, 120_000);
afterAll(() => scratch.cleanup());

const near = (actual: number | null | undefined, expected: number, tolerance = 0.15) =>
  expect(Math.abs((actual ?? Number.NaN) - expected), `${actual} ≈ ${expected}`).toBeLessThanOrEqual(tolerance);

const mediaTemp = () => readdir(config.media.tempDir).then((names) => names.filter((n) => n.startsWith('trim-') || n.startsWith('poster-')), () => []);

/** Storage usage on the tenant row equals what really is in storage. */
async function expectExactUsage(services: Services, tenantId: string): Promise<void> {
  const stored = (await services.storage.list(tenantPrefix(tenantId))).reduce((sum, o) => sum + o.sizeBytes, 0);
  expect((await prisma.tenant.findUniqueOrThrow({ where: { id: tenantId } })).storageBytes).toBe(BigInt(stored));
}

describe('trim service over the API (LOCAL storage)', () => {
  let app: TestApp;
  let owner: RegisteredUser;
  let tenantId: string;

  beforeAll(async () => {
    app = await startTestApp();
    owner = await registerUser(app);
    tenantId = rawId(owner.tenantId);
  });
  afterAll(() => app.close());

  const upload = async (file: string) => {
    const res = await uploadRecording(app, owner.accessToken, { fileName: path.basename(file), data: await readFile(file) });
    const recording = res.data?.createRecordingFromUpload;
    if (recording?.__typename !== 'Recording') throw new Error(JSON.stringify(res));
    return { globalId: recording.id, id: rawId(recording.id) };
  };

  it('edges: writes video, ASR audio and EDL under the SPEC keys and updates the row', async () => {
    const { globalId, id } = await upload(files.mp4!);
    const fractions: number[] = [];
    const result = await app.services.media.trimRecording(tenantId, id, {}, (p) => fractions.push(p.fraction));
    expect(fractions.at(-1)).toBe(1);
    expect(fractions.every((f, i) => i === 0 || f >= fractions[i - 1]!)).toBe(true);
    expect(result.mode).toBe('edges');
    near(result.edl.kept[0]![0], 1, 0.05);
    near(result.edl.kept[0]![1], 47, 0.05);
    near(result.trimmedDurationSec, 46);

    const prefix = recordingPrefix(tenantId, id);
    expect((await app.services.storage.list(prefix)).map((o) => o.key.slice(prefix.length))).toEqual(['audio.ogg', 'edl.json', 'source.mp4', 'video.mp4']);
    const row = await prisma.recording.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ videoFileKey: `${prefix}video.mp4`, audioFileKey: `${prefix}audio.ogg` });
    near(row.durationSec, 50, 0.05);
    near(row.trimmedDurationSec, 46);
    const chunks: Buffer[] = [];
    for await (const chunk of await app.services.storage.get(`${prefix}edl.json`)) chunks.push(chunk as Buffer);
    const stored = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Edl;
    expect(stored).toEqual(row.edl);
    await expectExactUsage(app.services, tenantId);
    expect(await mediaTemp()).toEqual([]);

    const poster = await app.services.media.createPoster(tenantId, id);
    expect(poster.posterFileKey).toBe(`${prefix}poster.jpg`);

    const res = await app.gql<{ recording: { durationSec: number; trimmedDurationSec: number; trim: { mode: string; keptRanges: Array<{ startSec: number; endSec: number }>; removedSec: number }; files: Array<{ kind: string; name: string; url: string }> } }>(
      `query One($id: ID!) { recording(id: $id) { durationSec trimmedDurationSec trim { mode keptRanges { startSec endSec } removedSec } files { kind name url } } }`,
      { id: globalId },
      owner.accessToken,
    );
    const recording = res.data?.recording;
    expect(recording?.trim.mode).toBe('EDGES');
    near(recording?.trim.removedSec, 4);
    expect(recording?.files.map((f) => `${f.kind}:${f.name}`)).toEqual(['SOURCE:source.mp4', 'VIDEO:video.mp4', 'AUDIO:audio.ogg', 'POSTER:poster.jpg', 'EDL:edl.json']);
    for (const file of recording!.files) expect((await fetch(file.url)).status, file.name).toBe(200);
  });

  it('no silence: the video is the source itself, no copy is made', async () => {
    const { id } = await upload(files.continuous!);
    const result = await app.services.media.trimRecording(tenantId, id);
    expect(result.mode).toBe('none');
    const row = await prisma.recording.findUniqueOrThrow({ where: { id } });
    expect(row.videoFileKey).toBe(row.sourceFileKey);
    near(row.trimmedDurationSec, 12, 0.05);
    const names = (await app.services.storage.list(recordingPrefix(tenantId, id))).map((o) => path.basename(o.key));
    expect(names).toEqual(['audio.ogg', 'edl.json', 'source.mp4']);
    await expectExactUsage(app.services, tenantId);
  });

  it('re-trimming replaces the outputs and keeps storage usage exact', async () => {
    const { id } = await upload(files.webm!);
    const edges = await app.services.media.trimRecording(tenantId, id, { mode: 'edges' });
    expect(edges.videoFileKey.endsWith('video.webm')).toBe(true);
    const pauses = await app.services.media.trimRecording(tenantId, id, { mode: 'pauses', preset: 'lecture' });
    expect(pauses.videoFileKey.endsWith('video.mp4')).toBe(true);
    expect(pauses.edl.kept).toEqual([[1, 15], [25, 47]].map(([a, b]) => [expect.closeTo(a!, 1), expect.closeTo(b!, 1)]));
    near(pauses.trimmedDurationSec, 36, 0.2);
    const names = (await app.services.storage.list(recordingPrefix(tenantId, id))).map((o) => path.basename(o.key));
    expect(names).toEqual(['audio.ogg', 'edl.json', 'source.webm', 'video.mp4']);
    const audio = await probeMedia(path.join(config.storage.localRoot, recordingPrefix(tenantId, id), 'audio.ogg'));
    expect(audio.audio).toMatchObject({ codec: 'opus', channels: 1 });
    near(audio.durationSec, pauses.trimmedDurationSec, 0.1);
    await expectExactUsage(app.services, tenantId);
  });

  it('answers NotFound for other tenants and Conflict without a source', async () => {
    const { id } = await upload(files.continuous!);
    const stranger = await registerUser(app);
    await expect(app.services.media.trimRecording(rawId(stranger.tenantId), id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(app.services.media.createPoster(rawId(stranger.tenantId), id)).rejects.toBeInstanceOf(NotFoundError);
    const bare = await prisma.recording.create({ data: { tenantId, displayName: 'Zoom, not downloaded', sourceType: 'ZOOM' } });
    await expect(app.services.media.trimRecording(tenantId, bare.id)).rejects.toBeInstanceOf(ConflictError);
  });
});

describe('upload, trim, poster and delete with S3 storage', () => {
  let s3: TestS3Server;
  let services: Services;
  let tenantId: string;
  const redis = createRedis();

  beforeAll(async () => {
    s3 = await startS3Server();
    services = createServices({ prisma, redis, storage: new S3Storage(s3.settings, 600) });
    tenantId = (await prisma.tenant.create({ data: { name: 'S3 tenant' } })).id;
  });
  afterAll(async () => {
    await s3.close();
    redis.disconnect();
  });

  const stage = (file: string) =>
    stageStream(createReadStream(file), { fileName: path.basename(file), mimeType: 'application/octet-stream' }, { tempDir: path.join(config.media.tempDir, 'uploads'), maxBytes: 1e9 });

  it('runs the whole media flow against a real S3 server', async () => {
    const staged = await stage(files.m4a!);
    const recording = await services.recordings.createFromUpload(tenantId, staged, {});
    expect(recording.sourceFileKey).toBe(`${recordingPrefix(tenantId, recording.id)}source.m4a`);

    const trimmed = await services.media.trimRecording(tenantId, recording.id, { mode: 'pauses', preset: 'tight' });
    expect(trimmed.videoFileKey.endsWith('video.m4a')).toBe(true);
    // Window 1…47; the 12 s and 3 s pauses shrink to 1 s each.
    near(trimmed.trimmedDurationSec, 46 - 11 - 2, 0.2);
    expect(await services.media.createPoster(tenantId, recording.id)).toEqual({ posterFileKey: null });

    const { url } = await services.storage.downloadUrl(trimmed.audioFileKey);
    expect(url.startsWith(s3.settings.endpoint!)).toBe(true);
    const audio = await fetch(url);
    expect(audio.status).toBe(200);
    expect((await audio.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    await expectExactUsage(services, tenantId);

    const { freedBytes } = await services.recordings.purgeRecording(tenantId, recording.id);
    expect(freedBytes).toBeGreaterThan(0);
    expect(await services.storage.list(recordingPrefix(tenantId, recording.id))).toEqual([]);
    expect((await prisma.tenant.findUniqueOrThrow({ where: { id: tenantId } })).storageBytes).toBe(0n);
  });
});

import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { prisma } from '../../src/lib/db.js';
import { CredentialError, DomainError, NotFoundError, ValidationError } from '../../src/lib/errors.js';
import { createRedis } from '../../src/lib/redis.js';
import { recordingFileKey } from '../../src/modules/storage/storage.js';
import { createServices, type Services } from '../../src/services.js';
import { startFakeYandexDisk, type FakeYandexDisk } from '../support/fake-yandex-disk.js';
import { startFakeZoom, type FakeZoom } from '../support/fake-zoom.js';
import { listen, sendFile } from '../support/http-fixtures.js';
import { ingestOverridesFor, makeLecture } from '../support/ingest.js';

// services.ingest.downloadSource, the DOWNLOAD stage's work, against local Zoom, Yandex Disk and a
// web server for yt-dlp: stored file, updated row and usage, idempotence, resume, failure kinds.

let zoom: FakeZoom;
let yandex: FakeYandexDisk;
let web: Awaited<ReturnType<typeof listen>>;
let services: Services;
let redis: ReturnType<typeof createRedis>;
let dir: string;
let lecture: string;
let lectureSize: number;
let tenantId: string;
let zoomSourceId: string;
const window = { from: new Date('2024-06-01T00:00:00Z'), to: new Date('2024-06-30T00:00:00Z') };

beforeAll(async () => {
  [zoom, yandex] = await Promise.all([startFakeZoom(), startFakeYandexDisk()]);
  dir = await mkdtemp(path.join(tmpdir(), 'leap-ingest-'));
  lecture = await makeLecture(dir);
  lectureSize = (await stat(lecture)).size;
  await writeFile(path.join(dir, 'page.mp4'), '<!doctype html><html><body>Sign in to download</body></html>'.padEnd(4000, ' '));
  web = await listen((req, res, url) => (url.pathname === '/lecture.mp4' ? sendFile(req, res, lecture) : void res.writeHead(404).end()));
  redis = createRedis();
  services = createServices({ prisma, redis, ingest: ingestOverridesFor({ zoom, yandex }, { urlGuard: { allowHosts: ['127.0.0.1'] }, blank: { minDurationSec: 0, minSizeBytes: 0 } }) });
  const tenant = await prisma.tenant.create({ data: { name: `ingest ${randomUUID().slice(0, 6)}` } });
  tenantId = tenant.id;
  const credential = await prisma.credential.create({ data: { tenantId, platform: 'ZOOM', accountName: 'zoom test', secret: Buffer.from('sealed elsewhere'), keyVersion: 1 } });
  zoomSourceId = (await services.sources.create(tenantId, { name: 'Zoom', type: 'ZOOM', credentialId: credential.id })).id;
});
afterAll(async () => {
  await Promise.all([zoom.close(), yandex.close(), web.close()]);
  redis.disconnect();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  zoom.meetings = [];
  zoom.requests = [];
});

/** A synced Zoom recording whose best file is `file` (served by the fake). */
async function zoomRecording(file = lecture, size = lectureSize): Promise<{ id: string; fileId: string }> {
  const fileId = `f-${randomUUID().slice(0, 8)}`;
  const uuid = `${randomUUID()}==`;
  zoom.meetings = [{ uuid, id: 1, topic: `Lecture ${fileId}`, start_time: '2024-06-10T09:00:00Z', duration: 60, recording_files: [{ id: fileId, file_type: 'MP4', file_extension: 'MP4', file_size: size, recording_type: 'shared_screen', status: 'completed', download_url: zoom.addFile(fileId, file) }] }];
  const summary = await services.sources.sync(tenantId, zoomSourceId, window.from, window.to);
  const recording = summary.recordings.find((r) => r.sourceKey?.startsWith(uuid));
  if (!recording) throw new Error('sync made no recording');
  return { id: recording.id, fileId };
}

const storageBytes = async () => (await prisma.tenant.findUniqueOrThrow({ where: { id: tenantId } })).storageBytes;
const failureOf = (promise: Promise<unknown>) => promise.then(() => null, (e: unknown) => e as Error);

describe('downloadSource', () => {
  it('stores a Zoom recording as source.mp4, updates the row and the storage usage, and is idempotent', async () => {
    const { id } = await zoomRecording();
    const before = await storageBytes();
    const progress: number[] = [];
    const result = await services.ingest.downloadSource(tenantId, id, (f) => progress.push(f));
    expect(result).toEqual({ sourceFileKey: recordingFileKey(tenantId, id, 'source.mp4'), sizeBytes: lectureSize, durationSec: expect.closeTo(4, 0) });
    const row = await prisma.recording.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ sourceFileKey: result.sourceFileKey, sizeBytes: BigInt(lectureSize) });
    expect(row.checksumSha256).toMatch(/^[0-9a-f]{64}$/);
    expect((row.mediaInfo as { video: { codec: string } }).video.codec).toBe('h264');
    expect(await storageBytes()).toBe(before + BigInt(lectureSize));
    let stored = Buffer.alloc(0);
    for await (const chunk of await services.storage.get(result.sourceFileKey)) stored = Buffer.concat([stored, chunk as Buffer]);
    expect(stored).toEqual(await readFile(lecture));
    expect(progress.at(-1)).toBe(1);
    expect(progress.every((p, i) => i === 0 || p >= (progress[i - 1] ?? 0))).toBe(true);

    const downloads = zoom.requests.filter((r) => r.path.startsWith('/rec/download/')).length;
    expect(await services.ingest.downloadSource(tenantId, id)).toEqual(result);
    expect(zoom.requests.filter((r) => r.path.startsWith('/rec/download/')).length).toBe(downloads);
    expect(await storageBytes()).toBe(before + BigInt(lectureSize));
    await expect(readdir(services.ingest.workDirOf(tenantId, id))).rejects.toThrow();
  });

  it('a dropped transfer is transient; the retry resumes with Range', async () => {
    const { id, fileId } = await zoomRecording();
    zoom.cutNextDownload(fileId, 5000);
    const first = await failureOf(services.ingest.downloadSource(tenantId, id));
    expect(first).toBeInstanceOf(Error);
    expect(first).not.toBeInstanceOf(DomainError);
    await services.ingest.downloadSource(tenantId, id);
    const ranges = zoom.requests.filter((r) => r.path === `/rec/download/${fileId}`).map((r) => r.range);
    expect(ranges).toEqual([null, 'bytes=5000-']);
  });

  it('5xx is transient; 404 and invalid media are not, and store nothing', async () => {
    const flaky = await zoomRecording();
    zoom.failNextDownload(flaky.fileId, 502);
    const transient = await failureOf(services.ingest.downloadSource(tenantId, flaky.id));
    expect(transient).not.toBeInstanceOf(DomainError);
    expect(transient?.message).toMatch(/HTTP 502/);

    const gone = await zoomRecording();
    zoom.meetings = [];
    const meta = (await prisma.recording.findUniqueOrThrow({ where: { id: gone.id } })).sourceMeta as Record<string, unknown>;
    await prisma.recording.update({ where: { id: gone.id }, data: { sourceMeta: { ...meta, downloadUrl: `${zoom.origin}/rec/download/no-such-file` } } });
    expect(await failureOf(services.ingest.downloadSource(tenantId, gone.id))).toBeInstanceOf(NotFoundError);

    const page = path.join(dir, 'page.mp4');
    const bogus = await zoomRecording(page, (await stat(page)).size);
    const before = await storageBytes();
    const invalid = await failureOf(services.ingest.downloadSource(tenantId, bogus.id));
    expect(invalid).toBeInstanceOf(ValidationError);
    expect(invalid?.message).toMatch(/web page or text/);
    expect(await services.storage.list(`tenants/${tenantId}/recordings/${bogus.id}/`)).toEqual([]);
    expect((await prisma.recording.findUniqueOrThrow({ where: { id: bogus.id } })).sourceFileKey).toBeNull();
    expect(await storageBytes()).toBe(before);
  });

  it('a token refused again after a refresh is a CredentialError', async () => {
    const { id } = await zoomRecording();
    const stuck = createServices({
      prisma,
      redis,
      ingest: ingestOverridesFor({ zoom }, { credentials: { authFor: async () => ({ accessToken: async () => 'zat-bad', refresh: async () => 'zat-bad-too' }) } }),
    });
    expect(await failureOf(stuck.ingest.downloadSource(tenantId, id))).toBeInstanceOf(CredentialError);
  });

  it('until the credentials vault is wired, sources that need an account fail fast with a CredentialError', async () => {
    const { id } = await zoomRecording();
    const unwired = createServices({ prisma, redis, ingest: { zoom: { apiBaseUrl: zoom.apiBaseUrl, oauthBaseUrl: zoom.oauthBaseUrl } } });
    const requests = zoom.requests.length;
    expect(await failureOf(unwired.sources.sync(tenantId, zoomSourceId, window.from, window.to))).toBeInstanceOf(CredentialError);
    expect(await failureOf(unwired.ingest.downloadSource(tenantId, id))).toBeInstanceOf(CredentialError);
    expect(zoom.requests.length).toBe(requests);
  });

  it('LOCAL recordings already have their source; other tenants’ recordings are not found', async () => {
    const id = randomUUID();
    const key = recordingFileKey(tenantId, id, 'source.mp4');
    await services.storage.put(key, Readable.from([Buffer.from('uploaded bytes')]));
    await prisma.recording.create({ data: { id, tenantId, displayName: 'uploaded', sourceType: 'LOCAL', status: 'DOWNLOADED', sourceFileKey: key, sizeBytes: 14n, durationSec: 3 } });
    expect(await services.ingest.downloadSource(tenantId, id)).toEqual({ sourceFileKey: key, sizeBytes: 14, durationSec: 3 });
    const missing = await prisma.recording.create({ data: { tenantId, displayName: 'lost upload', sourceType: 'LOCAL', status: 'DOWNLOADED' } });
    expect(await failureOf(services.ingest.downloadSource(tenantId, missing.id))).toBeInstanceOf(NotFoundError);
    const other = await prisma.tenant.create({ data: { name: 'someone else' } });
    expect(await failureOf(services.ingest.downloadSource(other.id, id))).toBeInstanceOf(NotFoundError);
  });

  it('URL recordings download through yt-dlp', async () => {
    const { recordings } = await services.sources.createFromUrl(tenantId, `${web.origin}/lecture.mp4`, 'BEST');
    const id = recordings[0]?.id ?? '';
    const result = await services.ingest.downloadSource(tenantId, id);
    expect(result).toMatchObject({ sourceFileKey: recordingFileKey(tenantId, id, 'source.mp4'), sizeBytes: lectureSize });
  });

  it('Yandex Disk recordings download through the signed href', async () => {
    await yandex.addFile('/Lectures/physics.mp4', lecture, { modified: '2024-06-05T10:00:00+00:00' });
    const source = await services.sources.create(tenantId, { name: 'Disk link', type: 'YANDEX_DISK', config: { publicUrl: yandex.publish('/Lectures') } });
    const { recordings } = await services.sources.sync(tenantId, source.id, window.from, window.to);
    expect(recordings.map((r) => r.displayName)).toEqual(['physics']);
    const result = await services.ingest.downloadSource(tenantId, recordings[0]?.id ?? '');
    expect(result.sizeBytes).toBe(lectureSize);
  });
});

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { config } from '../../src/config.js';
import { DomainError, NotFoundError, ValidationError } from '../../src/lib/errors.js';
import { probeMedia } from '../../src/media/index.js';
import { YtDlpAdapter } from '../../src/platforms/yt-dlp/yt-dlp-adapter.js';
import { formatFor, parseProgressLine, probeUrl, ytDlpFailure, type YtDlpOptions } from '../../src/platforms/yt-dlp/yt-dlp.js';
import { listen, record, sendFile, sendJson, type RecordedRequest } from '../support/http-fixtures.js';
import { makeLecture } from '../support/ingest.js';

// The real yt-dlp binary against a local web server: a direct MP4 (generic extractor), a page with
// two <video> tags (a playlist), and a missing file.

let dir: string;
let lecture: string;
let server: Awaited<ReturnType<typeof listen>>;
let requests: RecordedRequest[] = [];
const ytDlp: YtDlpOptions = { binary: config.ingest.ytDlpPath, probeTimeoutMs: 30_000, idleTimeoutMs: 30_000, maxBytes: 1e9 };

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'leap-ytdlp-'));
  lecture = await makeLecture(dir, 'lecture.mp4', 3);
  server = await listen(async (req, res, url) => {
    requests.push(record(req, url));
    if (url.pathname === '/media/lecture.mp4' || url.pathname === '/media/second.mp4') return sendFile(req, res, lecture);
    if (url.pathname === '/course.html') {
      const page = '<!doctype html><html><head><title>Algebra course</title></head><body><video src="/media/lecture.mp4"></video><video src="/media/second.mp4"></video></body></html>';
      return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
    }
    sendJson(res, 404, { message: 'no such file' });
  });
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  requests = [];
});

const allowLocal = { allowHosts: ['127.0.0.1'] };

describe('yt-dlp probe', () => {
  it('reads a direct file URL through the generic extractor', async () => {
    const [video, ...rest] = await probeUrl(`${server.origin}/media/lecture.mp4`, ytDlp);
    expect(rest).toHaveLength(0);
    expect(video).toMatchObject({ platform: 'generic', title: 'lecture', url: `${server.origin}/media/lecture.mp4` });
    expect(video?.sourceKey).toMatch(/^generic:[0-9a-f]{24}$/);
    // The same URL always gives the same key (dedup), another URL another one.
    const [again] = await probeUrl(`${server.origin}/media/lecture.mp4`, ytDlp);
    const [second] = await probeUrl(`${server.origin}/media/second.mp4`, ytDlp);
    expect(again?.sourceKey).toBe(video?.sourceKey);
    expect(second?.sourceKey).not.toBe(video?.sourceKey);
  });

  it('expands a page of several videos into one entry each', async () => {
    const videos = await probeUrl(`${server.origin}/course.html`, ytDlp);
    expect(videos.map((v) => v.url)).toEqual([`${server.origin}/media/lecture.mp4`, `${server.origin}/media/second.mp4`]);
    expect(new Set(videos.map((v) => v.sourceKey)).size).toBe(2);
    expect(videos.map((v) => v.title)).toEqual(['Algebra course (1)', 'Algebra course (2)']);
  });

  it('the guarded adapter refuses the local server unless it is allow-listed, before yt-dlp runs', async () => {
    const guarded = new YtDlpAdapter(ytDlp, { allowHosts: [] });
    await expect(guarded.probe(`${server.origin}/media/lecture.mp4`, 'BEST')).rejects.toBeInstanceOf(ValidationError);
    expect(requests).toHaveLength(0);
    const allowed = new YtDlpAdapter(ytDlp, allowLocal);
    const [recording] = await allowed.probe(`${server.origin}/media/lecture.mp4`, 'P720');
    expect(recording?.meta).toMatchObject({ url: `${server.origin}/media/lecture.mp4`, platform: 'generic', quality: 'P720' });
  });

  it('a missing file is NotFound', async () => {
    const error = await probeUrl(`${server.origin}/media/missing.mp4`, ytDlp).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
  });
});

describe('yt-dlp download', () => {
  it('downloads the best quality with progress, resuming a .part file with Range', async () => {
    const work = await mkdtemp(path.join(dir, 'work-'));
    const bytes = await readFile(lecture);
    const half = Math.floor(bytes.length / 2);
    await writeFile(path.join(work, 'download.mp4.part'), bytes.subarray(0, half));
    const progress: number[] = [];
    const adapter = new YtDlpAdapter(ytDlp, allowLocal);
    const file = await adapter.download({ url: `${server.origin}/media/lecture.mp4`, quality: 'BEST' }, work, (f) => progress.push(f));
    expect(file.extension).toBe('mp4');
    expect(await readFile(file.path)).toEqual(bytes);
    expect(requests.some((r) => r.range === `bytes=${half}-`)).toBe(true);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toBe(1);
  });

  it('audio only: extracts MP3', async () => {
    const work = await mkdtemp(path.join(dir, 'work-'));
    const file = await new YtDlpAdapter(ytDlp, allowLocal).download({ url: `${server.origin}/media/lecture.mp4`, quality: 'AUDIO_ONLY' }, work);
    expect(file.extension).toBe('mp3');
    const info = await probeMedia(file.path);
    expect(info.audio?.codec).toBe('mp3');
    expect(info.video).toBeNull();
  });

  it('checks the stored URL again before downloading', async () => {
    const work = await mkdtemp(path.join(dir, 'work-'));
    await expect(new YtDlpAdapter(ytDlp, { allowHosts: [] }).download({ url: 'http://169.254.169.254/latest/meta-data/', quality: 'BEST' }, work)).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('yt-dlp details', () => {
  it('format selection per quality', () => {
    expect(formatFor('BEST')).toBe('bestvideo[ext=mp4]+bestaudio[ext=m4a]/best[ext=mp4]/best');
    expect(formatFor('P720')).toBe('bestvideo[ext=mp4][height<=720]+bestaudio[ext=m4a]/best[ext=mp4][height<=720]/best[height<=720]');
    expect(formatFor('AUDIO_ONLY')).toBe('bestaudio/best');
  });

  it('progress lines', () => {
    expect(parseProgressLine('leap-progress 500 1000 NA')).toBe(0.5);
    expect(parseProgressLine('leap-progress 500 NA 2000')).toBe(0.25);
    expect(parseProgressLine('leap-progress 500 NA NA')).toBe(0);
    expect(parseProgressLine('[download] Destination: x.mp4')).toBeNull();
  });

  it('failures: typed when retrying cannot help, plain otherwise', () => {
    expect(ytDlpFailure('ERROR: [youtube] abc: Video unavailable')).toBeInstanceOf(NotFoundError);
    expect(ytDlpFailure('ERROR: Unsupported URL: https://example.com/')).toBeInstanceOf(ValidationError);
    expect(ytDlpFailure('ERROR: [youtube] abc: Sign in to confirm you’re not a bot').name).toBe('CredentialError');
    expect(ytDlpFailure('ERROR: [youtube] abc: Requested format is not available')).toBeInstanceOf(ValidationError);
    const transient = ytDlpFailure('ERROR: Unable to download webpage: <urlopen error [Errno 104] Connection reset by peer>');
    expect(transient).not.toBeInstanceOf(DomainError);
  });
});

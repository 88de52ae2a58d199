import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { request } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { config } from '../../src/config.js';
import { prisma } from '../../src/lib/db.js';
import { recordingPrefix, tenantPrefix } from '../../src/modules/storage/storage.js';
import type { SynthSpec } from '../../src/media/synth.js';
import { rawId, registerUser, startTestApp, type RegisteredUser, type TestApp } from '../support/app.js';
import { mediaScratch } from '../support/media.js';
import { multipartRequest, postMultipart, uploadRecording, UPLOAD, type FilePart } from '../support/uploads.js';

const MAX_UPLOAD = 2 * 1024 * 1024;
const uploadTemp = path.join(config.media.tempDir, 'uploads');

let app: TestApp;
let owner: RegisteredUser;
let tenantId: string;
let scratch: Awaited<ReturnType<typeof mediaScratch>>;
const media: Record<string, Buffer> = {};

const video = (muxer: string, vcodec: 'h264' | 'vp8' = 'h264', acodec: 'aac' | 'opus' = 'aac', extra: Partial<SynthSpec> = {}): SynthSpec => ({
  durationSec: 6,
  sound: [{ start: 1, end: 5 }],
  video: { codec: vcodec, width: 160, height: 90, fps: 15 },
  audio: { codec: acodec },
  muxer,
  ...extra,
});

beforeAll(async () => {
  scratch = await mediaScratch('uploads');
  const specs: Record<string, SynthSpec> = {
    mp4: video('mp4', 'h264', 'aac', { faststart: true }),
    'moov-at-end.mp4': video('mp4'),
    webm: video('webm', 'vp8', 'opus'),
    mkv: video('matroska'),
    mov: video('mov'),
    m4a: { durationSec: 6, sound: 'always', audio: { codec: 'aac' }, muxer: 'ipod' },
    mp3: { durationSec: 6, sound: 'always', audio: { codec: 'mp3' }, muxer: 'mp3' },
    wav: { durationSec: 6, sound: 'always', audio: { codec: 'pcm_s16le', sampleRate: 16000 }, muxer: 'wav' },
    'no-audio.mp4': { ...video('mp4'), audio: null },
  };
  for (const [name, spec] of Object.entries(specs)) media[name] = await readFile(await scratch.make(`fixture-${name}`, spec));
  app = await startTestApp({ uploadMaxBytes: MAX_UPLOAD });
  owner = await registerUser(app);
  // More uploads than the free plan's recordings of a month (quotas have tests of their own).
  await prisma.quotaOverride.create({ data: { tenantId: rawId(owner.tenantId), recordingsPerMonth: 1000 } });
  tenantId = rawId(owner.tenantId);
}, 120_000);
afterAll(async () => {
  await app.close();
  await scratch.cleanup();
});

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const storedKeys = async (tenant = tenantId) => (await app.services.storage.list(tenantPrefix(tenant))).map((o) => o.key);
const tempFiles = async () => readdir(uploadTemp).catch(() => [] as string[]);
const recordingCount = (tenant = tenantId) => prisma.recording.count({ where: { tenantId: tenant } });

/** Uploads and expects a typed ValidationError on `file`, with no row, stored file or temp file left. */
async function expectRefused(file: FilePart, message: RegExp): Promise<void> {
  const [rowsBefore, keysBefore] = [await recordingCount(), await storedKeys()];
  const res = await uploadRecording(app, owner.accessToken, file);
  const result = res.data?.createRecordingFromUpload;
  expect(result?.__typename, JSON.stringify(res)).toBe('ValidationError');
  expect(result?.code).toBe('VALIDATION_FAILED');
  expect(result?.issues?.[0]?.path).toBe('file');
  expect(result?.message).toMatch(message);
  expect(await recordingCount()).toBe(rowsBefore);
  expect(await storedKeys()).toEqual(keysBefore);
  expect(await tempFiles()).toEqual([]);
}

describe('createRecordingFromUpload', () => {
  it('stores an mp4 under the SPEC key with probe, size and checksum, and links to it', async () => {
    const data = media.mp4!;
    const storageBefore = (await prisma.tenant.findUniqueOrThrow({ where: { id: tenantId } })).storageBytes;
    const res = await uploadRecording(app, owner.accessToken, { fileName: 'Лекция_01 intro.mp4', data, contentType: 'video/mp4' });
    const recording = res.data?.createRecordingFromUpload;
    expect(recording?.__typename, JSON.stringify(res)).toBe('Recording');
    expect(recording).toMatchObject({
      displayName: 'Лекция 01 intro',
      status: 'DOWNLOADED',
      sourceType: 'LOCAL',
      sizeBytes: data.length,
      checksumSha256: sha256(data),
      probe: { videoCodec: 'h264', audioCodec: 'aac', width: 160, height: 90, fps: 15, sizeBytes: data.length },
    });
    expect(Math.abs((recording?.durationSec ?? 0) - 6)).toBeLessThan(0.1);

    const id = rawId(recording!.id);
    const row = await prisma.recording.findUniqueOrThrow({ where: { id } });
    expect(row.sourceFileKey).toBe(`tenants/${tenantId}/recordings/${id}/source.mp4`);
    expect(row.checksumSha256).toBe(sha256(data));
    expect((await prisma.tenant.findUniqueOrThrow({ where: { id: tenantId } })).storageBytes).toBe(storageBefore + BigInt(data.length));
    expect(await prisma.usageEvent.count({ where: { tenantId, recordingId: id, type: 'RECORDING_CREATED' } })).toBe(1);

    const source = recording!.files.find((f) => f.kind === 'SOURCE');
    expect(source?.name).toBe('source.mp4');
    expect(source?.url.startsWith(app.url.replace('/graphql', '/files/'))).toBe(true);
    const download = await fetch(source!.url);
    expect(download.status).toBe(200);
    expect(sha256(Buffer.from(await download.arrayBuffer()))).toBe(sha256(data));
    expect(await tempFiles()).toEqual([]);
  });

  it.each(['moov-at-end.mp4', 'webm', 'mkv', 'mov', 'm4a', 'mp3', 'wav'])('accepts %s', async (name) => {
    const fileName = name.includes('.') ? name : `lecture.${name}`;
    const res = await uploadRecording(app, owner.accessToken, { fileName, data: media[name]! }, 'Given name');
    const recording = res.data?.createRecordingFromUpload;
    expect(recording?.__typename, JSON.stringify(res)).toBe('Recording');
    expect(recording?.displayName).toBe('Given name');
    expect(recording?.files[0]?.name).toBe(`source.${fileName.split('.').pop()}`);
    expect(Math.abs((recording?.probe.durationSec ?? 0) - 6)).toBeLessThan(0.15);
  });

  it('streams the file to disk while the request is still arriving', async () => {
    const data = media.mp4!;
    const half = Math.floor(data.length / 2);
    let sawPartialFile = false;
    async function* paced(): AsyncIterable<Buffer> {
      yield data.subarray(0, half);
      for (let i = 0; i < 200 && !sawPartialFile; i++) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        for (const name of await tempFiles()) {
          const size = (await readFile(path.join(uploadTemp, name)).catch(() => Buffer.alloc(0))).length;
          if (size >= half - 64 * 1024) sawPartialFile = true;
        }
      }
      yield data.subarray(half);
    }
    const res = await uploadRecording(app, owner.accessToken, { fileName: 'paced.mp4', data: paced() });
    expect(res.data?.createRecordingFromUpload.__typename).toBe('Recording');
    expect(sawPartialFile).toBe(true);
  });

  describe('refuses bad input with a typed error and leaves nothing behind', () => {
    it('zero bytes', () => expectRefused({ fileName: 'empty.mp4', data: Buffer.alloc(0) }, /empty/));

    it('truncated files', async () => {
      const mp4 = media.mp4!;
      await expectRefused({ fileName: 'cut.mp4', data: mp4.subarray(0, Math.floor(mp4.length * 0.6)) }, /truncated/);
      const moovAtEnd = media['moov-at-end.mp4']!;
      await expectRefused({ fileName: 'cut.mp4', data: moovAtEnd.subarray(0, Math.floor(moovAtEnd.length * 0.6)) }, /corrupt or not a media file/);
      const webm = media.webm!;
      await expectRefused({ fileName: 'cut.webm', data: webm.subarray(0, Math.floor(webm.length * 0.5)) }, /truncated/);
    });

    it('corrupt media data behind a valid header', async () => {
      const corrupt = Buffer.from(media.mp4!);
      const mdat = corrupt.indexOf('mdat');
      randomBytes(corrupt.length - mdat - 64).copy(corrupt, mdat + 32);
      await expectRefused({ fileName: 'corrupt.mp4', data: corrupt }, /corrupt|truncated|cannot be used/);
    });

    it('non-media content, web pages and mismatched extensions', async () => {
      await expectRefused({ fileName: 'notes.mp4', data: Buffer.from('just some lecture notes, not a video\n'.repeat(100)) }, /not a supported media format/);
      await expectRefused({ fileName: 'login.mp4', data: Buffer.from('<!DOCTYPE html><html><body>Sign in</body></html>') }, /web page/);
      await expectRefused({ fileName: 'random.mkv', data: randomBytes(50_000) }, /not a supported media format/);
      await expectRefused({ fileName: 'really-webm.mp4', data: media.webm! }, /does not match its \.mp4 extension/);
      await expectRefused({ fileName: 'fake.wav', data: Buffer.concat([Buffer.from('RIFF\0\0\0\0WAVE'), randomBytes(10_000)]) }, /corrupt|cannot be used/);
    });

    it('extensions outside the whitelist', async () => {
      await expectRefused({ fileName: 'lecture.avi', data: media.mp4! }, /Only mp4, webm/);
      await expectRefused({ fileName: 'lecture.mp4.exe', data: media.mp4! }, /Only mp4, webm/);
    });

    it('hostile names', async () => {
      for (const fileName of ['../../../etc/cron.d/x.mp4', 'C:\\\\Windows\\\\x.mp4', 'evil\u202e4pm.mp4', 'tab\tname.mp4', '.mp4', `${'x'.repeat(300)}.mp4`]) {
        await expectRefused({ fileName, data: media.mp4! }, /name|Only mp4/);
      }
      // A control character breaks the part header itself: the request is malformed.
      const broken = await uploadRecording(app, owner.accessToken, { fileName: 'a\u0001b.mp4', data: media.mp4! });
      expect(broken.status).toBe(400);
      expect(broken.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
      expect(await tempFiles()).toEqual([]);
    });

    it('a picture without sound', () => expectRefused({ fileName: 'silent-film.mp4', data: media['no-audio.mp4']! }, /no audio track/));

    it('files over the size limit, streamed in chunks', async () => {
      await expectRefused({ fileName: 'huge.mp4', data: Buffer.concat([media.mp4!, randomBytes(MAX_UPLOAD)]) }, /larger than the 2 MiB upload limit/);
    });
  });

  it('removes the partial file when the client goes away mid-upload', async () => {
    const data = media.mp4!;
    const aborter = new AbortController();
    let staged = false;
    async function* stalls(): AsyncIterable<Buffer> {
      yield data.subarray(0, 20_000);
      for (let i = 0; i < 200 && !staged; i++) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        staged = (await tempFiles()).length > 0;
      }
      aborter.abort();
    }
    const init = multipartRequest(owner.accessToken, { query: UPLOAD, variables: { file: null } }, { 0: ['variables.file'] }, { fileName: 'gone.mp4', data: stalls() }, aborter.signal);
    await expect(fetch(app.url, init)).rejects.toThrow();
    expect(staged).toBe(true);
    for (let i = 0; i < 100 && (await tempFiles()).length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await tempFiles()).toEqual([]);
  });

  it('answers 413 at once for a declared body far over the limit', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(app.url, {
        method: 'POST',
        headers: {
          'content-type': 'multipart/form-data; boundary=x',
          'content-length': String(MAX_UPLOAD + 200 * 1024 * 1024),
          authorization: `Bearer ${owner.accessToken}`,
        },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write('--x\r\n');
    });
    expect(status).toBe(413);
    expect(await tempFiles()).toEqual([]);
  });

  it('requires an Upload sent as a file', async () => {
    const res = await app.gql<{ createRecordingFromUpload: { __typename: string; message: string } }>(UPLOAD, { file: 'upload:made-up' }, owner.accessToken);
    expect(res.data?.createRecordingFromUpload).toMatchObject({ __typename: 'ValidationError', message: expect.stringMatching(/No file was received/) });
    const plain = await app.gql(UPLOAD, { file: 'video.mp4' }, owner.accessToken);
    expect(plain.errors?.[0]?.message).toMatch(/must be sent as files of a multipart request/);
  });

  it('answers 400 to malformed multipart requests', async () => {
    const noMap = await postMultipart(app, owner.accessToken, { query: UPLOAD, variables: { file: null } }, null, { fileName: 'a.mp4', data: media.mp4! });
    expect(noMap.status).toBe(400);
    const badPath = await postMultipart(app, owner.accessToken, { query: UPLOAD, variables: { file: null } }, { 0: ['variables.__proto__.x'] }, { fileName: 'a.mp4', data: media.mp4! });
    expect(badPath.status).toBe(400);
    expect(await tempFiles()).toEqual([]);
  });

  it('requires authentication and the canUpload permission; refused files are never written', async () => {
    const anonymous = await uploadRecording(app, undefined, { fileName: 'a.mp4', data: media.mp4! });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const member = await registerUser(app);
    const memberTenant = rawId(member.tenantId);
    await prisma.membership.updateMany({ where: { tenantId: memberTenant }, data: { canUpload: false } });
    const forbidden = await uploadRecording(app, member.accessToken, { fileName: 'a.mp4', data: media.mp4! });
    expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    await prisma.membership.updateMany({ where: { tenantId: memberTenant }, data: { canUpload: true, role: 'VIEWER' } });
    const viewer = await uploadRecording(app, member.accessToken, { fileName: 'a.mp4', data: media.mp4! });
    expect(viewer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await recordingCount(memberTenant)).toBe(0);
    expect(await storedKeys(memberTenant)).toEqual([]);
    expect(await tempFiles()).toEqual([]);
  });
});

describe('deleteRecording', () => {
  const DELETE = /* GraphQL */ `
    mutation Delete($id: ID!) {
      deleteRecording(id: $id) {
        __typename
        ... on DeletedRecording { deletedId freedBytes }
        ... on Error { code }
      }
    }
  `;
  type DeleteResult = { deleteRecording: { __typename: string; deletedId?: string; freedBytes?: number; code?: string } };

  it('soft-deletes (files kept, hidden), and purgeRecording gives back exactly the stored bytes', async () => {
    const uploaded = (await uploadRecording(app, owner.accessToken, { fileName: 'to-delete.mp4', data: media.mp4! })).data?.createRecordingFromUpload;
    const id = rawId(uploaded!.id);
    const before = (await prisma.tenant.findUniqueOrThrow({ where: { id: tenantId } })).storageBytes;
    expect(await app.services.storage.list(recordingPrefix(tenantId, id))).toHaveLength(1);

    const res = await app.gql<DeleteResult>(DELETE, { id: uploaded!.id }, owner.accessToken);
    expect(res.data?.deleteRecording).toEqual({ __typename: 'DeletedRecording', deletedId: uploaded!.id, freedBytes: 0 });
    expect((await prisma.recording.findUniqueOrThrow({ where: { id } })).deleteState).toBe('SOFT');
    expect(await app.services.storage.list(recordingPrefix(tenantId, id))).toHaveLength(1);
    expect((await prisma.tenant.findUniqueOrThrow({ where: { id: tenantId } })).storageBytes).toBe(before);

    const PURGE = 'mutation Purge($id: ID!) { purgeRecording(id: $id) { __typename ... on DeletedRecording { deletedId freedBytes deleteState } ... on Error { code } } }';
    const purged = await app.gql<{ purgeRecording: unknown }>(PURGE, { id: uploaded!.id }, owner.accessToken);
    expect(purged.data?.purgeRecording).toEqual({ __typename: 'DeletedRecording', deletedId: uploaded!.id, freedBytes: media.mp4!.length, deleteState: 'HARD' });
    expect(await prisma.recording.findUnique({ where: { id } })).toBeNull();
    expect(await app.services.storage.list(recordingPrefix(tenantId, id))).toEqual([]);
    expect((await prisma.tenant.findUniqueOrThrow({ where: { id: tenantId } })).storageBytes).toBe(before - BigInt(media.mp4!.length));

    const again = await app.gql<DeleteResult>(DELETE, { id: uploaded!.id }, owner.accessToken);
    expect(again.data?.deleteRecording).toEqual({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
  });

  it("answers NotFoundError for another tenant's recording and leaves it alone", async () => {
    const uploaded = (await uploadRecording(app, owner.accessToken, { fileName: 'mine.mp4', data: media.mp4! })).data?.createRecordingFromUpload;
    const stranger = await registerUser(app);
    const res = await app.gql<DeleteResult>(DELETE, { id: uploaded!.id }, stranger.accessToken);
    expect(res.data?.deleteRecording).toEqual({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    const id = rawId(uploaded!.id);
    expect(await prisma.recording.findUnique({ where: { id } })).not.toBeNull();
    expect(await app.services.storage.list(recordingPrefix(tenantId, id))).toHaveLength(1);
  });

  it('requires canDeleteRecordings', async () => {
    const member = await registerUser(app);
    await prisma.membership.updateMany({ where: { tenantId: rawId(member.tenantId) }, data: { canDeleteRecordings: false } });
    const uploaded = (await uploadRecording(app, member.accessToken, { fileName: 'keep.mp4', data: media.mp4! })).data?.createRecordingFromUpload;
    const res = await app.gql<DeleteResult>(DELETE, { id: uploaded!.id }, member.accessToken);
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

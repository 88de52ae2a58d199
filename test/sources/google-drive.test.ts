import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { prisma } from '../../src/lib/db.js';
import { CredentialError, DomainError, NotFoundError, ValidationError } from '../../src/lib/errors.js';
import { GoogleDriveAdapter, type GoogleDriveOptions } from '../../src/platforms/google-drive/google-drive-adapter.js';
import type { SourceAuth } from '../../src/platforms/source-adapter.js';
import { rawId, registerUser, startTestApp, type RegisteredUser, type TestApp } from '../support/app.js';
import { startFakeGoogleDrive, type FakeGoogleDrive } from '../support/fake-google-drive.js';
import { startFakeOAuth, type FakeOAuthServer } from '../support/fake-oauth.js';
import { makeLecture } from '../support/ingest.js';
import { credentialOf, ERROR_FIELDS, globalId, ok, type ErrorResult } from '../support/templates.js';

// The Google Drive source: the adapter's real code against a local Drive v3 (listing, paging,
// filters, shared drives, download with Range resume and md5 check), then through GraphQL with a
// real vault credential whose token is refreshed at the local OAuth server.

let oauth: FakeOAuthServer;
let drive: FakeGoogleDrive;
let dir: string;
let lecture: Buffer;
let other: Buffer;
let folderId: string;
let token: string;
const everything = { from: new Date('2000-01-01'), to: new Date('2100-01-01') };

beforeAll(async () => {
  oauth = await startFakeOAuth();
  drive = await startFakeGoogleDrive((t) => oauth.accessTokens.has(t));
  token = oauth.grant('drive-owner@example.test').accessToken;
  dir = await mkdtemp(path.join(tmpdir(), 'leap-gdrive-'));
  lecture = await readFile(await makeLecture(dir));
  other = Buffer.concat([lecture, Buffer.from('different bytes')]);
  folderId = drive.addFolder('Lectures');
  drive.addFile('week1.mp4', folderId, lecture, { modifiedTime: '2024-02-01T10:00:00.000Z' });
  drive.addFile('week2', folderId, other, { mimeType: 'video/quicktime', modifiedTime: '2024-02-08T10:00:00.000Z' });
  drive.addFile('old.mp4', folderId, other, { modifiedTime: '2019-05-01T10:00:00.000Z' });
  drive.addFile('thrown away.mp4', folderId, lecture, { trashed: true });
  drive.addFile('notes.txt', folderId, Buffer.from('not a video'), { mimeType: 'text/plain' });
  drive.addFile('talk.mp3', folderId, lecture, { mimeType: 'audio/mpeg' });
  drive.addFile('Slides', folderId, Buffer.alloc(0), { mimeType: 'application/vnd.google-apps.presentation', data: null });
  drive.addFile('bonus.mp4', drive.addFolder('Extra', folderId), lecture, { modifiedTime: '2024-02-09T10:00:00.000Z' });
});
afterAll(async () => {
  await drive.close();
  await oauth.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  drive.rateLimited = 0;
  drive.cutDownloadAt = null;
  drive.corruptNextDownload = false;
});

const options = (extra: Partial<GoogleDriveOptions> = {}): GoogleDriveOptions => ({
  apiRoot: drive.rootUrl,
  folderId,
  recursive: false,
  filePattern: null,
  mimeTypes: ['video/*'],
  credentialId: 'cred-g',
  idleTimeoutMs: 5000,
  maxBytes: 1e9,
  pageSize: 2,
  ...extra,
});
const auth = (access = token): SourceAuth => ({ accessToken: async () => access });
const failure = (promise: Promise<unknown>) => promise.then(() => null, (e: unknown) => e as Error);

describe('Google Drive adapter: listing', () => {
  it('pages through the folder, keeps video files only, keys by file id then md5 + size', async () => {
    drive.queries = [];
    const found = await new GoogleDriveAdapter(auth(), options()).list(everything);
    expect(found.map((f) => f.meta.name).sort()).toEqual(['old.mp4', 'week1.mp4', 'week2']);
    const week1 = found.find((f) => f.meta.name === 'week1.mp4');
    const id = drive.childrenOf(folderId).find((i) => i.name === 'week1.mp4')?.id;
    expect(week1).toMatchObject({ sourceKey: `gdrive:id:${id}`, displayName: 'week1', sizeBytes: lecture.length, processing: false, startTime: new Date('2024-02-01T10:00:00Z') });
    expect(week1?.aliasKeys).toEqual([expect.stringMatching(new RegExp(`^gdrive:md5:[0-9a-f]{32}:${lecture.length}$`))]);
    expect(found.find((f) => f.meta.name === 'week2')?.meta.extension).toBe('mov');
    // Seven children (the trashed file is not asked for) in pages of two, one query shape.
    expect(drive.queries).toEqual(Array(4).fill(`'${folderId}' in parents and trashed = false`));
  });

  it('applies recursion, the name pattern, the MIME filter and the sync window', async () => {
    const deep = await new GoogleDriveAdapter(auth(), options({ recursive: true })).list(everything);
    expect(deep.map((f) => f.meta.name).sort()).toEqual(['bonus.mp4', 'old.mp4', 'week1.mp4', 'week2']);
    const pattern = await new GoogleDriveAdapter(auth(), options({ recursive: true, filePattern: /^WEEK/i })).list(everything);
    expect(pattern.map((f) => f.meta.name).sort()).toEqual(['week1.mp4', 'week2']);
    const audio = await new GoogleDriveAdapter(auth(), options({ mimeTypes: ['audio/*'] })).list(everything);
    expect(audio.map((f) => f.meta.name)).toEqual(['talk.mp3']);
    const mp4 = await new GoogleDriveAdapter(auth(), options({ mimeTypes: ['video/mp4'] })).list(everything);
    expect(mp4.map((f) => f.meta.name).sort()).toEqual(['old.mp4', 'week1.mp4']);
    const recent = await new GoogleDriveAdapter(auth(), options({ recursive: true })).list({ from: new Date('2024-01-01'), to: new Date('2024-12-31') });
    expect(recent.map((f) => f.meta.name).sort()).toEqual(['bonus.mp4', 'week1.mp4', 'week2']);
  });

  it('reads folders of shared drives (supportsAllDrives, includeItemsFromAllDrives)', async () => {
    const shared = drive.addFolder('Department', 'root', { driveId: 'shared-drive-1' });
    drive.addFile('seminar.mp4', shared, lecture);
    const found = await new GoogleDriveAdapter(auth(), options({ folderId: shared })).list(everything);
    expect(found.map((f) => f.meta.name)).toEqual(['seminar.mp4']);
  });

  it('an unknown folder is NotFound, a file id is a ValidationError, throttling is transient', async () => {
    expect(await failure(new GoogleDriveAdapter(auth(), options({ folderId: '1NoSuchFolder0000' })).list(everything))).toBeInstanceOf(NotFoundError);
    const fileId = drive.childrenOf(folderId).find((i) => i.name === 'week1.mp4')?.id ?? '';
    expect(await failure(new GoogleDriveAdapter(auth(), options({ folderId: fileId })).list(everything))).toBeInstanceOf(ValidationError);
    drive.rateLimited = 1;
    const throttled = await failure(new GoogleDriveAdapter(auth(), options()).list(everything));
    expect(throttled).toBeInstanceOf(Error);
    expect(throttled).not.toBeInstanceOf(DomainError);
    expect(throttled?.message).toMatch(/rate limit/);
  });

  it('a refused token is refreshed once; refused again it is a CredentialError', async () => {
    let refreshed = 0;
    let current = 'at-expired';
    const stale = { accessToken: async () => current, refresh: async () => (refreshed++, (current = token)) };
    expect(await new GoogleDriveAdapter(stale, options()).list(everything)).toHaveLength(3);
    expect(refreshed).toBe(1);
    const refused = { accessToken: async () => 'at-wrong', refresh: async () => 'at-still-wrong' };
    const error = await failure(new GoogleDriveAdapter(refused, options()).list(everything));
    expect(error).toBeInstanceOf(CredentialError);
    expect((error as CredentialError).credentialId).toBe('cred-g');
  });
});

describe('Google Drive adapter: download', () => {
  const week = async (name: string) => {
    const adapter = new GoogleDriveAdapter(auth(), options());
    const item = (await adapter.list(everything)).find((f) => f.meta.name === name);
    if (!item) throw new Error(`${name} not listed`);
    return { adapter, meta: item.meta, work: await mkdtemp(path.join(dir, 'work-')) };
  };

  it('downloads with alt=media and names the file by its extension', async () => {
    const { adapter, meta, work } = await week('week2');
    const file = await adapter.download(meta, work);
    expect(file.extension).toBe('mov');
    expect(await readFile(file.path)).toEqual(other);
  });

  it('a dropped transfer keeps its bytes and the retry resumes with Range', async () => {
    const { adapter, meta, work } = await week('week1.mp4');
    drive.cutDownloadAt = 5000;
    const first = await failure(adapter.download(meta, work));
    expect(first).toBeInstanceOf(Error);
    expect(first).not.toBeInstanceOf(DomainError);
    expect((await stat(path.join(work, 'download.mp4'))).size).toBe(5000);
    drive.log = [];
    const file = await adapter.download(meta, work);
    expect(await readFile(file.path)).toEqual(lecture);
    expect(drive.log).toEqual([`GET /drive/v3/files/${String(meta.fileId)}`]);
  });

  it('bytes that do not match the md5 are dropped and the error is transient', async () => {
    const { adapter, meta, work } = await week('week1.mp4');
    drive.corruptNextDownload = true;
    const error = await failure(adapter.download(meta, work));
    expect(error?.message).toMatch(/md5/);
    expect(error).not.toBeInstanceOf(DomainError);
    await expect(stat(path.join(work, 'download.mp4'))).rejects.toThrow();
    expect(await readFile((await adapter.download(meta, work)).path)).toEqual(lecture);
  });
});

const SOURCE = `mutation($input: CreateInputSourceInput!) { createInputSource(input: $input) { ${ERROR_FIELDS} ... on InputSource { id type config credentialId } } }`;
const SYNC = `mutation($id: ID!, $from: DateTime!, $to: DateTime!) { syncSource(id: $id, from: $from, to: $to) { ${ERROR_FIELDS} ... on IngestResult { found created skippedDuplicates recordings { id displayName sourceType } } } }`;

describe('Google Drive sources over GraphQL', () => {
  let app: TestApp;
  let owner: RegisteredUser;
  let credentialId: string;
  let courseId: string;

  beforeAll(async () => {
    app = await startTestApp({ services: { oauth: oauth.settings }, ingest: { googleDrive: { apiRoot: drive.rootUrl }, idleTimeoutMs: 10_000 } });
    owner = await registerUser(app);
    const tokens = oauth.grant('lecturer@example.test');
    // Expired: the vault renews it at the token endpoint before the first call.
    const credential = await app.services.credentials.create(rawId(owner.tenantId), {
      platform: 'GOOGLE_DRIVE',
      accountName: 'lecturer@example.test',
      secret: { kind: 'oauth', ...tokens, expiresAt: new Date(Date.now() - 60_000).toISOString(), clientId: 'google-client', clientSecret: 'google-client-secret-value' },
    });
    credentialId = globalId('Credential', credential.id);
    courseId = drive.addFolder('Course');
    drive.addFile('intro.mp4', courseId, lecture, { modifiedTime: '2024-03-02T10:00:00.000Z' });
    drive.addFile('limits.mp4', drive.addFolder('Week 1', courseId), other, { modifiedTime: '2024-03-09T10:00:00.000Z' });
  });
  afterAll(async () => {
    await app.close();
  });

  const create = async (input: Record<string, unknown>) => (await ok<{ createInputSource: ErrorResult & { id: string; config: unknown } }>(app, SOURCE, { input }, owner.accessToken)).createInputSource;
  const sync = async (id: string) => (await ok<{ syncSource: ErrorResult & { found: number; created: number; skippedDuplicates: number; recordings: Array<{ id: string; displayName: string; sourceType: string }> } }>(app, SYNC, { id, from: '2024-03-01T00:00:00Z', to: '2024-03-31T00:00:00Z' }, owner.accessToken)).syncSource;

  it('refuses bad configurations and accounts of another platform, storing nothing', async () => {
    const youtube = globalId('Credential', (await credentialOf(owner, 'YOUTUBE')).id);
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ name: 'No account', type: 'GOOGLE_DRIVE', config: { folderId: courseId } }, 'ValidationError', 'credentialId'],
      [{ name: 'Wrong kind', type: 'GOOGLE_DRIVE', credentialId: youtube, config: { folderId: courseId } }, 'ValidationError', 'credentialId'],
      [{ name: 'Bad id', type: 'GOOGLE_DRIVE', credentialId, config: { folderId: "x' or name contains '" } }, 'ValidationError', 'config.folderId'],
      [{ name: 'Bad MIME', type: 'GOOGLE_DRIVE', credentialId, config: { folderId: courseId, mimeTypes: ['video'] } }, 'ValidationError', 'config.mimeTypes.0'],
    ];
    for (const [input, typename, issuePath] of cases) {
      const result = await create(input);
      expect(result.__typename, JSON.stringify(input)).toBe(typename);
      expect(result.issues?.map((i) => i.path)).toContain(issuePath);
    }
    expect(await prisma.inputSource.count({ where: { tenantId: rawId(owner.tenantId), type: 'GOOGLE_DRIVE' } })).toBe(0);
  });

  it('syncs the folder, deduplicates by file id and by md5 + size, and downloads a recording', async () => {
    const source = await create({ name: 'Course Drive', type: 'GOOGLE_DRIVE', credentialId, config: { folderId: courseId, recursive: true } });
    expect(source).toMatchObject({ __typename: 'InputSource', config: { folderId: courseId, recursive: true, mimeTypes: ['video/*'] } });
    const first = await sync(source.id);
    expect(first).toMatchObject({ __typename: 'IngestResult', found: 2, created: 2, skippedDuplicates: 0 });
    expect(first.recordings.map((r) => r.displayName).sort()).toEqual(['intro', 'limits']);
    expect(first.recordings.every((r) => r.sourceType === 'GOOGLE_DRIVE')).toBe(true);
    expect(oauth.requests.some((r) => r.path === '/token' && r.grantType === 'refresh_token')).toBe(true);

    // Renamed (same id) and a copy (new id, same content) are both known already.
    const intro = drive.childrenOf(courseId).find((i) => i.name === 'intro.mp4');
    if (intro) intro.name = 'Introduction.mp4';
    drive.addFile('intro (copy).mp4', courseId, lecture, { modifiedTime: '2024-03-20T10:00:00.000Z' });
    expect(await sync(source.id)).toMatchObject({ found: 3, created: 0, skippedDuplicates: 3 });

    const recording = first.recordings.find((r) => r.displayName === 'intro');
    const downloaded = await app.services.ingest.downloadSource(rawId(owner.tenantId), rawId(recording?.id ?? ''));
    expect(downloaded.sizeBytes).toBe(lecture.length);
    let stored = Buffer.alloc(0);
    for await (const chunk of await app.services.storage.get(downloaded.sourceFileKey)) stored = Buffer.concat([stored, chunk as Buffer]);
    expect(stored).toEqual(lecture);
  });
});

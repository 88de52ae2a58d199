import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredentialError, NotFoundError } from '../../src/lib/errors.js';
import { YandexDiskAdapter, type YandexDiskOptions, type YandexDiskTarget } from '../../src/platforms/yandex-disk/yandex-disk-adapter.js';
import { startFakeYandexDisk, type FakeYandexDisk } from '../support/fake-yandex-disk.js';
import { makeLecture } from '../support/ingest.js';

let disk: FakeYandexDisk;
let dir: string;
let lecture: string;
let other: string;
let publicKey: string;
const everything = { from: new Date('2000-01-01'), to: new Date('2100-01-01') };

beforeAll(async () => {
  disk = await startFakeYandexDisk();
  dir = await mkdtemp(path.join(tmpdir(), 'leap-yadisk-'));
  lecture = await makeLecture(dir);
  other = path.join(dir, 'other.mp4');
  await writeFile(other, Buffer.concat([await readFile(lecture), Buffer.from('different bytes')]));
  await writeFile(path.join(dir, 'notes.txt'), 'not a video');
  await disk.addFile('/Courses/Math/week1.mp4', lecture, { resourceId: 'rid-week1', modified: '2024-02-01T10:00:00+00:00' });
  await disk.addFile('/Courses/Math/week2.mp4', other, { modified: '2024-02-08T10:00:00+00:00' });
  await disk.addFile('/Courses/Math/Extra/bonus.mp4', lecture, { modified: '2024-02-09T10:00:00+00:00' });
  await disk.addFile('/Courses/Math/Extra/old.mp4', other, { modified: '2019-05-01T10:00:00+00:00' });
  await disk.addFile('/Courses/Math/notes.txt', path.join(dir, 'notes.txt'));
  publicKey = disk.publish('/Courses/Math');
});
afterAll(async () => {
  await disk.close();
  await rm(dir, { recursive: true, force: true });
});

const options = (extra: Partial<YandexDiskOptions> = {}): YandexDiskOptions => ({
  apiBaseUrl: disk.apiBaseUrl,
  recursive: true,
  filePattern: null,
  credentialId: 'cred-y',
  idleTimeoutMs: 5000,
  maxBytes: 1e9,
  pageSize: 2,
  ...extra,
});
const folder = (token = disk.token): YandexDiskTarget => ({ kind: 'folder', path: 'disk:/Courses', auth: { accessToken: async () => token } });

describe('Yandex Disk public link', () => {
  it('walks the folder recursively over pages, keeps media files only, keys by resource id', async () => {
    disk.requests = [];
    const found = await new YandexDiskAdapter({ kind: 'public', publicKey }, options()).list(everything);
    expect(found.map((f) => f.meta.path).sort()).toEqual(['/Extra/bonus.mp4', '/Extra/old.mp4', '/week1.mp4', '/week2.mp4']);
    const week1 = found.find((f) => f.meta.path === '/week1.mp4');
    expect(week1).toMatchObject({ sourceKey: 'yadisk:rid:rid-week1', displayName: 'week1', processing: false, startTime: new Date('2024-02-01T10:00:00Z') });
    expect(week1?.aliasKeys[0]).toMatch(/^yadisk:md5:[0-9a-f]{32}:\d+$/);
    expect(week1?.aliasKeys[1]).toBe(`yadisk:${publicKey}:/week1.mp4`);
    const listings = disk.requests.filter((r) => r.path === '/v1/disk/public/resources');
    expect(listings.some((r) => r.query.get('offset') === '2')).toBe(true);
    expect(listings.every((r) => r.query.get('public_key') === publicKey && r.authorization === null)).toBe(true);
  });

  it('applies the file-name pattern, the recursion switch and the sync window', async () => {
    const pattern = await new YandexDiskAdapter({ kind: 'public', publicKey }, options({ filePattern: /^WEEK/i })).list(everything);
    expect(pattern.map((f) => f.meta.name).sort()).toEqual(['week1.mp4', 'week2.mp4']);
    const flat = await new YandexDiskAdapter({ kind: 'public', publicKey }, options({ recursive: false })).list(everything);
    expect(flat.map((f) => f.meta.name).sort()).toEqual(['week1.mp4', 'week2.mp4']);
    const recent = await new YandexDiskAdapter({ kind: 'public', publicKey }, options()).list({ from: new Date('2024-01-01'), to: new Date('2024-12-31') });
    expect(recent.map((f) => f.meta.name).sort()).toEqual(['bonus.mp4', 'week1.mp4', 'week2.mp4']);
  });

  it('downloads through the signed href of public/resources/download', async () => {
    const adapter = new YandexDiskAdapter({ kind: 'public', publicKey }, options());
    const [week1] = (await adapter.list(everything)).filter((f) => f.meta.name === 'week1.mp4');
    const work = await mkdtemp(path.join(dir, 'work-'));
    const file = await adapter.download(week1?.meta ?? {}, work);
    expect(file.extension).toBe('mp4');
    expect(await readFile(file.path)).toEqual(await readFile(lecture));
  });

  it('an unknown public link is NotFound', async () => {
    await expect(new YandexDiskAdapter({ kind: 'public', publicKey: `${disk.origin}/d/unknown` }, options()).list(everything)).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('Yandex Disk private folder', () => {
  it('lists with the OAuth token and downloads through resources/download', async () => {
    disk.requests = [];
    const adapter = new YandexDiskAdapter(folder(), options());
    const found = await adapter.list(everything);
    expect(found.map((f) => f.meta.path).sort()).toEqual(['disk:/Courses/Math/Extra/bonus.mp4', 'disk:/Courses/Math/Extra/old.mp4', 'disk:/Courses/Math/week1.mp4', 'disk:/Courses/Math/week2.mp4']);
    expect(disk.requests.filter((r) => r.path.startsWith('/v1/')).every((r) => r.authorization === `OAuth ${disk.token}`)).toBe(true);
    const week2 = found.find((f) => f.meta.name === 'week2.mp4');
    const work = await mkdtemp(path.join(dir, 'work-'));
    const file = await adapter.download(week2?.meta ?? {}, work);
    expect(await readFile(file.path)).toEqual(await readFile(other));
    // The signed href is fetched without the account's token.
    expect(disk.requests.filter((r) => r.path.startsWith('/dl/')).every((r) => r.authorization === null)).toBe(true);
  });

  it('a refused token is a CredentialError after one refresh; a missing folder is NotFound', async () => {
    let refreshed = 0;
    const auth = { accessToken: async () => 'y0_wrong', refresh: async () => (refreshed++, 'y0_still_wrong') };
    const error = await new YandexDiskAdapter({ kind: 'folder', path: '/Courses', auth }, options()).list(everything).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialError);
    expect((error as CredentialError).credentialId).toBe('cred-y');
    expect(refreshed).toBe(1);
    const recovering = { accessToken: async () => 'y0_expired', refresh: async () => disk.token };
    expect(await new YandexDiskAdapter({ kind: 'folder', path: '/Courses', auth: recovering }, options()).list(everything)).toHaveLength(4);
    await expect(new YandexDiskAdapter({ kind: 'folder', path: '/Nope', auth: { accessToken: async () => disk.token } }, options()).list(everything)).rejects.toBeInstanceOf(NotFoundError);
  });
});

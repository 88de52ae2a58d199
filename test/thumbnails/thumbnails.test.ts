import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prisma } from '../../src/lib/db.js';
import { runFfmpeg } from '../../src/media/ffmpeg.js';
import { tenantPrefix } from '../../src/modules/storage/storage.js';
import { readImageInfo, sanitizeThumbnailName } from '../../src/modules/thumbnails/thumbnail-image.js';
import { rawId, registerUser, startTestApp, type RegisteredUser, type TestApp } from '../support/app.js';
import { mediaScratch } from '../support/media.js';
import { postMultipart } from '../support/uploads.js';

const FIELDS = 'name shared contentType sizeBytes width height url';
const RESULT = `__typename ... on Thumbnail { ${FIELDS} } ... on Error { code message } ... on ValidationError { issues { path message } }`;
const UPLOAD = `mutation($file: Upload!, $name: String) { uploadThumbnail(file: $file, name: $name) { ${RESULT} } }`;
const REPLACE = `mutation($file: Upload!, $name: String!) { replaceThumbnail(file: $file, name: $name) { ${RESULT} } }`;
const DELETE = 'mutation($name: String!) { deleteThumbnail(name: $name) { __typename ... on DeletedThumbnail { name freedBytes } ... on Error { code } } }';
const LIST = `query($includeShared: Boolean) { thumbnails(includeShared: $includeShared) { ${FIELDS} } }`;
const ONE = `query($name: String!) { thumbnail(name: $name) { ${FIELDS} } }`;

interface ThumbnailResult {
  __typename: string;
  name: string;
  shared: boolean;
  contentType: string;
  sizeBytes: number;
  width: number;
  height: number;
  url: string;
  code?: string;
  message?: string;
  issues?: Array<{ path: string; message: string }>;
}

let app: TestApp;
let owner: RegisteredUser;
let other: RegisteredUser;
let scratch: Awaited<ReturnType<typeof mediaScratch>>;
const images: Record<string, Buffer> = {};
const suffix = randomBytes(3).toString('hex');

async function image(name: string, args: string[]): Promise<Buffer> {
  const file = path.join(scratch.dir, name);
  await runFfmpeg(['-f', 'lavfi', '-i', args[0]!, '-frames:v', '1', ...args.slice(1), '-y', file]);
  return readFile(file);
}

beforeAll(async () => {
  scratch = await mediaScratch('thumbnails');
  images.png = await image('a.png', ['testsrc2=s=320x180:d=1']);
  images.jpg = await image('b.jpg', ['testsrc2=s=640x360:d=1']);
  images.wide = await image('wide.png', ['color=c=red:s=5000x16:d=1']);
  images.tiny = await image('tiny.png', ['color=c=red:s=8x8:d=1']);
  app = await startTestApp();
  [owner, other] = await Promise.all([registerUser(app), registerUser(app)]);
}, 120_000);
afterAll(async () => {
  await prisma.thumbnail.deleteMany({ where: { tenantId: null, name: { endsWith: suffix } } });
  await app.close();
  await scratch.cleanup();
});

const send = (token: string, query: string, variables: Record<string, unknown>, fileName: string, data: Buffer) =>
  postMultipart<Record<string, ThumbnailResult>>(app, token, { query, variables: { ...variables, file: null } }, { 0: ['variables.file'] }, { fileName, contentType: 'image/png', data });
const upload = async (token: string, fileName: string, data: Buffer, name?: string) => (await send(token, UPLOAD, { name }, fileName, data)).data?.uploadThumbnail;
const replace = async (token: string, name: string, fileName: string, data: Buffer) => (await send(token, REPLACE, { name }, fileName, data)).data?.replaceThumbnail;
const list = async (token: string, includeShared?: boolean) => (await app.gql<{ thumbnails: ThumbnailResult[] }>(LIST, { includeShared }, token)).data?.thumbnails ?? [];
const one = async (token: string, name: string) => (await app.gql<{ thumbnail: ThumbnailResult | null }>(ONE, { name }, token)).data?.thumbnail;
const download = async (url: string) => Buffer.from(await (await fetch(new URL(url, app.url))).arrayBuffer());
const storedKeys = async (user: RegisteredUser) => (await app.services.storage.list(`${tenantPrefix(rawId(user.tenantId))}thumbnails/`)).map((o) => o.key);
const storageBytes = async (user: RegisteredUser) => Number((await prisma.tenant.findUniqueOrThrow({ where: { id: rawId(user.tenantId) } })).storageBytes);

describe('image checks', () => {
  it('reads format and size from the header bytes and sanitises names', () => {
    expect(readImageInfo(images.png!)).toMatchObject({ format: 'png', width: 320, height: 180 });
    expect(readImageInfo(images.jpg!)).toMatchObject({ format: 'jpeg', width: 640, height: 360 });
    expect(readImageInfo(Buffer.from('GIF89a not a png'))).toBeNull();
    expect(sanitizeThumbnailName('  Лекция №1 (intro) ')).toBe('1_intro');
    expect(sanitizeThumbnailName('a/../b c')).toBe('a_b_c');
    expect(sanitizeThumbnailName('x'.repeat(150))).toHaveLength(100);
  });
});

describe('thumbnails API', () => {
  it('uploads by content (not by name), refuses a taken name, replaces, lists and deletes', async () => {
    const startBytes = await storageBytes(owner);
    // A JPEG sent under a .png name is stored as what it is.
    const created = await upload(owner.accessToken, 'Course intro!.png', images.jpg!);
    expect(created).toMatchObject({ __typename: 'Thumbnail', name: 'Course_intro', shared: false, contentType: 'image/jpeg', width: 640, height: 360, sizeBytes: images.jpg!.length });
    expect((await download(created!.url)).equals(images.jpg!)).toBe(true);
    expect(await storageBytes(owner)).toBe(startBytes + images.jpg!.length);

    const taken = await upload(owner.accessToken, 'other.png', images.png!, 'Course intro');
    expect(taken).toMatchObject({ __typename: 'ConflictError', code: 'CONFLICT' });
    const [firstKey] = await storedKeys(owner);

    const replaced = await replace(owner.accessToken, 'Course_intro', 'new.png', images.png!);
    expect(replaced).toMatchObject({ __typename: 'Thumbnail', name: 'Course_intro', contentType: 'image/png', width: 320, height: 180 });
    const keys = await storedKeys(owner);
    expect(keys).toHaveLength(1);
    expect(keys[0]).not.toBe(firstKey);
    expect(keys[0]).toMatch(/\/thumbnails\/Course_intro-[0-9a-f]+\.png$/);
    expect(await storageBytes(owner)).toBe(startBytes + images.png!.length);

    // Replace of a missing name creates it (upsert).
    expect(await replace(owner.accessToken, 'second', 'x.jpg', images.jpg!)).toMatchObject({ __typename: 'Thumbnail', name: 'second' });
    expect((await list(owner.accessToken, false)).map((t) => t.name)).toEqual(['Course_intro', 'second']);

    const deleted = await app.gql<{ deleteThumbnail: { __typename: string; freedBytes: number } }>(DELETE, { name: 'second' }, owner.accessToken);
    expect(deleted.data?.deleteThumbnail).toEqual({ __typename: 'DeletedThumbnail', name: 'second', freedBytes: images.jpg!.length });
    expect(await storedKeys(owner)).toHaveLength(1);
    const again = await app.gql<{ deleteThumbnail: { __typename: string } }>(DELETE, { name: 'second' }, owner.accessToken);
    expect(again.data?.deleteThumbnail.__typename).toBe('NotFoundError');
  });

  it('refuses non-images, oversized files and images outside the pixel limits, storing nothing', async () => {
    const before = await storedKeys(owner);
    const cases: Array<[string, Buffer, RegExp]> = [
      ['page.png', Buffer.from('<html><body>not an image</body></html>'), /PNG or JPEG/],
      ['big.png', Buffer.concat([images.png!, Buffer.alloc(2 * 1024 * 1024)]), /at most 2097152 bytes/],
      ['wide.png', images.wide!, /at most 4096×4096 pixels/],
      ['tiny.png', images.tiny!, /at least 16×16 pixels/],
      ['empty.png', Buffer.alloc(0), /empty/],
    ];
    for (const [fileName, data, message] of cases) {
      const result = await upload(owner.accessToken, fileName, data, `bad_${fileName.replace('.', '_')}`);
      expect(result?.__typename, fileName).toBe('ValidationError');
      expect(result?.issues?.[0]).toMatchObject({ path: 'file' });
      expect(result?.message).toMatch(message);
    }
    expect((await upload(owner.accessToken, '!!!.png', images.png!))?.issues?.[0]?.path).toBe('name');
    expect(await storedKeys(owner)).toEqual(before);
    expect(await prisma.thumbnail.count({ where: { tenantId: rawId(owner.tenantId), name: { startsWith: 'bad_' } } })).toBe(0);
  });

  it('falls back to shared defaults, which a workspace can hide but not delete', async () => {
    const name = `default_${suffix}`;
    const file = path.join(scratch.dir, 'a.png');
    const shared = await app.services.thumbnails.putShared(name, file);
    expect(shared.storageKey).toBe(`shared/thumbnails/${name}.png`);

    const fallback = await one(other.accessToken, name);
    expect(fallback).toMatchObject({ name, shared: true, width: 320 });
    expect((await download(fallback!.url)).equals(images.png!)).toBe(true);
    expect((await list(other.accessToken)).some((t) => t.name === name && t.shared)).toBe(true);
    expect((await list(other.accessToken, false)).some((t) => t.name === name)).toBe(false);
    const refused = await app.gql<{ deleteThumbnail: { __typename: string } }>(DELETE, { name }, other.accessToken);
    expect(refused.data?.deleteThumbnail.__typename).toBe('NotFoundError');

    // The workspace's own image of that name wins, for it only.
    expect(await upload(other.accessToken, 'own.jpg', images.jpg!, name)).toMatchObject({ __typename: 'Thumbnail', shared: false });
    expect(await one(other.accessToken, name)).toMatchObject({ shared: false, width: 640 });
    expect((await list(other.accessToken)).filter((t) => t.name === name)).toHaveLength(1);
    expect(await one(owner.accessToken, name)).toMatchObject({ shared: true });
    expect((await app.services.thumbnails.resolveFile(rawId(other.tenantId), name))?.contentType).toBe('image/jpeg');
    expect((await app.services.thumbnails.resolveFile(rawId(owner.tenantId), name))?.key).toBe(shared.storageKey);

    await app.gql(DELETE, { name }, other.accessToken);
    expect(await one(other.accessToken, name)).toMatchObject({ shared: true });
    expect(await app.services.storage.exists(shared.storageKey)).toBe(true);
  });

  it("keeps one workspace's thumbnails from another", async () => {
    const name = `private_${suffix}`;
    expect(await upload(owner.accessToken, 'p.png', images.png!, name)).toMatchObject({ __typename: 'Thumbnail' });
    expect(await one(other.accessToken, name)).toBeNull();
    expect((await list(other.accessToken)).some((t) => t.name === name)).toBe(false);
    const refused = await app.gql<{ deleteThumbnail: { __typename: string } }>(DELETE, { name }, other.accessToken);
    expect(refused.data?.deleteThumbnail.__typename).toBe('NotFoundError');
    expect(await one(owner.accessToken, name)).toMatchObject({ name });
  });

  it('needs the template permission to change thumbnails', async () => {
    await prisma.membership.updateMany({ where: { tenantId: rawId(other.tenantId) }, data: { canManageTemplates: false } });
    const res = await send(other.accessToken, UPLOAD, { name: 'nope' }, 'n.png', images.png!);
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    await prisma.membership.updateMany({ where: { tenantId: rawId(other.tenantId) }, data: { canManageTemplates: true } });
  });
});

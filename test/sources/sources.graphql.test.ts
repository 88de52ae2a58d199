import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { prisma } from '../../src/lib/db.js';
import { rawId, registerUser, startTestApp, type RegisteredUser, type TestApp } from '../support/app.js';
import { startFakeYandexDisk, type FakeYandexDisk } from '../support/fake-yandex-disk.js';
import { startFakeZoom, type FakeZoom, type ZoomMeetingJson } from '../support/fake-zoom.js';
import { listen, sendFile } from '../support/http-fixtures.js';
import { ingestOverridesFor, makeLecture } from '../support/ingest.js';
import { credentialOf, ERROR_FIELDS, globalId, memberOf, ok, type ErrorResult } from '../support/templates.js';

// Sources over GraphQL: CRUD with permissions, syncSource against local Zoom and Yandex Disk, and
// createRecordingFromUrl with the real yt-dlp against a local web server.

let app: TestApp;
let zoom: FakeZoom;
let yandex: FakeYandexDisk;
let web: Awaited<ReturnType<typeof listen>>;
let dir: string;
let owner: RegisteredUser;
let stranger: RegisteredUser;
let zoomCredential: string;

const SOURCE_FIELDS = 'id name description type config isActive lastSyncAt credentialId';
const CREATE = `mutation($input: CreateInputSourceInput!) { createInputSource(input: $input) { ${ERROR_FIELDS} ... on InputSource { ${SOURCE_FIELDS} } } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateInputSourceInput!) { updateInputSource(id: $id, input: $input) { ${ERROR_FIELDS} ... on InputSource { ${SOURCE_FIELDS} } } }`;
const DELETE = `mutation($id: ID!) { deleteInputSource(id: $id) { __typename ... on Error { code message } ... on MutationDeleteInputSourceSuccess { data } } }`;
const ONE = `query($id: ID!) { inputSource(id: $id) { ${SOURCE_FIELDS} recordings { edges { node { displayName } } } } }`;
const LIST = `query($type: SourceType) { inputSources(type: $type) { edges { node { name type } } } }`;
const RESULT_FIELDS = 'found created skippedDuplicates blank pending updated recordings { id displayName status isBlank isMapped sourceType template { name } inputSource { name } }';
const SYNC = `mutation($id: ID!, $from: DateTime!, $to: DateTime!) { syncSource(id: $id, from: $from, to: $to) { ${ERROR_FIELDS} ... on IngestResult { ${RESULT_FIELDS} source { lastSyncAt } } } }`;
const FROM_URL = `mutation($url: String!, $quality: UrlQuality, $displayName: String) { createRecordingFromUrl(url: $url, quality: $quality, displayName: $displayName) { ${ERROR_FIELDS} ... on IngestResult { ${RESULT_FIELDS} } } }`;

interface SourceResult extends ErrorResult {
  id: string;
  name: string;
  type: string;
  config: Record<string, unknown>;
  credentialId: string | null;
}
interface IngestResult extends ErrorResult {
  found: number;
  created: number;
  skippedDuplicates: number;
  blank: number;
  pending: number;
  updated: number;
  recordings: Array<{ id: string; displayName: string; status: string; isBlank: boolean; isMapped: boolean; sourceType: string; template: { name: string } | null; inputSource: { name: string } | null }>;
  source?: { lastSyncAt: string | null };
}

const create = async (input: Record<string, unknown>, token = owner.accessToken) => (await ok<{ createInputSource: SourceResult }>(app, CREATE, { input }, token)).createInputSource;
const sync = async (id: string, from: string, to: string, token = owner.accessToken) => (await ok<{ syncSource: IngestResult }>(app, SYNC, { id, from, to }, token)).syncSource;
const fromUrl = async (variables: Record<string, unknown>, token = owner.accessToken) => (await ok<{ createRecordingFromUrl: IngestResult }>(app, FROM_URL, variables, token)).createRecordingFromUrl;

beforeAll(async () => {
  [zoom, yandex] = await Promise.all([startFakeZoom(), startFakeYandexDisk()]);
  dir = await mkdtemp(path.join(tmpdir(), 'leap-sources-gql-'));
  const lecture = await makeLecture(dir, 'lecture.mp4', 2);
  // Any .mp4 is the lecture; any other path a page with two videos named after it.
  web = await listen((req, res, url) => {
    if (url.pathname.endsWith('.mp4')) return sendFile(req, res, lecture);
    const page = url.pathname.replace(/\.html$/, '');
    res.writeHead(200, { 'content-type': 'text/html' }).end(`<html><title>Two</title><video src="${page}-1.mp4"></video><video src="${page}-2.mp4"></video></html>`);
  });
  await yandex.addFile('/Shared/Course/intro.mp4', lecture, { resourceId: 'rid-intro', modified: '2024-03-02T10:00:00+00:00' });
  await yandex.addFile('/Shared/Course/Week 1/derivatives.mp4', lecture, { resourceId: 'rid-deriv', modified: '2024-03-09T10:00:00+00:00' });
  app = await startTestApp({ ingest: ingestOverridesFor({ zoom, yandex }, { urlGuard: { allowHosts: ['127.0.0.1'] } }) });
  owner = await registerUser(app);
  stranger = await registerUser(app);
  // Syncs here create more rows than the free plan's recordings of a month (quotas: test/quotas).
  await prisma.quotaOverride.create({ data: { tenantId: rawId(owner.tenantId), recordingsPerMonth: 1000 } });
  zoomCredential = globalId('Credential', (await credentialOf(owner, 'ZOOM', 'University Zoom')).id);
});
afterAll(async () => {
  await app.close();
  await Promise.all([zoom.close(), yandex.close(), web.close()]);
  await rm(dir, { recursive: true, force: true });
});

describe('input sources CRUD', () => {
  it('creates each syncable type with defaults filled in', async () => {
    const zoomSource = await create({ name: 'Zoom lectures', type: 'ZOOM', credentialId: zoomCredential });
    expect(zoomSource).toMatchObject({ __typename: 'InputSource', type: 'ZOOM', config: { userId: 'me' }, credentialId: zoomCredential, isActive: true });
    const disk = await create({ name: 'Disk link', type: 'YANDEX_DISK', config: { publicUrl: 'https://disk.yandex.ru/d/abc', filePattern: '\\.mp4$' } });
    expect(disk.config).toEqual({ publicUrl: 'https://disk.yandex.ru/d/abc', recursive: true, filePattern: '\\.mp4$' });
    const url = await create({ name: 'Channel', type: 'URL', config: { url: `${web.origin}/course.html` } });
    expect(url.config).toEqual({ url: `${web.origin}/course.html`, quality: 'BEST' });
    const list = await ok<{ inputSources: { edges: Array<{ node: { name: string } }> } }>(app, LIST, { type: 'ZOOM' }, owner.accessToken);
    expect(list.inputSources.edges.map((e) => e.node.name)).toEqual(['Zoom lectures']);
  });

  it('refuses invalid sources with typed errors and stores nothing', async () => {
    const before = await prisma.inputSource.count({ where: { tenantId: rawId(owner.tenantId) } });
    const youtube = globalId('Credential', (await credentialOf(owner, 'YOUTUBE')).id);
    const foreign = globalId('Credential', (await credentialOf(stranger, 'ZOOM')).id);
    const cases: Array<[Record<string, unknown>, string, string | null]> = [
      [{ name: 'No account', type: 'ZOOM' }, 'ValidationError', 'credentialId'],
      [{ name: 'Wrong kind', type: 'ZOOM', credentialId: youtube }, 'ValidationError', 'credentialId'],
      [{ name: 'Not mine', type: 'ZOOM', credentialId: foreign }, 'NotFoundError', null],
      [{ name: 'Both', type: 'YANDEX_DISK', config: { publicUrl: 'https://disk.yandex.ru/d/a', folderPath: '/x' } }, 'ValidationError', 'config.publicUrl'],
      [{ name: 'Bad regex', type: 'YANDEX_DISK', config: { folderPath: '/x', filePattern: '(a+)+$' } }, 'ValidationError', 'config.filePattern'],
      [{ name: 'Unknown key', type: 'ZOOM', credentialId: zoomCredential, config: { token: 'x' } }, 'ValidationError', 'config'],
      [{ name: 'Metadata', type: 'URL', config: { url: 'http://169.254.169.254/latest/meta-data/' } }, 'ValidationError', 'config.url'],
      [{ name: 'Local', type: 'LOCAL' }, 'ValidationError', 'type'],
      [{ name: 'Zoom lectures', type: 'ZOOM', credentialId: zoomCredential }, 'ConflictError', null],
      [{ name: '  ', type: 'URL', config: { url: `${web.origin}/a.mp4` } }, 'ValidationError', 'name'],
    ];
    for (const [input, typename, issuePath] of cases) {
      const result = await create(input);
      expect(result.__typename, JSON.stringify(input)).toBe(typename);
      if (issuePath) expect(result.issues?.map((i) => i.path), JSON.stringify(input)).toContain(issuePath);
    }
    expect(await prisma.inputSource.count({ where: { tenantId: rawId(owner.tenantId) } })).toBe(before);
  });

  it('updates and deletes; recordings of a deleted source stay', async () => {
    const source = await create({ name: 'Temp', type: 'YANDEX_DISK', config: { publicUrl: 'https://disk.yandex.ru/d/t' } });
    const updated = (await ok<{ updateInputSource: SourceResult }>(app, UPDATE, { id: source.id, input: { name: 'Renamed', config: { publicUrl: 'https://disk.yandex.ru/d/u', recursive: false }, isActive: false } }, owner.accessToken)).updateInputSource;
    expect(updated).toMatchObject({ name: 'Renamed', config: { publicUrl: 'https://disk.yandex.ru/d/u', recursive: false }, isActive: false });
    const recording = await prisma.recording.create({ data: { tenantId: rawId(owner.tenantId), inputSourceId: rawId(source.id), displayName: 'kept', sourceType: 'YANDEX_DISK' } });
    const deleted = (await ok<{ deleteInputSource: { __typename: string; data: string } }>(app, DELETE, { id: source.id }, owner.accessToken)).deleteInputSource;
    expect(deleted).toEqual({ __typename: 'MutationDeleteInputSourceSuccess', data: source.id });
    expect((await prisma.recording.findUniqueOrThrow({ where: { id: recording.id } })).inputSourceId).toBeNull();
    expect((await ok<{ inputSource: null }>(app, ONE, { id: source.id }, owner.accessToken)).inputSource).toBeNull();
  });

  it('VIEWERs and members without canUpload read only; other tenants see nothing', async () => {
    const source = await create({ name: 'Guarded', type: 'YANDEX_DISK', config: { publicUrl: 'https://disk.yandex.ru/d/g' } });
    const viewer = await memberOf(app, owner, { role: 'VIEWER' });
    const noUpload = await memberOf(app, owner, { role: 'EDITOR', canUpload: false });
    const editor = await memberOf(app, owner, { role: 'EDITOR' });
    expect((await ok<{ inputSource: { name: string } }>(app, ONE, { id: source.id }, viewer.accessToken)).inputSource.name).toBe('Guarded');
    for (const member of [viewer, noUpload]) {
      for (const [query, variables] of [
        [CREATE, { input: { name: 'Nope', type: 'URL', config: { url: `${web.origin}/a.mp4` } } }],
        [UPDATE, { id: source.id, input: { name: 'Nope' } }],
        [DELETE, { id: source.id }],
        [SYNC, { id: source.id, from: '2024-01-01T00:00:00Z', to: '2024-02-01T00:00:00Z' }],
        [FROM_URL, { url: `${web.origin}/a.mp4` }],
      ] as const) {
        const res = await app.gql(query, variables, member.accessToken);
        expect(res.errors?.[0]?.extensions?.code, query).toBe('FORBIDDEN');
      }
    }
    expect((await create({ name: 'By editor', type: 'URL', config: { url: `${web.origin}/a.mp4` } }, editor.accessToken)).__typename).toBe('InputSource');
    expect((await ok<{ inputSource: null }>(app, ONE, { id: source.id }, stranger.accessToken)).inputSource).toBeNull();
    const res = await ok<{ updateInputSource: SourceResult }>(app, UPDATE, { id: source.id, input: { name: 'Taken over' } }, stranger.accessToken);
    expect(res.updateInputSource.__typename).toBe('NotFoundError');
    expect((await sync(source.id, '2024-01-01T00:00:00Z', '2024-02-01T00:00:00Z', stranger.accessToken)).__typename).toBe('NotFoundError');
  });
});

describe('syncSource', () => {
  let zoomSourceId: string;
  const meeting = (n: number, topic: string, minutes: number, size: number, status: 'completed' | 'processing' = 'completed'): ZoomMeetingJson => ({
    uuid: `m${n}/uuid==`,
    id: 9000 + n,
    topic,
    start_time: `2024-05-${String(n).padStart(2, '0')}T10:00:00Z`,
    duration: minutes,
    recording_files: [{ id: `file-${n}`, file_type: 'MP4', file_size: size, recording_type: 'shared_screen_with_speaker_view', status, ...(status === 'completed' ? { download_url: `${zoom.origin}/rec/download/file-${n}` } : {}) }],
  });

  beforeEach(async () => {
    zoomSourceId ??= (await create({ name: 'Zoom sync', type: 'ZOOM', credentialId: zoomCredential })).id;
  });

  it('Zoom: creates rows with template matching, the blank rule and PENDING_SOURCE; a re-sync creates nothing', async () => {
    await prisma.template.create({ data: { tenantId: rawId(owner.tenantId), name: 'Algebra', matchingRules: { keywords: ['Algebra'] } } });
    zoom.meetings = [
      meeting(1, 'Algebra lecture 1', 90, 300e6),
      meeting(2, 'Staff meeting', 60, 200e6),
      meeting(3, 'Algebra: sound check', 10, 300e6),
      meeting(4, 'Algebra lecture 2', 90, 5e6),
      meeting(5, 'Algebra lecture 3', 95, 0, 'processing'),
    ];
    const result = await sync(zoomSourceId, '2024-05-01T00:00:00Z', '2024-05-31T00:00:00Z');
    expect(result).toMatchObject({ __typename: 'IngestResult', found: 5, created: 5, skippedDuplicates: 0, blank: 2, pending: 1, updated: 0 });
    expect(result.source?.lastSyncAt).not.toBeNull();
    const byName = Object.fromEntries(result.recordings.map((r) => [r.displayName, r]));
    expect(byName['Algebra lecture 1']).toMatchObject({ status: 'INITIALIZED', isMapped: true, template: { name: 'Algebra' }, inputSource: { name: 'Zoom sync' }, sourceType: 'ZOOM', isBlank: false });
    expect(byName['Staff meeting']).toMatchObject({ status: 'SKIPPED', isMapped: false, template: null });
    expect(byName['Algebra: sound check']).toMatchObject({ status: 'SKIPPED', isBlank: true, template: null });
    expect(byName['Algebra lecture 2']).toMatchObject({ status: 'SKIPPED', isBlank: true });
    expect(byName['Algebra lecture 3']).toMatchObject({ status: 'PENDING_SOURCE', isBlank: false });

    // Blank recordings are hidden from the default listing.
    const listed = await ok<{ recordings: { edges: Array<{ node: { displayName: string } }> } }>(app, '{ recordings { edges { node { displayName } } } }', {}, owner.accessToken);
    const names = listed.recordings.edges.map((e) => e.node.displayName);
    expect(names).toContain('Staff meeting');
    expect(names).not.toContain('Algebra: sound check');

    const again = await sync(zoomSourceId, '2024-05-01T00:00:00Z', '2024-05-31T00:00:00Z');
    expect(again).toMatchObject({ found: 5, created: 0, skippedDuplicates: 5, pending: 0, updated: 0 });

    // Zoom finished processing: the waiting row is completed and matched, nothing is duplicated.
    zoom.meetings[4] = meeting(5, 'Algebra lecture 3', 95, 280e6);
    const ready = await sync(zoomSourceId, '2024-05-01T00:00:00Z', '2024-05-31T00:00:00Z');
    expect(ready).toMatchObject({ created: 0, skippedDuplicates: 4, updated: 1 });
    expect(ready.recordings.find((r) => r.displayName === 'Algebra lecture 3')).toMatchObject({ status: 'INITIALIZED', template: { name: 'Algebra' } });
    expect(await prisma.recording.count({ where: { tenantId: rawId(owner.tenantId), sourceType: 'ZOOM' } })).toBe(5);
  });

  it('a provider outage is a typed ServiceUnavailableError and changes nothing', async () => {
    const before = await prisma.recording.count({ where: { tenantId: rawId(owner.tenantId) } });
    zoom.failNextListing(503);
    const result = await sync(zoomSourceId, '2024-05-01T00:00:00Z', '2024-05-31T00:00:00Z');
    expect(result.__typename).toBe('ServiceUnavailableError');
    expect(result.message).toMatch(/HTTP 503.*try again later/);
    expect(await prisma.recording.count({ where: { tenantId: rawId(owner.tenantId) } })).toBe(before);
  });

  it('refuses bad windows and paused sources', async () => {
    expect((await sync(zoomSourceId, '2024-05-31T00:00:00Z', '2024-05-01T00:00:00Z')).issues?.[0]?.path).toBe('to');
    expect((await sync(zoomSourceId, '2020-01-01T00:00:00Z', '2024-05-01T00:00:00Z')).issues?.[0]?.path).toBe('from');
    await ok(app, UPDATE, { id: zoomSourceId, input: { isActive: false } }, owner.accessToken);
    expect((await sync(zoomSourceId, '2024-05-01T00:00:00Z', '2024-05-31T00:00:00Z')).__typename).toBe('ConflictError');
    await ok(app, UPDATE, { id: zoomSourceId, input: { isActive: true } }, owner.accessToken);
  });

  it('Yandex Disk: a public folder recursively; a renamed file is still a duplicate (resource id)', async () => {
    const source = await create({ name: 'Course disk', type: 'YANDEX_DISK', config: { publicUrl: yandex.publish('/Shared/Course') } });
    const first = await sync(source.id, '2024-03-01T00:00:00Z', '2024-03-31T00:00:00Z');
    expect(first).toMatchObject({ found: 2, created: 2, blank: 0, pending: 0 });
    expect(first.recordings.map((r) => r.displayName).sort()).toEqual(['derivatives', 'intro']);
    yandex.move('/Shared/Course/intro.mp4', '/Shared/Course/Week 1/introduction.mp4');
    const second = await sync(source.id, '2024-03-01T00:00:00Z', '2024-03-31T00:00:00Z');
    expect(second).toMatchObject({ found: 2, created: 0, skippedDuplicates: 2 });
  });
});

describe('URL source sync', () => {
  it('lists what the URL holds now (a playlist page) and links the rows to the source', async () => {
    const source = await create({ name: 'Lecture page', type: 'URL', config: { url: `${web.origin}/lectures.html`, quality: 'P480' } });
    const result = await sync(source.id, '2024-01-01T00:00:00Z', '2024-02-01T00:00:00Z');
    expect(result).toMatchObject({ found: 2, created: 2 });
    expect(result.recordings.every((r) => r.sourceType === 'URL' && r.inputSource?.name === 'Lecture page')).toBe(true);
    const row = await prisma.recording.findUniqueOrThrow({ where: { id: rawId(result.recordings[0]?.id ?? '') } });
    expect(row.sourceMeta).toMatchObject({ quality: 'P480', url: `${web.origin}/lectures-1.mp4` });
  });
});

describe('createRecordingFromUrl', () => {
  it('creates an INITIALIZED URL recording, deduplicated by {platform}:{videoId}', async () => {
    const first = await fromUrl({ url: `${web.origin}/talk.mp4`, quality: 'P720', displayName: 'Guest talk' });
    expect(first).toMatchObject({ __typename: 'IngestResult', found: 1, created: 1, skippedDuplicates: 0 });
    expect(first.recordings[0]).toMatchObject({ displayName: 'Guest talk', status: 'INITIALIZED', sourceType: 'URL', inputSource: null });
    const row = await prisma.recording.findUniqueOrThrow({ where: { id: rawId(first.recordings[0]?.id ?? '') } });
    expect(row.sourceKey).toMatch(/^generic:[0-9a-f]{24}$/);
    expect(row.sourceMeta).toMatchObject({ url: `${web.origin}/talk.mp4`, quality: 'P720', platform: 'generic' });
    const again = await fromUrl({ url: `${web.origin}/talk.mp4` });
    expect(again).toMatchObject({ created: 0, skippedDuplicates: 1 });
    expect(again.recordings[0]?.id).toBe(first.recordings[0]?.id);
  });

  it('a playlist page gives one recording per video', async () => {
    const result = await fromUrl({ url: `${web.origin}/playlist.html` });
    expect(result).toMatchObject({ found: 2, created: 2 });
    expect(result.recordings.map((r) => r.displayName)).toEqual(['Two (1)', 'Two (2)']);
  });

  it('refuses internal addresses and other schemes, creating nothing', async () => {
    const before = await prisma.recording.count({ where: { tenantId: rawId(owner.tenantId) } });
    for (const url of ['http://10.0.0.8/video.mp4', 'http://[::1]:8080/a.mp4', 'http://169.254.169.254/latest/meta-data/', 'file:///etc/passwd', 'not a url']) {
      const result = await fromUrl({ url });
      expect(result.__typename, url).toBe('ValidationError');
      expect(result.issues?.[0]?.path).toBe('url');
    }
    expect(await prisma.recording.count({ where: { tenantId: rawId(owner.tenantId) } })).toBe(before);
  });
});

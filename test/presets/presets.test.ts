import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prisma } from '../../src/lib/db.js';
import { rawId, registerUser, startTestApp, type RegisteredUser, type TestApp } from '../support/app.js';
import { credentialOf, ERROR_FIELDS, globalId, memberOf, ok, recordingOf, tenantRows, type ErrorResult } from '../support/templates.js';

let app: TestApp;
let owner: RegisteredUser;
let stranger: RegisteredUser;
const credentials: Record<string, string> = {};

const PRESET_FIELDS = 'id name description platform metadata isActive credentialId credentialAccountName';
const CREATE = `mutation($input: CreateOutputPresetInput!) { createOutputPreset(input: $input) { ${ERROR_FIELDS} ... on OutputPreset { ${PRESET_FIELDS} } } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateOutputPresetInput!) { updateOutputPreset(id: $id, input: $input) { ${ERROR_FIELDS} ... on OutputPreset { ${PRESET_FIELDS} } } }`;
const COPY = `mutation($id: ID!, $name: String) { copyOutputPreset(id: $id, name: $name) { ${ERROR_FIELDS} ... on OutputPreset { ${PRESET_FIELDS} } } }`;
const DELETE = `mutation($id: ID!) { deleteOutputPreset(id: $id) { __typename ... on Error { code message } ... on MutationDeleteOutputPresetSuccess { data } } }`;
const ONE = `query($id: ID!) { outputPreset(id: $id) { ${PRESET_FIELDS} } }`;
const LIST = `query($platform: PublishPlatform) { outputPresets(platform: $platform) { edges { node { name platform } } } }`;

interface PresetResult extends ErrorResult {
  id: string;
  name: string;
  platform: string;
  metadata: Record<string, unknown>;
  credentialId: string | null;
  credentialAccountName: string | null;
}

const create = async (input: Record<string, unknown>, token = owner.accessToken) =>
  (await ok<{ createOutputPreset: PresetResult }>(app, CREATE, { input }, token)).createOutputPreset;
const issuesOf = (result: ErrorResult) => Object.fromEntries((result.issues ?? []).map((i) => [i.path, i.message]));

beforeAll(async () => {
  app = await startTestApp();
  owner = await registerUser(app);
  stranger = await registerUser(app);
  for (const platform of ['YOUTUBE', 'VK_VIDEO', 'YANDEX_DISK', 'S3', 'ZOOM', 'GOOGLE_DRIVE'] as const) {
    credentials[platform] = globalId('Credential', (await credentialOf(owner, platform, `${platform} account`)).id);
  }
});
afterAll(() => app.close());

describe('createOutputPreset per platform', () => {
  it('YouTube: fills the platform defaults and links the credential', async () => {
    const preset = await create({ name: 'YT lectures', platform: 'YOUTUBE', credentialId: credentials.YOUTUBE, metadata: { titleTemplate: '{{ display_name }}', tags: ['math'] } });
    expect(preset).toMatchObject({ __typename: 'OutputPreset', platform: 'YOUTUBE', credentialId: credentials.YOUTUBE, credentialAccountName: 'YOUTUBE account' });
    expect(preset.metadata).toEqual({
      titleTemplate: '{{ display_name }}',
      privacy: 'unlisted',
      madeForKids: false,
      embeddable: true,
      categoryId: '27',
      license: 'youtube',
      tags: ['math'],
      notifySubscribers: true,
    });
  });

  it('VK, Yandex Disk and S3 export: their own defaults', async () => {
    const vk = await create({ name: 'VK group', platform: 'VK', credentialId: credentials.VK_VIDEO, metadata: { groupId: 42 } });
    expect(vk.metadata).toEqual({ groupId: 42, privacyView: 0, privacyComment: 0, disableComments: false, repeat: false, compression: false, wallpost: false });
    const disk = await create({ name: 'Disk', platform: 'YANDEX_DISK', credentialId: credentials.YANDEX_DISK });
    expect(disk.metadata).toEqual({
      folderPathTemplate: '/Video/Uploads',
      filenameTemplate: '{{ display_name }}',
      overwrite: false,
      publish: false,
      sidecars: { srt: false, vtt: false, transcript: false, description: false },
    });
    const local = await create({ name: 'Local export', platform: 'S3_EXPORT' });
    expect(local).toMatchObject({ credentialId: null, metadata: { folderPathTemplate: 'exports/{{ record_date_iso }}/{{ display_name }}', include: { video: true, subtitles: true } } });
    const s3 = await create({ name: 'S3 export', platform: 'S3_EXPORT', credentialId: credentials.S3, metadata: { bucket: 'lectures-archive' } });
    expect(s3.metadata.bucket).toBe('lectures-archive');
  });

  const invalid: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ['a missing credential', { platform: 'YOUTUBE' }, 'credentialId', /needs a credential/],
    ['a credential of another platform', { platform: 'VK', credentialId: 'ZOOM' }, 'credentialId', /needs a VK_VIDEO credential/],
    ['an S3 credential without a bucket', { platform: 'S3_EXPORT', credentialId: 'S3' }, 'metadata.bucket', /needs a bucket/],
    ['a bad privacy value', { platform: 'YOUTUBE', credentialId: 'YOUTUBE', metadata: { privacy: 'secret' } }, 'metadata.privacy', /Invalid option/],
    ['a VK privacy out of range', { platform: 'VK', credentialId: 'VK_VIDEO', metadata: { privacyView: 7 } }, 'metadata.privacyView', /<=3|less than or equal/],
    ['a key of another platform', { platform: 'VK', credentialId: 'VK_VIDEO', metadata: { playlistId: 'x' } }, 'metadata', /Unrecognized key/],
    ['a broken template', { platform: 'YANDEX_DISK', credentialId: 'YANDEX_DISK', metadata: { folderPathTemplate: '/{% if %}' } }, 'metadata.folderPathTemplate', /Invalid template/],
    ['a title without variables', { platform: 'YOUTUBE', credentialId: 'YOUTUBE', metadata: { titleTemplate: 'Always the same' } }, 'metadata.titleTemplate', /at least one variable/],
    ['a Google Drive preset without an account', { platform: 'GOOGLE_DRIVE' }, 'credentialId', /needs a credential/],
    ['a Google Drive root that is no folder id', { platform: 'GOOGLE_DRIVE', credentialId: 'GOOGLE_DRIVE', metadata: { rootFolderId: "x' or '1" } }, 'metadata.rootFolderId', /folder id/],
    ['an empty name', { name: ' ', platform: 'S3_EXPORT' }, 'name', /required/],
  ];
  it.each(invalid)('refuses %s, creating nothing', async (_label, input, path, message) => {
    const before = await prisma.outputPreset.count({ where: { tenantId: rawId(owner.tenantId) } });
    const credentialId = typeof input.credentialId === 'string' ? credentials[input.credentialId] : undefined;
    const result = await create({ name: `Invalid ${path}`, ...input, credentialId });
    expect(result.__typename).toBe('ValidationError');
    expect(issuesOf(result)[path]).toMatch(message);
    expect(await prisma.outputPreset.count({ where: { tenantId: rawId(owner.tenantId) } })).toBe(before);
  });

  it("refuses another tenant's credential as NotFound and a duplicate name as ConflictError", async () => {
    const theirs = globalId('Credential', (await credentialOf(stranger, 'YOUTUBE')).id);
    expect(await create({ name: 'Borrowed', platform: 'YOUTUBE', credentialId: theirs })).toMatchObject({ __typename: 'NotFoundError', message: 'Credential not found' });
    expect((await create({ name: 'YT lectures', platform: 'S3_EXPORT' })).__typename).toBe('ConflictError');
  });

  it('lists presets, optionally of one platform', async () => {
    const all = await ok<{ outputPresets: { edges: Array<{ node: { name: string } }> } }>(app, LIST, {}, owner.accessToken);
    expect(all.outputPresets.edges.map((e) => e.node.name)).toEqual(['YT lectures', 'VK group', 'Disk', 'Local export', 'S3 export']);
    const vk = await ok<{ outputPresets: { edges: Array<{ node: { name: string } }> } }>(app, LIST, { platform: 'VK' }, owner.accessToken);
    expect(vk.outputPresets.edges.map((e) => e.node.name)).toEqual(['VK group']);
  });
});

describe('update, copy, delete', () => {
  it('updates name, settings (defaults filled again) and credential', async () => {
    const preset = await create({ name: 'To update', platform: 'YOUTUBE', credentialId: credentials.YOUTUBE, metadata: { privacy: 'public' } });
    const other = globalId('Credential', (await credentialOf(owner, 'YOUTUBE', 'Second channel')).id);
    const { updateOutputPreset: updated } = await ok<{ updateOutputPreset: PresetResult }>(
      app, UPDATE, { id: preset.id, input: { name: 'Updated', metadata: { playlistId: 'PL1' }, credentialId: other } }, owner.accessToken);
    expect(updated).toMatchObject({ name: 'Updated', credentialAccountName: 'Second channel', metadata: { playlistId: 'PL1', privacy: 'unlisted' } });
    const { updateOutputPreset: wrong } = await ok<{ updateOutputPreset: PresetResult }>(
      app, UPDATE, { id: preset.id, input: { credentialId: credentials.VK_VIDEO } }, owner.accessToken);
    expect(issuesOf(wrong).credentialId).toMatch(/needs a YOUTUBE credential/);
  });

  it('copies with a free name', async () => {
    const preset = await create({ name: 'Copied', platform: 'S3_EXPORT' });
    const first = (await ok<{ copyOutputPreset: PresetResult }>(app, COPY, { id: preset.id }, owner.accessToken)).copyOutputPreset;
    const second = (await ok<{ copyOutputPreset: PresetResult }>(app, COPY, { id: preset.id }, owner.accessToken)).copyOutputPreset;
    expect([first.name, second.name]).toEqual(['Copy of Copied', 'Copy of Copied (2)']);
    expect(second.metadata).toEqual(preset.metadata);
  });

  it('removes a deleted preset from templates and recording overrides; automatic upload stops with the last one', async () => {
    const keep = await create({ name: 'Kept', platform: 'S3_EXPORT' });
    const gone = await create({ name: 'Gone', platform: 'S3_EXPORT' });
    const tenantId = rawId(owner.tenantId);
    const both = await prisma.template.create({ data: { tenantId, name: 'Both', outputConfig: { presetIds: [rawId(keep.id), rawId(gone.id)], autoUpload: true } } });
    const single = await prisma.template.create({ data: { tenantId, name: 'Single', outputConfig: { presetIds: [rawId(gone.id)], autoUpload: true } } });
    const recording = await recordingOf(owner, { displayName: 'Overridden', configOverrides: { outputConfig: { presetIds: [rawId(gone.id)] }, processingConfig: { poster: { enabled: false } } } });
    const target = await prisma.outputTarget.create({ data: { tenantId, recordingId: recording.id, presetId: rawId(gone.id), platform: 'S3_EXPORT' } });
    const res = await ok<{ deleteOutputPreset: { __typename: string; data: string } }>(app, DELETE, { id: gone.id }, owner.accessToken);
    expect(res.deleteOutputPreset).toEqual({ __typename: 'MutationDeleteOutputPresetSuccess', data: gone.id });
    expect((await prisma.template.findUniqueOrThrow({ where: { id: both.id } })).outputConfig).toEqual({ presetIds: [rawId(keep.id)], autoUpload: true });
    expect((await prisma.template.findUniqueOrThrow({ where: { id: single.id } })).outputConfig).toEqual({ presetIds: [], autoUpload: false });
    expect((await prisma.recording.findUniqueOrThrow({ where: { id: recording.id } })).configOverrides).toEqual({
      outputConfig: { presetIds: [] },
      processingConfig: { poster: { enabled: false } },
    });
    expect((await prisma.outputTarget.findUniqueOrThrow({ where: { id: target.id } })).presetId).toBeNull();
  });
});

describe('permissions and isolation', () => {
  it('needs canManageTemplates to write; reading needs a sign-in only', async () => {
    const viewer = await memberOf(app, owner, { role: 'VIEWER' });
    const res = await app.gql(CREATE, { input: { name: 'Viewer preset', platform: 'S3_EXPORT' } }, viewer.accessToken);
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const list = await ok<{ outputPresets: { edges: unknown[] } }>(app, LIST, {}, viewer.accessToken);
    expect(list.outputPresets.edges.length).toBeGreaterThan(0);
    expect((await app.gql(LIST, {})).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it("answers NotFound or null for another tenant's presets and changes nothing", async () => {
    const preset = await create({ name: 'Owner preset', platform: 'YOUTUBE', credentialId: credentials.YOUTUBE });
    const before = await tenantRows(owner);
    const as = stranger.accessToken;
    expect((await ok<{ outputPreset: unknown }>(app, ONE, { id: preset.id }, as)).outputPreset).toBeNull();
    expect((await ok<{ updateOutputPreset: ErrorResult }>(app, UPDATE, { id: preset.id, input: { name: 'Mine now' } }, as)).updateOutputPreset).toMatchObject({
      __typename: 'NotFoundError',
      message: 'OutputPreset not found',
    });
    expect((await ok<{ copyOutputPreset: ErrorResult }>(app, COPY, { id: preset.id }, as)).copyOutputPreset.__typename).toBe('NotFoundError');
    expect((await ok<{ deleteOutputPreset: ErrorResult }>(app, DELETE, { id: preset.id }, as)).deleteOutputPreset.__typename).toBe('NotFoundError');
    expect((await ok<{ outputPresets: { edges: unknown[] } }>(app, LIST, {}, as)).outputPresets.edges).toEqual([]);
    const borrowed = await create({ name: 'Borrowing', platform: 'YOUTUBE', credentialId: credentials.YOUTUBE }, as);
    expect(borrowed.__typename).toBe('NotFoundError');
    expect(await tenantRows(owner)).toEqual(before);
  });
});

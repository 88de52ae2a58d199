import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forTenant, prisma } from '../../src/lib/db.js';
import { rawId, registerUser, startTestApp, type RegisteredUser, type TestApp } from '../support/app.js';
import { credentialOf, ERROR_FIELDS, globalId, ok, recordingOf, tenantRows, type ErrorResult } from '../support/templates.js';

let app: TestApp;
let owner: RegisteredUser;
let stranger: RegisteredUser;
let tenantId: string;

const PREVIEW = `mutation($input: RenderPreviewInput!) { renderPreview(input: $input) {
  ${ERROR_FIELDS}
  ... on RenderPreview { platform title description folderPath filename titleTemplate descriptionTemplate titleTruncated descriptionTruncated settings sample }
} }`;

interface Preview extends ErrorResult {
  platform: string | null;
  title: string;
  description: string;
  folderPath: string | null;
  filename: string | null;
  titleTemplate: string;
  descriptionTemplate: string | null;
  titleTruncated: boolean;
  descriptionTruncated: boolean;
  settings: Record<string, unknown>;
  sample: boolean;
}

const preview = async (input: Record<string, unknown>, token = owner.accessToken) =>
  (await ok<{ renderPreview: Preview }>(app, PREVIEW, { input }, token)).renderPreview;

let recordingId: string;
let youtubePreset: string;
let diskPreset: string;
let course: string;

beforeAll(async () => {
  app = await startTestApp();
  owner = await registerUser(app);
  stranger = await registerUser(app);
  tenantId = rawId(owner.tenantId);
  await prisma.tenant.update({ where: { id: tenantId }, data: { timezone: 'Europe/Moscow' } });
  const youtube = await credentialOf(owner, 'YOUTUBE');
  const disk = await credentialOf(owner, 'YANDEX_DISK');
  youtubePreset = (await prisma.outputPreset.create({
    data: {
      tenantId,
      name: 'YT',
      platform: 'YOUTUBE',
      credentialId: youtube.id,
      metadata: { titleTemplate: 'Preset: {{ display_name }}', descriptionTemplate: '{{ title }}\n{{ topics }}', topicsDisplay: { format: 'dash_list' }, privacy: 'public' },
    },
  })).id;
  diskPreset = (await prisma.outputPreset.create({
    data: { tenantId, name: 'Disk', platform: 'YANDEX_DISK', credentialId: disk.id, metadata: { folderPathTemplate: '/Lectures/{{ display_name | part: 0 }}', filenameTemplate: '{display_name} {record_time:DD.MM.YY}' } },
  })).id;
  course = (await prisma.template.create({
    data: { tenantId, name: 'Course', matchingRules: { keywords: ['algebra'] }, metadataConfig: { youtube: { titleTemplate: 'Course: {{ display_name }} ({{ record_date }})' } } },
  })).id;
  const recording = await recordingOf(owner, {
    displayName: 'Algebra_2026 <intro>',
    startTime: new Date('2026-02-01T21:30:00Z'),
    durationSec: 5400,
    trimmedDurationSec: 5000,
    templateId: course,
    isMapped: true,
  });
  recordingId = globalId('Recording', recording.id);
  await prisma.topicVersion.create({
    data: {
      tenantId,
      recordingId: recording.id,
      version: 1,
      isActive: true,
      provider: 'local',
      summary: 'Groups and rings.',
      mainTopic: 'Group theory',
      topics: [{ title: 'Groups', start: 0, end: 600 }, { title: 'Rings', start: 600, end: 5000 }],
      questions: ['What is a group?'],
    },
  });
});
afterAll(() => app.close());

describe('renderPreview', () => {
  it('renders sample data with the render defaults when nothing is configured', async () => {
    const result = await preview({});
    expect(result).toMatchObject({ __typename: 'RenderPreview', sample: true, platform: null, title: 'Sample lecture', titleTemplate: '{{ display_name }}', descriptionTemplate: null });
    // Default template: topics numbered with timestamps, questions off.
    expect(result.description).toBe('A sample summary of the lecture.\n\n1. 00:00:00 — Introduction\n2. 00:05:00 — Main part\n3. 00:55:00 — Conclusions');
  });

  it('renders a recording in the tenant time zone with its active topic version', async () => {
    const result = await preview({ recordingId, metadataConfig: { titleTemplate: '{display_name} {record_time:DD.MM.YYYY hh:mm}', descriptionTemplate: '{{ themes }} / {{ duration_hm }} / {{ questions }}', questionsDisplay: { enabled: true, format: 'plain' } } });
    expect(result.title).toBe('Algebra_2026 <intro> 02.02.2026 00:30');
    expect(result.description).toBe('Group theory / 1:23:20 / What is a group?');
    expect(result.sample).toBe(false);
  });

  it('layers metadata: Default < preset < bound template (platform block) < request', async () => {
    const result = await preview({ recordingId, presetId: globalId('OutputPreset', youtubePreset) });
    expect(result.platform).toBe('YOUTUBE');
    // The course template's youtube block beats the preset's title; the preset's description and display stay.
    expect(result.title).toBe('Course: Algebra_2026 ＜intro＞ (02.02.2026)');
    expect(result.description).toBe('Course: Algebra_2026 ＜intro＞ (02.02.2026)\n- 00:00:00 — Groups\n- 00:10:00 — Rings');
    expect(result.settings).toMatchObject({ privacy: 'public', categoryId: '27', topicsDisplay: { format: 'dash_list', showTimestamps: true } });
    const requested = await preview({ recordingId, presetId: globalId('OutputPreset', youtubePreset), metadataConfig: { youtube: { publishAt: '2026-12-01T10:00:00Z' }, titleTemplate: 'Ignored {{ display_name }}' } });
    // Each layer is flattened for the platform before the merge, so the request's plain title beats
    // the course template's youtube block.
    expect(requested.title).toBe('Ignored Algebra_2026 ＜intro＞');
    expect(requested.settings.privacy).toBe('private');
  });

  it('applies platform limits', async () => {
    const long = await preview({ platform: 'VK', metadataConfig: { titleTemplate: `{{ display_name }} ${'x'.repeat(200)}`, descriptionTemplate: '{{ summary }}' } });
    expect([...long.title]).toHaveLength(128);
    expect(long).toMatchObject({ titleTruncated: true, descriptionTruncated: false, description: 'A sample summary of the lecture.' });
  });

  it('renders Yandex Disk paths, in both syntaxes', async () => {
    const result = await preview({ recordingId, presetId: globalId('OutputPreset', diskPreset) });
    expect([result.folderPath, result.filename]).toEqual(['/Lectures/Algebra', 'Algebra_2026 <intro> 02.02.26']);
  });

  it('answers ValidationError with the reason for an invalid template or platform', async () => {
    const broken = await preview({ metadataConfig: { descriptionTemplate: '{% for %}' } });
    expect(broken.__typename).toBe('ValidationError');
    expect(broken.issues?.[0]).toEqual({ path: 'overrides.metadataConfig.descriptionTemplate', message: expect.stringMatching(/^Invalid template/) });
    // Every platform is publishable now; Google Drive renders its paths like Yandex Disk.
    const drive = await preview({ platform: 'GOOGLE_DRIVE', metadataConfig: { googleDrive: { folderPathTemplate: '/Lectures/{{ display_name }}' } } });
    expect(drive.folderPath).toBe('/Lectures/Sample lecture');
  });

  it("answers NotFound for another tenant's recording or preset and changes nothing", async () => {
    const before = await tenantRows(owner);
    expect(await preview({ recordingId }, stranger.accessToken)).toMatchObject({ __typename: 'NotFoundError', message: 'Recording not found' });
    expect(await preview({ presetId: globalId('OutputPreset', youtubePreset) }, stranger.accessToken)).toMatchObject({ __typename: 'NotFoundError', message: 'OutputPreset not found' });
    expect(await preview({ templateId: globalId('Template', course) }, stranger.accessToken)).toMatchObject({ __typename: 'NotFoundError' });
    expect(await tenantRows(owner)).toEqual(before);
  });

  it('is resolved for uploads by the same service the publish stage uses', async () => {
    const metadata = await app.services.metadata.resolveUploadMetadata(forTenant(tenantId), rawId(recordingId), diskPreset);
    expect(metadata).toMatchObject({ platform: 'YANDEX_DISK', presetId: diskPreset, folderPath: '/Lectures/Algebra', settings: { overwrite: false, publish: false } });
  });
});

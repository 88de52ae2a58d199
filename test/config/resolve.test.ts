import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prisma } from '../../src/lib/db.js';
import { rawId, registerUser, startTestApp, type RegisteredUser, type TestApp } from '../support/app.js';
import { ERROR_FIELDS, globalId, memberOf, ok, recordingOf, tenantRows, type ErrorResult } from '../support/templates.js';

let app: TestApp;
let owner: RegisteredUser;
let stranger: RegisteredUser;
let tenantId: string;

const RESOLVE = `query($recordingId: ID, $templateId: ID, $overrides: JSON) {
  resolvedConfig(recordingId: $recordingId, templateId: $templateId, overrides: $overrides) {
    ${ERROR_FIELDS}
    ... on ResolvedConfig { processingConfig metadataConfig outputConfig layers { source templateName template { name } processingConfig metadataConfig outputConfig } }
  }
}`;
const SET = `mutation($id: ID!, $overrides: JSON!) { setRecordingConfigOverrides(recordingId: $id, overrides: $overrides) { ${ERROR_FIELDS} ... on Recording { configOverrides } } }`;
const PATCH = `mutation($id: ID!, $patch: JSON!) { patchRecordingConfigOverrides(recordingId: $id, patch: $patch) { ${ERROR_FIELDS} ... on Recording { configOverrides } } }`;
const CLEAR = `mutation($id: ID!) { clearRecordingConfigOverrides(recordingId: $id) { ${ERROR_FIELDS} ... on Recording { configOverrides } } }`;

interface Layer {
  source: string;
  templateName: string | null;
  template: { name: string } | null;
  processingConfig: Record<string, unknown>;
  metadataConfig: Record<string, unknown>;
  outputConfig: Record<string, unknown>;
}
interface Resolved extends ErrorResult {
  processingConfig: { trimming: Record<string, unknown>; transcription: Record<string, unknown>; topics: Record<string, unknown>; subtitles: Record<string, unknown>; poster: Record<string, unknown> };
  metadataConfig: Record<string, unknown>;
  outputConfig: Record<string, unknown>;
  layers: Layer[];
}

const resolve = async (variables: Record<string, unknown>, token = owner.accessToken) =>
  (await ok<{ resolvedConfig: Resolved }>(app, RESOLVE, variables, token)).resolvedConfig;

let bound: { id: string };
let runtime: { id: string };

beforeAll(async () => {
  app = await startTestApp();
  owner = await registerUser(app);
  stranger = await registerUser(app);
  tenantId = rawId(owner.tenantId);
  const preset = await prisma.outputPreset.create({ data: { tenantId, name: 'Export', platform: 'S3_EXPORT' } });
  await prisma.template.updateMany({
    where: { tenantId, isDefault: true },
    data: { metadataConfig: { topicsDisplay: { format: 'numbered_list', showTimestamps: true }, titleTemplate: '{{ display_name }}' } },
  });
  bound = await prisma.template.create({
    data: {
      tenantId,
      name: 'Course',
      matchingRules: { keywords: ['course'] },
      processingConfig: { trimming: { silenceThresholdDb: -30, mode: 'pauses' }, transcription: { vocabulary: ['alpha', 'beta'] } },
      metadataConfig: { topicsDisplay: { format: 'bullet_list' }, youtube: { privacy: 'public' } },
      outputConfig: { presetIds: [preset.id], autoUpload: true },
    },
  });
  runtime = await prisma.template.create({
    data: {
      tenantId,
      name: 'Rush',
      isDraft: true,
      processingConfig: { trimming: { enabled: false }, topics: { enabled: false } },
      outputConfig: { autoUpload: false },
    },
  });
});
afterAll(() => app.close());

describe('resolvedConfig', () => {
  it('of an unbound recording is the Default template over the built-in defaults', async () => {
    const recording = await recordingOf(owner, { displayName: 'Unbound' });
    const resolved = await resolve({ recordingId: globalId('Recording', recording.id) });
    expect(resolved.layers.map((l) => [l.source, l.templateName])).toEqual([
      ['DEFAULT_TEMPLATE', 'Default'],
      ['RECORDING_OVERRIDES', null],
    ]);
    expect(resolved.processingConfig.trimming).toMatchObject({ enabled: true, mode: 'edges', silenceThresholdDb: -40 });
    expect(resolved.outputConfig).toEqual({ presetIds: [], autoUpload: false, uploadCaptions: true });
  });

  it('merges Default → bound → runtime → recording overrides → request overrides', async () => {
    const recording = await recordingOf(owner, {
      displayName: 'Course 1',
      templateId: bound.id,
      isMapped: true,
      configOverrides: {
        processingConfig: { trimming: { paddingBeforeSeconds: 1 }, transcription: { vocabulary: ['gamma'] } },
        metadataConfig: { topicsDisplay: { showTimestamps: false } },
      },
    });
    const resolved = await resolve({
      recordingId: globalId('Recording', recording.id),
      templateId: globalId('Template', runtime.id),
      overrides: { processingConfig: { trimming: { enabled: true, paddingAfterSeconds: null }, subtitles: { formats: ['vtt'] } } },
    });
    expect(resolved.__typename).toBe('ResolvedConfig');
    expect(resolved.layers.map((l) => [l.source, l.template?.name ?? null])).toEqual([
      ['DEFAULT_TEMPLATE', 'Default'],
      ['BOUND_TEMPLATE', 'Course'],
      ['RUNTIME_TEMPLATE', 'Rush'],
      ['RECORDING_OVERRIDES', null],
      ['REQUEST_OVERRIDES', null],
    ]);
    expect(resolved.layers[1]?.processingConfig).toEqual({ trimming: { silenceThresholdDb: -30, mode: 'pauses' }, transcription: { vocabulary: ['alpha', 'beta'] } });
    expect(resolved.layers[4]?.processingConfig).toEqual({ trimming: { enabled: true }, subtitles: { formats: ['vtt'] } });
    expect(resolved.processingConfig).toEqual({
      // bound: threshold and mode; runtime: disabled, then the request enables again; recording: padding before;
      // the request's null padding after changes nothing.
      trimming: { enabled: true, mode: 'pauses', silenceThresholdDb: -30, minSilenceSeconds: 2, paddingBeforeSeconds: 1, paddingAfterSeconds: 5, pausePreset: 'lecture' },
      // Lists replace: the recording's vocabulary wins over the template's.
      transcription: { enabled: true, language: 'auto', vocabulary: ['gamma'], allowErrors: false },
      topics: { enabled: false, granularity: 'long', questionsCount: 3 },
      subtitles: { enabled: true, formats: ['vtt'] },
      poster: { enabled: true },
    });
    expect(resolved.metadataConfig).toEqual({
      titleTemplate: '{{ display_name }}',
      topicsDisplay: { format: 'bullet_list', showTimestamps: false },
      youtube: { privacy: 'public' },
    });
    expect(resolved.outputConfig).toMatchObject({ autoUpload: false, uploadCaptions: true });
    expect((resolved.outputConfig.presetIds as string[]).length).toBe(1);
  });

  it('previews a template over the Default when no recording is given', async () => {
    const resolved = await resolve({ templateId: globalId('Template', bound.id) });
    expect(resolved.layers.map((l) => l.source)).toEqual(['DEFAULT_TEMPLATE', 'BOUND_TEMPLATE']);
    expect(resolved.processingConfig.trimming).toMatchObject({ mode: 'pauses', silenceThresholdDb: -30 });
    const defaultOnly = await resolve({});
    expect(defaultOnly.layers.map((l) => l.source)).toEqual(['DEFAULT_TEMPLATE']);
  });

  it('refuses invalid request overrides and the Default as a runtime template', async () => {
    const recording = await recordingOf(owner, { displayName: 'Course 2' });
    const id = globalId('Recording', recording.id);
    const bad = await resolve({ recordingId: id, overrides: { processingConfig: { trimming: { mode: 'everything' } } } });
    expect(bad.issues).toEqual([{ path: 'overrides.processingConfig.trimming.mode', message: expect.stringMatching(/Invalid option/) }]);
    const unknownSection = await resolve({ recordingId: id, overrides: { pipeline: {} } });
    expect(unknownSection.issues?.[0]?.message).toMatch(/Unrecognized key/);
    const defaultId = (await prisma.template.findFirstOrThrow({ where: { tenantId, isDefault: true } })).id;
    const asRuntime = await resolve({ recordingId: id, templateId: globalId('Template', defaultId) });
    expect(asRuntime.issues?.[0]).toEqual({ path: 'templateId', message: expect.stringMatching(/always applied/) });
  });
});

describe('recording overrides', () => {
  it('are set, patched (null removes) and cleared, and validated', async () => {
    const recording = await recordingOf(owner, { displayName: 'Tuned' });
    const id = globalId('Recording', recording.id);
    const set = await ok<{ setRecordingConfigOverrides: { configOverrides: unknown } }>(
      app, SET, { id, overrides: { processingConfig: { trimming: { enabled: false, silenceThresholdDb: -50 } }, metadataConfig: { titleTemplate: '{display_name}' } } }, owner.accessToken);
    expect(set.setRecordingConfigOverrides.configOverrides).toEqual({
      processingConfig: { trimming: { enabled: false, silenceThresholdDb: -50 } },
      metadataConfig: { titleTemplate: '{display_name}' },
    });
    const patched = await ok<{ patchRecordingConfigOverrides: { configOverrides: unknown } }>(
      app, PATCH, { id, patch: { processingConfig: { trimming: { enabled: null }, topics: { granularity: 'short' } }, metadataConfig: null } }, owner.accessToken);
    expect(patched.patchRecordingConfigOverrides.configOverrides).toEqual({ processingConfig: { trimming: { silenceThresholdDb: -50 }, topics: { granularity: 'short' } } });
    const resolved = await resolve({ recordingId: id });
    expect(resolved.processingConfig.trimming).toMatchObject({ enabled: true, silenceThresholdDb: -50 });

    const invalid = await ok<{ patchRecordingConfigOverrides: ErrorResult }>(app, PATCH, { id, patch: { metadataConfig: { titleTemplate: '{{ oops' } } }, owner.accessToken);
    expect(invalid.patchRecordingConfigOverrides.issues?.[0]?.path).toBe('metadataConfig.titleTemplate');
    const unknownPreset = await ok<{ setRecordingConfigOverrides: ErrorResult }>(app, SET, { id, overrides: { outputConfig: { presetIds: ['nope'] } } }, owner.accessToken);
    expect(unknownPreset.setRecordingConfigOverrides.issues).toEqual([{ path: 'outputConfig.presetIds.0', message: 'Unknown output preset' }]);
    expect((await prisma.recording.findUniqueOrThrow({ where: { id: recording.id } })).configOverrides).toEqual({
      processingConfig: { trimming: { silenceThresholdDb: -50 }, topics: { granularity: 'short' } },
    });

    const cleared = await ok<{ clearRecordingConfigOverrides: { configOverrides: unknown } }>(app, CLEAR, { id }, owner.accessToken);
    expect(cleared.clearRecordingConfigOverrides.configOverrides).toEqual({});
  });

  it('need canProcessVideo to change', async () => {
    const recording = await recordingOf(owner, { displayName: 'Guarded' });
    const member = await memberOf(app, owner, { role: 'EDITOR', canProcessVideo: false });
    const res = await app.gql(CLEAR, { id: globalId('Recording', recording.id) }, member.accessToken);
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('isolation', () => {
  it("answers NotFound for another tenant's recordings and templates and changes nothing", async () => {
    const recording = await recordingOf(owner, { displayName: 'Private', configOverrides: { processingConfig: { poster: { enabled: false } } } });
    const id = globalId('Recording', recording.id);
    const before = await tenantRows(owner);
    const as = stranger.accessToken;
    expect(await resolve({ recordingId: id }, as)).toMatchObject({ __typename: 'NotFoundError', message: 'Recording not found' });
    expect(await resolve({ templateId: globalId('Template', bound.id) }, as)).toMatchObject({ __typename: 'NotFoundError', message: 'Template not found' });
    for (const [query, variables] of [
      [SET, { id, overrides: {} }],
      [PATCH, { id, patch: { processingConfig: null } }],
      [CLEAR, { id }],
    ] as const) {
      const res = await ok<Record<string, ErrorResult>>(app, query, variables, as);
      expect(Object.values(res)[0]?.__typename).toBe('NotFoundError');
    }
    expect(await tenantRows(owner)).toEqual(before);
  });
});

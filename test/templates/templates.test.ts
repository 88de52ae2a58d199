import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prisma } from '../../src/lib/db.js';
import { rawId, registerUser, startTestApp, type RegisteredUser, type TestApp } from '../support/app.js';
import { credentialOf, ERROR_FIELDS, QUOTA_FIELDS, globalId, memberOf, ok, sourceOf, tenantRows, type ErrorResult } from '../support/templates.js';

let app: TestApp;
let owner: RegisteredUser;
let stranger: RegisteredUser;

const TEMPLATE_FIELDS = `id name description isDefault isDraft isActive usedCount processingConfig metadataConfig outputConfig
  matchingRules { exactMatches keywords patterns sourceIds excludeKeywords excludePatterns caseSensitive minDurationSec maxDurationSec }
  outputPresets { id name }`;

interface TemplateResult extends ErrorResult {
  id: string;
  name: string;
  description: string | null;
  isDefault: boolean;
  isDraft: boolean;
  isActive: boolean;
  usedCount: number;
  processingConfig: Record<string, unknown>;
  metadataConfig: Record<string, unknown>;
  outputConfig: Record<string, unknown>;
  matchingRules: Record<string, unknown>;
  outputPresets: Array<{ id: string; name: string }>;
}

const CREATE = `mutation($input: CreateTemplateInput!) { createTemplate(input: $input) { ${ERROR_FIELDS} ${QUOTA_FIELDS} ... on Template { ${TEMPLATE_FIELDS} } } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateTemplateInput!) { updateTemplate(id: $id, input: $input) { ${ERROR_FIELDS} ${QUOTA_FIELDS} ... on Template { ${TEMPLATE_FIELDS} } } }`;
const COPY = `mutation($id: ID!, $name: String) { copyTemplate(id: $id, name: $name) { ${ERROR_FIELDS} ${QUOTA_FIELDS} ... on Template { ${TEMPLATE_FIELDS} } } }`;
const SET_DEFAULT = `mutation($id: ID!) { setDefaultTemplate(id: $id) { ${ERROR_FIELDS} ${QUOTA_FIELDS} ... on Template { id name isDefault isDraft } } }`;
const DELETE = `mutation($id: ID!) { deleteTemplate(id: $id) { __typename ... on Error { code message } ... on DeleteTemplateResult { deletedId unmappedCount } } }`;
const ONE = `query($id: ID!) { template(id: $id) { ${TEMPLATE_FIELDS} } }`;
const DEFAULT = `{ defaultTemplate { ${TEMPLATE_FIELDS} } }`;

const create = async (input: Record<string, unknown>, token = owner.accessToken) =>
  (await ok<{ createTemplate: TemplateResult }>(app, CREATE, { input }, token)).createTemplate;
const update = async (id: string, input: Record<string, unknown>, token = owner.accessToken) =>
  (await ok<{ updateTemplate: TemplateResult }>(app, UPDATE, { id, input }, token)).updateTemplate;
const issuesOf = (result: ErrorResult) => Object.fromEntries((result.issues ?? []).map((i) => [i.path, i.message]));
const templateCount = (user: RegisteredUser) => prisma.template.count({ where: { tenantId: rawId(user.tenantId) } });

beforeAll(async () => {
  app = await startTestApp();
  owner = await registerUser(app);
  stranger = await registerUser(app);
  // This suite creates more templates than the free plan allows; the quota has its own test.
  await prisma.quotaOverride.create({ data: { tenantId: rawId(owner.tenantId), templates: 1000 } });
});
afterAll(() => app.close());

describe('createTemplate', () => {
  it('creates a template with normalised rules and validated configuration', async () => {
    const source = await sourceOf(owner);
    const preset = await prisma.outputPreset.create({
      data: { tenantId: rawId(owner.tenantId), name: 'YT main', platform: 'YOUTUBE', credentialId: (await credentialOf(owner, 'YOUTUBE')).id },
    });
    const result = await create({
      name: '  Algebra course ',
      description: 'Weekly algebra',
      matchingRules: { keywords: ['algebra', ' algebra '], patterns: ['^Alg'], sourceIds: [globalId('InputSource', source.id)], minDurationSec: 600 },
      processingConfig: { trimming: { silenceThresholdDb: -35 }, transcription: { language: 'ru', vocabulary: ['матрица'] } },
      metadataConfig: { titleTemplate: '{display_name} — {{ record_date }}', youtube: { privacy: 'public' } },
      outputConfig: { presetIds: [globalId('OutputPreset', preset.id)], autoUpload: true },
    });
    expect(result.__typename).toBe('Template');
    expect(result).toMatchObject({ name: 'Algebra course', description: 'Weekly algebra', isDefault: false, isDraft: false, isActive: true });
    expect(result.matchingRules).toEqual({
      exactMatches: [],
      keywords: ['algebra'],
      patterns: ['^Alg'],
      sourceIds: [source.id],
      excludeKeywords: [],
      excludePatterns: [],
      caseSensitive: false,
      minDurationSec: 600,
      maxDurationSec: null,
    });
    expect(result.processingConfig).toEqual({ trimming: { silenceThresholdDb: -35 }, transcription: { language: 'ru', vocabulary: ['матрица'] } });
    expect(result.outputConfig).toEqual({ presetIds: [preset.id], autoUpload: true });
    expect(result.outputPresets.map((p) => p.name)).toEqual(['YT main']);
  });

  it('allows a draft without rules, and refuses a non-draft one', async () => {
    expect((await create({ name: 'Draft only', isDraft: true })).__typename).toBe('Template');
    const refused = await create({ name: 'No rules' });
    expect(refused.__typename).toBe('ValidationError');
    expect(issuesOf(refused).matchingRules).toMatch(/needs an exact name, keyword or pattern/);
    const sourceOnly = await create({ name: 'Source only', matchingRules: { sourceIds: [(await sourceOf(owner)).id] } });
    expect(issuesOf(sourceOnly).matchingRules).toMatch(/sources and durations only narrow/);
  });

  const invalid: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ['a short name', { name: 'ab', isDraft: true }, 'name', /at least 3/],
    ['a regex that does not compile', { name: 'Bad regex', matchingRules: { patterns: ['(x'] } }, 'matchingRules.patterns.0', /Invalid regular expression/],
    ['a catastrophic regex', { name: 'Slow regex', matchingRules: { excludePatterns: ['(a*)*b'], keywords: ['x'] } }, 'matchingRules.excludePatterns.0', /exponential/],
    ['an unknown source', { name: 'Bad source', matchingRules: { keywords: ['x'], sourceIds: ['8b0e4b1e-0000-4000-8000-000000000000'] } }, 'matchingRules.sourceIds.0', /Unknown input source/],
    ['a processing value out of range', { name: 'Bad trim', isDraft: true, processingConfig: { trimming: { silenceThresholdDb: 10 } } }, 'processingConfig.trimming.silenceThresholdDb', /<=0|less than or equal/],
    ['an unknown processing key', { name: 'Bad key', isDraft: true, processingConfig: { trimming: { silence: 1 } } }, 'processingConfig.trimming', /Unrecognized key/],
    ['a broken title template', { name: 'Bad title', isDraft: true, metadataConfig: { titleTemplate: '{{ display_name' } }, 'metadataConfig.titleTemplate', /Invalid template/],
    ['a title without variables', { name: 'Const title', isDraft: true, metadataConfig: { youtube: { titleTemplate: 'Lecture' } } }, 'metadataConfig.youtube.titleTemplate', /at least one variable/],
    ['an unknown filter', { name: 'Bad filter', isDraft: true, metadataConfig: { descriptionTemplate: '{{ summary | shout }}' } }, 'metadataConfig.descriptionTemplate', /undefined filter/],
    ['an invalid display format', { name: 'Bad display', isDraft: true, metadataConfig: { topicsDisplay: { format: 'table' } } }, 'metadataConfig.topicsDisplay.format', /Invalid option/],
    ['an unknown output preset', { name: 'Bad preset', isDraft: true, outputConfig: { presetIds: ['8b0e4b1e-0000-4000-8000-000000000000'] } }, 'outputConfig.presetIds.0', /Unknown output preset/],
    ['automatic upload without presets', { name: 'Auto nowhere', isDraft: true, outputConfig: { autoUpload: true } }, 'outputConfig.presetIds', /at least one output preset/],
  ];
  it.each(invalid)('refuses %s with the reason, creating nothing', async (_label, input, path, message) => {
    const before = await templateCount(owner);
    const result = await create(input);
    expect(result.__typename).toBe('ValidationError');
    expect(issuesOf(result)[path]).toMatch(message);
    expect(await templateCount(owner)).toBe(before);
  });

  it('reports every problem of an input at once', async () => {
    const result = await create({ name: 'x', matchingRules: { patterns: ['('] }, processingConfig: { poster: { enabled: 'yes' } }, metadataConfig: { titleTemplate: 'Plain' } });
    expect(Object.keys(issuesOf(result)).sort()).toEqual(['matchingRules.patterns.0', 'metadataConfig.titleTemplate', 'name', 'processingConfig.poster.enabled']);
  });

  it('refuses a duplicate name with ConflictError', async () => {
    await create({ name: 'Unique name', isDraft: true });
    const again = await create({ name: 'Unique name', isDraft: true });
    expect(again).toMatchObject({ __typename: 'ConflictError', code: 'CONFLICT' });
    expect((await create({ name: 'Default', isDraft: true })).__typename).toBe('ConflictError');
  });

  it('enforces the templates quota (override replaces the plan, 0 included; Default not counted)', async () => {
    const user = await registerUser(app);
    const tenantId = rawId(user.tenantId);
    await prisma.quotaOverride.create({ data: { tenantId, templates: 0 } });
    const zero = await create({ name: 'First', isDraft: true }, user.accessToken);
    expect(zero).toMatchObject({ __typename: 'QuotaExceededError', quota: 'templates', limit: 0, used: 0 });
    await prisma.quotaOverride.update({ where: { tenantId }, data: { templates: 2 } });
    expect((await create({ name: 'First', isDraft: true }, user.accessToken)).__typename).toBe('Template');
    expect((await create({ name: 'Second', isDraft: true }, user.accessToken)).__typename).toBe('Template');
    expect(await create({ name: 'Third', isDraft: true }, user.accessToken)).toMatchObject({ __typename: 'QuotaExceededError', limit: 2, used: 2 });
    // Without an override value the free plan's limit (5) applies.
    await prisma.quotaOverride.update({ where: { tenantId }, data: { templates: null } });
    expect((await create({ name: 'Third', isDraft: true }, user.accessToken)).__typename).toBe('Template');
    expect(await templateCount(user)).toBe(4);
  });

  it('needs canManageTemplates; a VIEWER or a member without it is refused', async () => {
    const viewer = await memberOf(app, owner, { role: 'VIEWER' });
    const noFlag = await memberOf(app, owner, { role: 'EDITOR', canManageTemplates: false });
    for (const member of [viewer, noFlag]) {
      const res = await app.gql(CREATE, { input: { name: 'Not allowed', isDraft: true } }, member.accessToken);
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    const reader = await app.gql<{ templates: { edges: unknown[] } }>('{ templates { edges { node { id } } } }', {}, viewer.accessToken);
    expect(reader.data?.templates.edges.length).toBeGreaterThan(0);
  });
});

describe('updateTemplate', () => {
  it('changes given fields only and replaces given sections', async () => {
    const template = await create({ name: 'To edit', matchingRules: { keywords: ['edit'] }, processingConfig: { poster: { enabled: false } } });
    const updated = await update(template.id, { description: 'Now described', matchingRules: { exactMatches: ['Exact'] }, outputConfig: { uploadCaptions: false } });
    expect(updated).toMatchObject({ name: 'To edit', description: 'Now described', processingConfig: { poster: { enabled: false } }, outputConfig: { uploadCaptions: false } });
    expect(updated.matchingRules).toMatchObject({ exactMatches: ['Exact'], keywords: [] });
    const renamed = await update(template.id, { name: 'Edited' });
    expect(renamed.name).toBe('Edited');
    expect((await update(template.id, { name: 'Unique name' })).__typename).toBe('ConflictError');
    const emptied = await update(template.id, { matchingRules: {} });
    expect(issuesOf(emptied).matchingRules).toMatch(/needs an exact name/);
  });

  it('keeps the Default template active, non-draft and without rules, but edits its configuration', async () => {
    const { defaultTemplate } = await ok<{ defaultTemplate: TemplateResult }>(app, DEFAULT, {}, owner.accessToken);
    const refused = await update(defaultTemplate.id, { isDraft: true, isActive: false, matchingRules: { keywords: ['x'] } });
    expect(Object.keys(issuesOf(refused)).sort()).toEqual(['isActive', 'isDraft', 'matchingRules']);
    const edited = await update(defaultTemplate.id, { processingConfig: { ...defaultTemplate.processingConfig, poster: { enabled: false } } });
    expect(edited.processingConfig.poster).toEqual({ enabled: false });
    expect(edited.processingConfig.trimming).toEqual(defaultTemplate.processingConfig.trimming);
  });
});

describe('the Default template', () => {
  it('is created at registration with the default layers', async () => {
    const user = await registerUser(app);
    const { defaultTemplate } = await ok<{ defaultTemplate: TemplateResult }>(app, DEFAULT, {}, user.accessToken);
    expect(defaultTemplate).toMatchObject({ name: 'Default', isDefault: true, isDraft: false, isActive: true });
    expect(defaultTemplate.processingConfig.trimming).toEqual({
      enabled: true, mode: 'edges', silenceThresholdDb: -40, minSilenceSeconds: 2, paddingBeforeSeconds: 5, paddingAfterSeconds: 5, pausePreset: 'lecture',
    });
    expect(defaultTemplate.outputConfig).toEqual({ presetIds: [], autoUpload: false, uploadCaptions: true });
  });

  it('cannot be deleted', async () => {
    const { defaultTemplate } = await ok<{ defaultTemplate: TemplateResult }>(app, DEFAULT, {}, owner.accessToken);
    const { deleteTemplate } = await ok<{ deleteTemplate: ErrorResult }>(app, DELETE, { id: defaultTemplate.id }, owner.accessToken);
    expect(deleteTemplate).toMatchObject({ __typename: 'ConflictError', message: 'The Default template cannot be deleted' });
  });

  it('moves with setDefaultTemplate; the previous Default becomes a draft', async () => {
    const user = await registerUser(app);
    const { defaultTemplate: before } = await ok<{ defaultTemplate: TemplateResult }>(app, DEFAULT, {}, user.accessToken);
    const draft = await create({ name: 'Still a draft', isDraft: true }, user.accessToken);
    const refused = await ok<{ setDefaultTemplate: ErrorResult }>(app, SET_DEFAULT, { id: draft.id }, user.accessToken);
    expect(refused.setDefaultTemplate.__typename).toBe('ConflictError');
    const next = await create({ name: 'New base', matchingRules: { keywords: ['x'] } }, user.accessToken);
    const promoted = await ok<{ setDefaultTemplate: TemplateResult }>(app, SET_DEFAULT, { id: next.id }, user.accessToken);
    expect(promoted.setDefaultTemplate).toMatchObject({ id: next.id, isDefault: true });
    const { defaultTemplate: after } = await ok<{ defaultTemplate: TemplateResult }>(app, DEFAULT, {}, user.accessToken);
    expect(after.id).toBe(next.id);
    const old = await ok<{ template: TemplateResult }>(app, ONE, { id: before.id }, user.accessToken);
    expect(old.template).toMatchObject({ isDefault: false, isDraft: true });
    expect(await prisma.template.count({ where: { tenantId: rawId(user.tenantId), isDefault: true } })).toBe(1);
    // The old Default can now be deleted; the new one cannot.
    expect((await ok<{ deleteTemplate: ErrorResult }>(app, DELETE, { id: before.id }, user.accessToken)).deleteTemplate.__typename).toBe('DeleteTemplateResult');
    expect((await ok<{ deleteTemplate: ErrorResult }>(app, DELETE, { id: next.id }, user.accessToken)).deleteTemplate.__typename).toBe('ConflictError');
  });
});

describe('copyTemplate', () => {
  it('copies as a draft named "Copy of …", numbering further copies', async () => {
    const original = await create({ name: 'Physics', matchingRules: { keywords: ['physics'] }, processingConfig: { topics: { granularity: 'short' } } });
    const first = (await ok<{ copyTemplate: TemplateResult }>(app, COPY, { id: original.id }, owner.accessToken)).copyTemplate;
    expect(first).toMatchObject({ name: 'Copy of Physics', isDraft: true, isDefault: false, usedCount: 0, processingConfig: { topics: { granularity: 'short' } } });
    expect(first.matchingRules.keywords).toEqual(['physics']);
    const second = (await ok<{ copyTemplate: TemplateResult }>(app, COPY, { id: original.id }, owner.accessToken)).copyTemplate;
    expect(second.name).toBe('Copy of Physics (2)');
    const named = (await ok<{ copyTemplate: TemplateResult }>(app, COPY, { id: original.id, name: 'Physics II' }, owner.accessToken)).copyTemplate;
    expect(named.name).toBe('Physics II');
  });
});

describe('isolation', () => {
  it("answers NotFound (or null) for another tenant's template ids and changes nothing", async () => {
    const mine = await create({ name: 'Private template', matchingRules: { keywords: ['private'] } });
    const { defaultTemplate } = await ok<{ defaultTemplate: TemplateResult }>(app, DEFAULT, {}, owner.accessToken);
    const before = await tenantRows(owner);
    const as = stranger.accessToken;
    for (const id of [mine.id, defaultTemplate.id]) {
      expect((await ok<{ template: unknown }>(app, ONE, { id }, as)).template).toBeNull();
      expect((await ok<{ updateTemplate: ErrorResult }>(app, UPDATE, { id, input: { name: 'Hijacked' } }, as)).updateTemplate).toMatchObject({ __typename: 'NotFoundError', message: 'Template not found' });
      expect((await ok<{ copyTemplate: ErrorResult }>(app, COPY, { id }, as)).copyTemplate.__typename).toBe('NotFoundError');
      expect((await ok<{ deleteTemplate: ErrorResult }>(app, DELETE, { id }, as)).deleteTemplate.__typename).toBe('NotFoundError');
      expect((await ok<{ setDefaultTemplate: ErrorResult }>(app, SET_DEFAULT, { id }, as)).setDefaultTemplate.__typename).toBe('NotFoundError');
    }
    const theirs = await ok<{ templates: { edges: Array<{ node: { name: string } }> } }>(app, '{ templates { edges { node { name } } } }', {}, as);
    expect(theirs.templates.edges.map((e) => e.node.name)).toEqual(['Default']);
    // The stranger may not name the owner's presets or sources in its own templates either.
    const preset = before.presets[0];
    const sneaky = await create({ name: 'Sneaky', isDraft: true, outputConfig: { presetIds: [preset?.id] } }, as);
    expect(issuesOf(sneaky)['outputConfig.presetIds.0']).toBe('Unknown output preset');
    expect(await tenantRows(owner)).toEqual(before);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forTenant, prisma } from '../../src/lib/db.js';
import { rawId, registerUser, startTestApp, type RegisteredUser, type TestApp } from '../support/app.js';
import { ERROR_FIELDS, QUOTA_FIELDS, globalId, ok, recordingOf, sourceOf, tenantRows, type ErrorResult } from '../support/templates.js';

let app: TestApp;
let owner: RegisteredUser;
let stranger: RegisteredUser;

const CREATE = `mutation($input: CreateTemplateInput!, $rematch: Boolean) { createTemplate(input: $input, rematchUnmapped: $rematch) { ${ERROR_FIELDS} ${QUOTA_FIELDS} ... on Template { id name usedCount } } }`;
const PREVIEW = `query($id: ID!, $onlyUnmapped: Boolean, $limit: Int, $rules: TemplateMatchingRulesInput) {
  previewTemplateMatch(id: $id, onlyUnmapped: $onlyUnmapped, limit: $limit, matchingRules: $rules) {
    __typename ... on Error { code message } ... on ValidationError { issues { path message } }
    ... on TemplateMatchPreview { checkedCount matchCount matches { recording { id displayName status } matchedBy matchedValue alreadyBound newStatus } }
  }
}`;
const REMATCH = `mutation($id: ID!, $onlyUnmapped: Boolean) { rematchTemplate(id: $id, onlyUnmapped: $onlyUnmapped) {
  __typename ... on Error { code message } ... on RematchTemplateResult { matchedCount template { usedCount } } } }`;
const DELETE = `mutation($id: ID!) { deleteTemplate(id: $id) { __typename ... on Error { code message } ... on DeleteTemplateResult { deletedId unmappedCount } } }`;
const FROM_RECORDING = `mutation($recordingId: ID!, $input: TemplateFromRecordingInput!) { createTemplateFromRecording(recordingId: $recordingId, input: $input) {
  ${ERROR_FIELDS} ${QUOTA_FIELDS} ... on Template { id name description isDraft matchingRules { exactMatches patterns sourceIds } processingConfig metadataConfig outputConfig } } }`;

interface PreviewData {
  checkedCount: number;
  matchCount: number;
  matches: Array<{ recording: { id: string; displayName: string; status: string }; matchedBy: string; matchedValue: string | null; alreadyBound: boolean; newStatus: string }>;
}

const createTemplate = async (input: Record<string, unknown>, rematch = false, token = owner.accessToken) =>
  (await ok<{ createTemplate: ErrorResult & { id: string; usedCount: number } }>(app, CREATE, { input, rematch }, token)).createTemplate;
const preview = async (variables: Record<string, unknown>, token = owner.accessToken) =>
  (await ok<{ previewTemplateMatch: ErrorResult & PreviewData }>(app, PREVIEW, variables, token)).previewTemplateMatch;
const rematch = async (variables: Record<string, unknown>, token = owner.accessToken) =>
  (await ok<{ rematchTemplate: ErrorResult & { matchedCount: number; template: { usedCount: number } } }>(app, REMATCH, variables, token)).rematchTemplate;

beforeAll(async () => {
  app = await startTestApp();
  owner = await registerUser(app);
  stranger = await registerUser(app);
  await prisma.quotaOverride.create({ data: { tenantId: rawId(owner.tenantId), templates: 1000 } });
});
afterAll(() => app.close());

describe('previewTemplateMatch and rematchTemplate', () => {
  it('previews without changing anything, then binds only unmapped recordings', async () => {
    const template = await createTemplate({ name: 'Calculus', matchingRules: { keywords: ['calculus'], excludeKeywords: ['rehearsal'] } });
    const other = await createTemplate({ name: 'Other course', matchingRules: { keywords: ['other'] } });
    const skipped = await recordingOf(owner, { displayName: 'Calculus 1', status: 'SKIPPED', createdAt: new Date('2026-01-01') });
    const pending = await recordingOf(owner, { displayName: 'Calculus 2', status: 'PENDING_SOURCE', createdAt: new Date('2026-01-02') });
    const elsewhere = await recordingOf(owner, {
      displayName: 'Calculus 3', status: 'DOWNLOADED', templateId: rawId(other.id), isMapped: true, createdAt: new Date('2026-01-03'),
    });
    await recordingOf(owner, { displayName: 'Calculus rehearsal', createdAt: new Date('2026-01-04') });
    await recordingOf(owner, { displayName: 'Calculus blank', isBlank: true, createdAt: new Date('2026-01-05') });
    await recordingOf(owner, { displayName: 'Calculus deleted', deleteState: 'SOFT', createdAt: new Date('2026-01-06') });
    await recordingOf(owner, { displayName: 'Chemistry', createdAt: new Date('2026-01-07') });
    const before = await tenantRows(owner);

    const dry = await preview({ id: template.id });
    expect(dry.__typename).toBe('TemplateMatchPreview');
    // Unmapped, not blank, not deleted: Calculus 1, Calculus 2, the rehearsal and Chemistry.
    expect(dry.checkedCount).toBe(4);
    expect(dry.matches.map((m) => [m.recording.displayName, m.matchedBy, m.matchedValue, m.newStatus])).toEqual([
      ['Calculus 2', 'keywords', 'calculus', 'PENDING_SOURCE'],
      ['Calculus 1', 'keywords', 'calculus', 'INITIALIZED'],
    ]);
    const all = await preview({ id: template.id, onlyUnmapped: false, limit: 2 });
    expect(all).toMatchObject({ checkedCount: 2, matchCount: 0 });
    const wide = await preview({ id: template.id, onlyUnmapped: false });
    expect(wide.matches.map((m) => m.recording.displayName)).toEqual(['Calculus 3', 'Calculus 2', 'Calculus 1']);
    const unsaved = await preview({ id: template.id, rules: { patterns: ['^Chem'] } });
    expect(unsaved.matches.map((m) => [m.recording.displayName, m.matchedBy])).toEqual([['Chemistry', 'patterns']]);
    const badRules = await preview({ id: template.id, rules: { patterns: ['('] } });
    expect(badRules.issues?.[0]?.path).toBe('matchingRules.patterns.0');
    expect(await tenantRows(owner)).toEqual(before);

    const bound = await rematch({ id: template.id });
    expect(bound).toMatchObject({ matchedCount: 2, template: { usedCount: 2 } });
    const rows = await prisma.recording.findMany({ where: { id: { in: [skipped.id, pending.id, elsewhere.id] } }, orderBy: { displayName: 'asc' } });
    expect(rows.map((r) => [r.displayName, r.templateId === rawId(template.id), r.isMapped, r.status])).toEqual([
      ['Calculus 1', true, true, 'INITIALIZED'],
      ['Calculus 2', true, true, 'PENDING_SOURCE'],
      ['Calculus 3', false, true, 'DOWNLOADED'],
    ]);
    expect((await rematch({ id: template.id })).matchedCount).toBe(0);
    // Not only unmapped: recordings bound to other templates move here.
    expect(await rematch({ id: template.id, onlyUnmapped: false })).toMatchObject({ matchedCount: 1, template: { usedCount: 3 } });
    expect((await prisma.recording.findUniqueOrThrow({ where: { id: elsewhere.id } })).templateId).toBe(rawId(template.id));
  });

  it('binds matching unmapped recordings when a template is created (unless told not to)', async () => {
    await recordingOf(owner, { displayName: 'Geometry 1' });
    await recordingOf(owner, { displayName: 'Geometry 2' });
    const quiet = await createTemplate({ name: 'Geometry quiet', matchingRules: { keywords: ['geometry'] } }, false);
    expect(quiet.usedCount).toBe(0);
    const draft = await createTemplate({ name: 'Geometry draft', isDraft: true, matchingRules: { keywords: ['geometry'] } }, true);
    expect(draft.usedCount).toBe(0);
    const eager = await createTemplate({ name: 'Geometry', matchingRules: { keywords: ['geometry'] } }, true);
    expect(eager.usedCount).toBe(2);
    expect(await prisma.recording.count({ where: { templateId: rawId(eager.id), status: 'INITIALIZED' } })).toBe(2);
  });

  it('refuses to rematch with a draft, inactive or Default template', async () => {
    const draft = await createTemplate({ name: 'Draft rules', isDraft: true, matchingRules: { keywords: ['x'] } });
    const inactive = await createTemplate({ name: 'Inactive rules', isActive: false, matchingRules: { keywords: ['x'] } });
    const defaultId = globalId('Template', (await prisma.template.findFirstOrThrow({ where: { tenantId: rawId(owner.tenantId), isDefault: true } })).id);
    for (const id of [draft.id, inactive.id, defaultId]) expect((await rematch({ id })).__typename).toBe('ConflictError');
  });
});

describe('deleteTemplate', () => {
  it('unmaps its recordings (status kept) and removes it from automation jobs', async () => {
    const template = await createTemplate({ name: 'Doomed', matchingRules: { keywords: ['doomed'] } });
    const keeper = await createTemplate({ name: 'Keeper', matchingRules: { keywords: ['keeper'] } });
    const id = rawId(template.id);
    const recording = await recordingOf(owner, { displayName: 'Doomed 1', status: 'READY', templateId: id, isMapped: true });
    const tenantId = rawId(owner.tenantId);
    const shared = await prisma.automationJob.create({ data: { tenantId, name: 'Shared job', templateIds: [id, rawId(keeper.id)], schedule: { type: 'hours', hours: 6 } } });
    const only = await prisma.automationJob.create({ data: { tenantId, name: 'Only job', templateIds: [id], schedule: { type: 'hours', hours: 6 } } });
    const res = await ok<{ deleteTemplate: { __typename: string; deletedId: string; unmappedCount: number } }>(app, DELETE, { id: template.id }, owner.accessToken);
    expect(res.deleteTemplate).toEqual({ __typename: 'DeleteTemplateResult', deletedId: template.id, unmappedCount: 1 });
    expect(await prisma.template.findUnique({ where: { id } })).toBeNull();
    expect(await prisma.recording.findUniqueOrThrow({ where: { id: recording.id } })).toMatchObject({ templateId: null, isMapped: false, status: 'READY' });
    expect(await prisma.automationJob.findUniqueOrThrow({ where: { id: shared.id } })).toMatchObject({ templateIds: [rawId(keeper.id)], isActive: true });
    expect(await prisma.automationJob.findUniqueOrThrow({ where: { id: only.id } })).toMatchObject({ templateIds: [], isActive: false });
  });
});

describe('createTemplateFromRecording', () => {
  it("matches the recording's name (or a pattern and its source) and copies its configuration beyond the Default", async () => {
    const source = await sourceOf(owner);
    const base = await createTemplate({ name: 'Base course', matchingRules: { keywords: ['base'] }, processingConfig: { topics: { granularity: 'short' } } });
    const recording = await recordingOf(owner, {
      displayName: 'Base Lecture 7',
      inputSourceId: source.id,
      templateId: rawId(base.id),
      configOverrides: { processingConfig: { topics: { questionsCount: 7 } }, metadataConfig: { titleTemplate: '{{ display_name }}!' } },
    });
    const recordingId = globalId('Recording', recording.id);
    const exact = await ok<{ createTemplateFromRecording: Record<string, unknown> }>(app, FROM_RECORDING, { recordingId, input: { name: 'From lecture 7' } }, owner.accessToken);
    expect(exact.createTemplateFromRecording).toMatchObject({
      name: 'From lecture 7',
      description: 'Created from the recording “Base Lecture 7”',
      isDraft: false,
      matchingRules: { exactMatches: ['Base Lecture 7'], patterns: [], sourceIds: [] },
      processingConfig: { topics: { granularity: 'short', questionsCount: 7 } },
      metadataConfig: { titleTemplate: '{{ display_name }}!' },
    });
    const pattern = await ok<{ createTemplateFromRecording: Record<string, unknown> }>(
      app, FROM_RECORDING, { recordingId, input: { name: 'Base pattern', matchPattern: '^Base Lecture \\d+$', matchSource: true } }, owner.accessToken);
    expect(pattern.createTemplateFromRecording).toMatchObject({ matchingRules: { exactMatches: [], patterns: ['^Base Lecture \\d+$'], sourceIds: [source.id] } });
    const badPattern = await ok<{ createTemplateFromRecording: ErrorResult }>(app, FROM_RECORDING, { recordingId, input: { name: 'Bad', matchPattern: '[' } }, owner.accessToken);
    expect(badPattern.createTemplateFromRecording.issues?.[0]?.path).toBe('matchingRules.patterns.0');
  });
});

describe('isolation of matching operations', () => {
  it("answers NotFound for another tenant's templates and recordings and binds nothing", async () => {
    const template = await createTemplate({ name: 'Owner only', matchingRules: { patterns: ['.*'] } });
    const recording = await recordingOf(owner, { displayName: 'Owner lecture' });
    await recordingOf(stranger, { displayName: 'Stranger lecture' });
    const before = await tenantRows(owner);
    const as = stranger.accessToken;
    expect((await preview({ id: template.id }, as)).__typename).toBe('NotFoundError');
    expect((await rematch({ id: template.id }, as)).__typename).toBe('NotFoundError');
    expect((await ok<{ deleteTemplate: ErrorResult }>(app, DELETE, { id: template.id }, as)).deleteTemplate.__typename).toBe('NotFoundError');
    const from = await ok<{ createTemplateFromRecording: ErrorResult }>(app, FROM_RECORDING, { recordingId: globalId('Recording', recording.id), input: { name: 'Stolen' } }, as);
    expect(from.createTemplateFromRecording).toMatchObject({ __typename: 'NotFoundError', message: 'Recording not found' });
    // The stranger's own catch-all template never sees the owner's recordings.
    const theirs = await createTemplate({ name: 'Catch all', matchingRules: { patterns: ['.*'] } }, true, as);
    expect(theirs.usedCount).toBe(1);
    expect(await tenantRows(owner)).toEqual(before);
  });
});

describe('findTemplateFor (the lookup sync uses for new recordings)', () => {
  it('takes the first active, non-draft, non-default template in creation order', async () => {
    const user = await registerUser(app);
    const tenantId = rawId(user.tenantId);
    const everything = { patterns: ['.*'] };
    await prisma.template.updateMany({ where: { tenantId, isDefault: true }, data: { matchingRules: everything } });
    await prisma.template.create({ data: { tenantId, name: 'Draft', isDraft: true, matchingRules: everything, createdAt: new Date('2026-01-01') } });
    await prisma.template.create({ data: { tenantId, name: 'Inactive', isActive: false, matchingRules: everything, createdAt: new Date('2026-01-02') } });
    await prisma.template.create({ data: { tenantId, name: 'Second', matchingRules: { keywords: ['lecture'] }, createdAt: new Date('2026-01-04') } });
    await prisma.template.create({ data: { tenantId, name: 'First', matchingRules: { patterns: ['^Lec'] }, createdAt: new Date('2026-01-03') } });
    const find = async (displayName: string) =>
      (await app.services.templateMatching.findTemplateFor(forTenant(tenantId), { displayName, inputSourceId: null, durationSec: null }))?.name ?? null;
    expect(await find('Lecture 1')).toBe('First');
    expect(await find('A lecture')).toBe('Second');
    expect(await find('Seminar')).toBeNull();
  });
});

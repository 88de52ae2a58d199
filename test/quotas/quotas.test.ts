import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Prisma } from '../../src/generated/prisma/client.js';
import { forTenant, prisma } from '../../src/lib/db.js';
import { QuotaExceededError } from '../../src/lib/errors.js';
import type { RemoteRecording, SourceMeta } from '../../src/platforms/source-adapter.js';
import { usagePeriod } from '../../src/modules/quotas/quotas.service.js';
import { storeRemoteRecordings } from '../../src/modules/sources/store-recordings.js';
import { tenantPrefix } from '../../src/modules/storage/storage.js';
import { rawId, registerUser, startTestApp, type RegisteredUser, type TestApp } from '../support/app.js';
import { makeLecture } from '../support/ingest.js';
import { stagedCopy } from '../support/staged.js';
import { ERROR_FIELDS, QUOTA_FIELDS } from '../support/templates.js';

// Every quota of SPEC §3 at the point where something new is created: the typed error with
// { quota, limit, used }, and nothing left behind (no row, no file, no usage counted).

let app: TestApp;
let dir: string;
let lecture: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'leap-quotas-'));
  lecture = await makeLecture(dir, 'lecture.mp4', 2);
  app = await startTestApp();
}, 120_000);
afterAll(async () => {
  await app.close();
  await rm(dir, { recursive: true, force: true });
});

async function tenantWith(override: Partial<Prisma.QuotaOverrideUncheckedCreateInput>): Promise<{ user: RegisteredUser; tenantId: string }> {
  const user = await registerUser(app);
  const tenantId = rawId(user.tenantId);
  await prisma.quotaOverride.create({ data: { tenantId, ...override } });
  return { user, tenantId };
}

async function quotaError(promise: Promise<unknown>): Promise<QuotaExceededError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(QuotaExceededError);
  return error as QuotaExceededError;
}

const counter = (tenantId: string) => prisma.usageCounter.findUnique({ where: { tenantId_period: { tenantId, period: usagePeriod() } } });
const stored = async (tenantId: string) => (await app.services.storage.list(tenantPrefix(tenantId))).filter((o) => o.key.includes('/recordings/'));

const remote = (key: string, sizeBytes = 1000): RemoteRecording => ({
  sourceKey: key,
  aliasKeys: [],
  displayName: `Lecture ${key}`,
  startTime: new Date('2026-11-02T10:00:00Z'),
  durationSec: 3600,
  sizeBytes,
  processing: false,
  meta: { url: `https://example.org/${key}` } as unknown as SourceMeta,
});

describe('recordings per month', () => {
  it('refuses the upload past the limit with nothing stored, and sets the expiry of the one admitted', async () => {
    const { tenantId } = await tenantWith({ recordingsPerMonth: 1 });
    const first = await app.services.recordings.createFromUpload(tenantId, await stagedCopy(lecture, dir));
    expect(first.expireAt!.getTime() - first.createdAt.getTime()).toBeGreaterThan(89 * 24 * 3600 * 1000);
    const error = await quotaError(app.services.recordings.createFromUpload(tenantId, await stagedCopy(lecture, dir)));
    expect(error).toMatchObject({ quota: 'recordingsPerMonth', limit: 1, used: 1 });
    expect(await prisma.recording.count({ where: { tenantId } })).toBe(1);
    expect(await stored(tenantId)).toHaveLength(1);
    expect(await counter(tenantId)).toMatchObject({ recordings: 1, uploads: 1 });
  });

  it('lets exactly one of two concurrent uploads take the last slot', async () => {
    const { tenantId } = await tenantWith({ recordingsPerMonth: 1 });
    const files = await Promise.all([stagedCopy(lecture, dir), stagedCopy(lecture, dir), stagedCopy(lecture, dir)]);
    const results = await Promise.allSettled(files.map((file) => app.services.recordings.createFromUpload(tenantId, file)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(refused).toHaveLength(2);
    for (const r of refused) expect(r.reason).toMatchObject({ quota: 'recordingsPerMonth', limit: 1, used: 1 });
    expect(await prisma.recording.count({ where: { tenantId } })).toBe(1);
    expect(await stored(tenantId)).toHaveLength(1);
    const tenant = await prisma.tenant.findUniqueOrThrow({ where: { id: tenantId } });
    expect(tenant.storageBytes).toBe(BigInt((await stored(tenantId))[0]!.sizeBytes));
  });

  it('counts rows from URL ingest and source sync; the row past the limit is not created', async () => {
    const { tenantId } = await tenantWith({ recordingsPerMonth: 2 });
    const db = forTenant(tenantId);
    const options = { tenantId, sourceType: 'URL' as const, inputSourceId: null, blank: null, unmatchedStatus: 'INITIALIZED' as const, admission: app.services.quotas };
    const first = await storeRemoteRecordings(db, app.services.templateMatching, [remote('a')], options);
    expect(first.created).toBe(1);
    const error = await quotaError(storeRemoteRecordings(db, app.services.templateMatching, [remote('a'), remote('b'), remote('c')], options));
    expect(error).toMatchObject({ quota: 'recordingsPerMonth', limit: 2, used: 2 });
    // The duplicate was skipped, b took the last slot, c was refused whole.
    expect((await prisma.recording.findMany({ where: { tenantId }, orderBy: { sourceKey: 'asc' } })).map((r) => r.sourceKey)).toEqual(['a', 'b']);
    expect(await counter(tenantId)).toMatchObject({ recordings: 2 });
    expect(await prisma.usageEvent.count({ where: { tenantId, type: 'RECORDING_CREATED' } })).toBe(2);
  });
});

describe('storage', () => {
  it('an override of 0 GB refuses any upload, with nothing stored', async () => {
    const { tenantId } = await tenantWith({ storageGb: 0 });
    const error = await quotaError(app.services.recordings.createFromUpload(tenantId, await stagedCopy(lecture, dir)));
    expect(error).toMatchObject({ quota: 'storageMb', limit: 0, used: 0 });
    expect(await prisma.recording.count({ where: { tenantId } })).toBe(0);
    expect(await stored(tenantId)).toEqual([]);
    expect(await counter(tenantId)).toBeNull();
  });

  it('refuses a remote recording whose announced size passes the limit', async () => {
    const { tenantId } = await tenantWith({ storageGb: 1 });
    const options = { tenantId, sourceType: 'URL' as const, inputSourceId: null, blank: null, unmatchedStatus: 'INITIALIZED' as const, admission: app.services.quotas };
    const error = await quotaError(storeRemoteRecordings(forTenant(tenantId), app.services.templateMatching, [remote('big', 2 * 1024 ** 3)], options));
    expect(error).toMatchObject({ quota: 'storageMb', limit: 1024, used: 0 });
    expect(await prisma.recording.count({ where: { tenantId } })).toBe(0);
  });
});

describe('concurrent pipelines', () => {
  it('admits one of two concurrent starts when the limit is 1; the refused one leaves no run', async () => {
    const { tenantId } = await tenantWith({ concurrentPipelines: 1 });
    const db = forTenant(tenantId);
    const recordings = await Promise.all(
      ['one', 'two'].map((name) => prisma.recording.create({ data: { tenantId, displayName: name, sourceType: 'URL', sourceKey: name, status: 'INITIALIZED' } })),
    );
    const results = await Promise.allSettled(recordings.map((r) => app.services.pipeline.start(db, tenantId, r.id)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(refused?.reason).toBeInstanceOf(QuotaExceededError);
    expect(refused?.reason).toMatchObject({ quota: 'concurrentPipelines', limit: 1, used: 1 });
    expect(await prisma.pipelineRun.count({ where: { tenantId } })).toBe(1);
    expect(await prisma.pipelineStep.count({ where: { tenantId } })).toBeGreaterThan(0);
    expect(await counter(tenantId)).toMatchObject({ pipelineRuns: 1 });
    expect(await prisma.usageEvent.count({ where: { tenantId, type: 'PIPELINE_STARTED' } })).toBe(1);
    const run = await prisma.pipelineRun.findFirstOrThrow({ where: { tenantId } });
    await app.services.pipeline.cancel(db, tenantId, run.recordingId);
  });
});

describe('transcription minutes', () => {
  it('refuses a transcription that would pass the month’s minutes', async () => {
    const { tenantId } = await tenantWith({ transcriptionMinutesPerMonth: 10 });
    await prisma.usageCounter.create({ data: { tenantId, period: usagePeriod(), transcriptionSeconds: 9 * 60 } });
    const db = forTenant(tenantId);
    await app.services.quotas.assertTranscriptionMinutes(db, 50);
    const error = await quotaError(app.services.quotas.assertTranscriptionMinutes(db, 61));
    expect(error).toMatchObject({ quota: 'transcriptionMinutesPerMonth', limit: 10, used: 9 });
  });
});

describe('templates and credentials', () => {
  const CREATE_TEMPLATE = `mutation($input: CreateTemplateInput!) { createTemplate(input: $input) { ${ERROR_FIELDS} ${QUOTA_FIELDS} } }`;
  const CREATE_CREDENTIAL = `mutation($input: CreateCredentialInput!) { createCredential(input: $input) { ${ERROR_FIELDS} ${QUOTA_FIELDS} } }`;
  const secret = { baseUrl: 'https://api.deepseek.com/v1', apiKey: 'sk-test-quota', defaultModel: 'deepseek-chat', purpose: 'llm' };

  it('templates: limit 1 admits one of two concurrent creations', async () => {
    const { user, tenantId } = await tenantWith({ templates: 1 });
    const results = await Promise.all(
      ['Algebra', 'Biology'].map((name) => app.gql<{ createTemplate: Record<string, unknown> }>(CREATE_TEMPLATE, { input: { name, isDraft: true } }, user.accessToken)),
    );
    const types = results.map((r) => r.data?.createTemplate.__typename).sort();
    expect(types).toEqual(['QuotaExceededError', 'Template']);
    expect(results.find((r) => r.data?.createTemplate.__typename === 'QuotaExceededError')?.data?.createTemplate).toMatchObject({ quota: 'templates', limit: 1, used: 1 });
    expect(await prisma.template.count({ where: { tenantId, isDefault: false } })).toBe(1);
  });

  it('credentials: an override of 0 refuses API keys and OAuth connections alike', async () => {
    const { user, tenantId } = await tenantWith({ credentials: 0 });
    const res = await app.gql<{ createCredential: Record<string, unknown> }>(CREATE_CREDENTIAL, { input: { platform: 'OPENAI_COMPATIBLE', accountName: 'DeepSeek', secret } }, user.accessToken);
    expect(res.data?.createCredential).toMatchObject({ __typename: 'QuotaExceededError', quota: 'credentials', limit: 0, used: 0 });
    const oauth = app.services.credentials.saveConnected(tenantId, 'YANDEX_DISK', 'me@yandex.ru', { kind: 'oauth', accessToken: 'token', clientId: 'client' });
    expect(await quotaError(oauth)).toMatchObject({ quota: 'credentials', limit: 0, used: 0 });
    expect(await prisma.credential.count({ where: { tenantId } })).toBe(0);
  });
});

describe('usage query', () => {
  const USAGE = '{ usage { period planName planDisplayName storageBytes storageLimitBytes quotas { quota used limit remaining } } }';

  it("shows the workspace's period: used against each limit, exact storage and the plan", async () => {
    const { user, tenantId } = await tenantWith({ recordingsPerMonth: 5, automationJobs: 0 });
    const recording = await app.services.recordings.createFromUpload(tenantId, await stagedCopy(lecture, dir));
    await prisma.automationJob.create({ data: { tenantId, name: 'Nightly', schedule: { type: 'hours', every: 6 } } });
    const res = await app.gql<{ usage: { period: number; planName: string; storageBytes: number; storageLimitBytes: number; quotas: Array<{ quota: string; used: number; limit: number | null; remaining: number | null }> } }>(
      USAGE,
      {},
      user.accessToken,
    );
    expect(res.errors).toBeUndefined();
    const usage = res.data!.usage;
    expect(usage).toMatchObject({ period: usagePeriod(), planName: 'free', planDisplayName: 'Free', storageBytes: Number(recording.sizeBytes), storageLimitBytes: 5 * 1024 ** 3 });
    const byQuota = Object.fromEntries(usage.quotas.map((q) => [q.quota, q]));
    expect(byQuota.recordingsPerMonth).toEqual({ quota: 'recordingsPerMonth', used: 1, limit: 5, remaining: 4 });
    expect(byQuota.automationJobs).toMatchObject({ used: 1, limit: 0, remaining: 0 });
    expect(byQuota.templates).toMatchObject({ used: 0, limit: 5 });
    expect(byQuota.concurrentPipelines).toMatchObject({ used: 0, limit: 1 });
    expect(byQuota.storageGb!.used).toBeCloseTo(Number(recording.sizeBytes) / 1024 ** 3, 12);
  });
});

import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOBS } from '../../src/jobs/definitions.js';
import { prisma } from '../../src/lib/db.js';
import { csvField } from '../../src/modules/exports/export-writers.js';
import { globalIdOf } from '../support/isolation.js';
import { rawId, registerUser, startTestApp, type RegisteredUser, type TestApp } from '../support/app.js';

const EXPORT = `mutation($input: ExportRecordingsInput!) { exportRecordings(input: $input) {
  __typename ... on RecordingExport { key fileName format rowCount sizeBytes url expiresAt }
  ... on Error { code message } ... on ValidationError { issues { path message } } } }`;

interface ExportResult {
  __typename: string;
  key: string;
  fileName: string;
  format: string;
  rowCount: number;
  sizeBytes: number;
  url: string;
  code?: string;
  message?: string;
}

let app: TestApp;
let owner: RegisteredUser;
let other: RegisteredUser;
let tenantId: string;
const ids: string[] = [];

/** Names that break naive CSV writers, or would run as formulas in a spreadsheet. */
const NAMES = ['=HYPERLINK("http://evil.test","click")', 'Line one\nline two, "quoted"', '+7 (495) 000', '-2 lecture', '@SUM(A1)', 'Линейная алгебра; лекция 3'];

beforeAll(async () => {
  app = await startTestApp();
  [owner, other] = await Promise.all([registerUser(app), registerUser(app)]);
  tenantId = rawId(owner.tenantId);
  const template = await prisma.template.create({ data: { tenantId, name: 'Math, "advanced"' } });
  const preset = await prisma.outputPreset.create({ data: { tenantId, name: 'Main channel', platform: 'YOUTUBE' } });
  for (const [i, name] of NAMES.entries()) {
    const recording = await prisma.recording.create({
      data: {
        tenantId,
        displayName: name,
        sourceType: 'LOCAL',
        status: i === 0 ? 'UPLOADED' : 'PROCESSED',
        durationSec: 3600 + i,
        startTime: new Date(Date.UTC(2026, 1, 10 + i, 9, 30)),
        createdAt: new Date(Date.UTC(2026, 1, 10 + i)),
        templateId: template.id,
      },
    });
    ids.push(recording.id);
    await prisma.topicVersion.create({
      data: { tenantId, recordingId: recording.id, version: 1, isActive: true, provider: 'local', summary: `Summary ${i}`, mainTopic: 'Matrices', topics: [{ title: 'Intro', start: 0 }, { title: '=Determinants', start: 75 }], questions: ['Why?', 'How, exactly?'] },
    });
    if (i === 0) {
      await prisma.outputTarget.create({ data: { tenantId, recordingId: recording.id, presetId: preset.id, platform: 'YOUTUBE', status: 'UPLOADED', url: 'https://www.youtube.com/watch?v=abc', uploadedAt: new Date() } });
    }
  }
}, 60_000);
afterAll(() => app.close());

const exportAs = async (input: Record<string, unknown>, token = owner.accessToken) => {
  const res = await app.gql<{ exportRecordings: ExportResult }>(EXPORT, { input }, token);
  if (!res.data) throw new Error(JSON.stringify(res.errors));
  return res.data.exportRecordings;
};
const download = async (url: string) => Buffer.from(await (await fetch(new URL(url, app.url))).arrayBuffer());
const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

describe('CSV escaping', () => {
  it('quotes, doubles quotes and defuses formulas', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('=1+1')).toBe("'=1+1");
    expect(csvField('=A1,"x"')).toBe(`"'=A1,""x"""`);
    expect(csvField('\tcmd')).toBe("'\tcmd");
    expect(csvField(-3)).toBe('-3');
    expect(csvField(null)).toBe('');
    expect(csvField(new Date('2026-02-10T09:30:00Z'))).toBe('2026-02-10T09:30:00.000Z');
  });
});

describe('exportRecordings', () => {
  it('CSV by filter: streamed to tenant storage, parses back with every awkward name intact', async () => {
    const result = await exportAs({ filter: { search: '' }, format: 'CSV' });
    expect(result).toMatchObject({ __typename: 'RecordingExport', format: 'CSV', rowCount: NAMES.length });
    expect(result.key).toMatch(new RegExp(`^tenants/${tenantId}/exports/\\d{8}-\\d{6}-[0-9a-f-]{36}\\.csv$`));
    expect(result.fileName).toMatch(/^recordings-\d{8}-\d{6}\.csv$/);
    const body = await download(result.url);
    expect(body.length).toBe(result.sizeBytes);
    expect(body.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))).toBe(true);
    const rows = parse(body, { bom: true, columns: true }) as Array<Record<string, string>>;
    expect(Object.keys(rows[0] ?? {})).toEqual(['id', 'name', 'status', 'source_type', 'template', 'recorded_at', 'duration_sec', 'trimmed_duration_sec', 'created_at', 'updated_at']);
    const defused = (name: string) => (/^[=+\-@]/.test(name) ? `'${name}` : name);
    expect(rows.map((r) => r.name ?? '').sort(byName)).toEqual(NAMES.map(defused).sort(byName));
    // Newest first, like the recordings list.
    expect(rows[0]).toMatchObject({ id: globalIdOf('Recording', ids.at(-1)!), template: 'Math, "advanced"', duration_sec: String(3600 + NAMES.length - 1), recorded_at: '2026-02-15T09:30:00.000Z' });
    expect(rows.at(-1)?.status).toBe('UPLOADED');
  });

  it('JSON FULL by ids keeps lists as lists, including publish targets', async () => {
    const result = await exportAs({ ids: [globalIdOf('Recording', ids[0]!), globalIdOf('Recording', ids[1]!)], format: 'JSON', verbosity: 'FULL' });
    expect(result.rowCount).toBe(2);
    const rows = JSON.parse((await download(result.url)).toString('utf8')) as Array<Record<string, unknown>>;
    expect(rows.map((r) => r.name)).toEqual([NAMES[1], NAMES[0]]);
    expect(rows[1]).toMatchObject({
      id: globalIdOf('Recording', ids[0]!),
      status: 'UPLOADED',
      summary: 'Summary 0',
      mainTopic: 'Matrices',
      topics: [{ title: 'Intro', startSec: 0 }, { title: '=Determinants', startSec: 75 }],
      questions: ['Why?', 'How, exactly?'],
      targets: [{ platform: 'YOUTUBE', preset: 'Main channel', status: 'UPLOADED', url: 'https://www.youtube.com/watch?v=abc', uploadedAt: expect.any(String) }],
      failed: false,
    });
    expect(rows[0]?.targets).toEqual([]);
    const summary = await exportAs({ ids: [globalIdOf('Recording', ids[0]!)], format: 'JSON' });
    const [short] = JSON.parse((await download(summary.url)).toString('utf8')) as Array<Record<string, unknown>>;
    expect(short).not.toHaveProperty('summary');
    expect(short).toHaveProperty('template', 'Math, "advanced"');
  });

  it('XLSX FULL reads back with exceljs: typed cells, lists as lines', async () => {
    const result = await exportAs({ filter: {}, format: 'XLSX', verbosity: 'FULL' });
    expect(result.key).toMatch(/\.xlsx$/);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(await (await fetch(new URL(result.url, app.url))).arrayBuffer());
    const sheet = workbook.getWorksheet('Recordings');
    expect(sheet?.rowCount).toBe(NAMES.length + 1);
    const header = (sheet?.getRow(1).values as unknown[]).slice(1);
    expect(header).toContain('targets');
    const column = (name: string) => header.indexOf(name) + 1;
    const rows = Array.from({ length: NAMES.length }, (_, i) => sheet!.getRow(i + 2));
    // Text stays text: a leading = is a string cell, never a formula.
    const first = rows.find((r) => r.getCell(column('name')).value === NAMES[0]);
    expect(first).toBeDefined();
    expect(first!.getCell(column('name')).type).toBe(ExcelJS.ValueType.String);
    expect(first!.getCell(column('duration_sec')).value).toBe(3600);
    expect(first!.getCell(column('recorded_at')).value).toEqual(new Date('2026-02-10T09:30:00Z'));
    expect(first!.getCell(column('topics')).value).toBe('00:00:00 — Intro\n00:01:15 — =Determinants');
    expect(first!.getCell(column('targets')).value).toBe('YOUTUBE (Main channel): UPLOADED https://www.youtube.com/watch?v=abc');
    expect(rows.map((r) => r.getCell(column('name')).value).sort()).toEqual([...NAMES].sort());
  });

  it('refuses more than 2,000 rows, ids and filter together, and ids that are not the caller’s', async () => {
    const both = await exportAs({ ids: [globalIdOf('Recording', ids[0]!)], filter: {}, format: 'CSV' });
    expect(both.__typename).toBe('ValidationError');
    expect((await exportAs({ format: 'CSV' })).__typename).toBe('ValidationError');
    const tooMany = await exportAs({ ids: Array.from({ length: 2001 }, () => globalIdOf('Recording', randomUUID())), format: 'CSV' });
    expect(tooMany).toMatchObject({ __typename: 'ValidationError', message: expect.stringMatching(/at most 2000/) });
    expect((await exportAs({ ids: [globalIdOf('Recording', ids[0]!)], format: 'CSV' }, other.accessToken)).__typename).toBe('NotFoundError');
    // Another workspace's filter sees none of these.
    expect(await exportAs({ filter: {}, format: 'JSON' }, other.accessToken)).toMatchObject({ __typename: 'RecordingExport', rowCount: 0 });

    const big = rawId(other.tenantId);
    await prisma.recording.createMany({ data: Array.from({ length: 2001 }, (_, i) => ({ tenantId: big, displayName: `bulk ${i}`, sourceType: 'LOCAL' as const })) });
    const overLimit = await exportAs({ filter: {}, format: 'CSV' }, other.accessToken);
    expect(overLimit).toMatchObject({ __typename: 'ValidationError', message: expect.stringMatching(/matches 2001 recordings/) });
    // Several pages of rows (same createdAt): each exactly once.
    const fits = await exportAs({ filter: { search: 'bulk 1' }, format: 'CSV' }, other.accessToken);
    expect(fits.rowCount).toBe(1 + 10 + 100 + 1000);
    const names = (parse(await download(fits.url), { bom: true, columns: true }) as Array<{ name: string }>).map((r) => r.name);
    expect(new Set(names).size).toBe(1111);
    expect(names.every((n) => n.startsWith('bulk 1'))).toBe(true);
    expect(await app.services.storage.list(`tenants/${big}/exports/`)).toHaveLength(2);
  });

  it('purges export files past the retention and keeps newer ones', async () => {
    const old = `tenants/${tenantId}/exports/20200101-000000-${randomUUID()}.csv`;
    await app.services.storage.put(old, Readable.from(['id\r\n']));
    const fresh = await exportAs({ ids: [globalIdOf('Recording', ids[0]!)], format: 'CSV' });
    const result = await app.services.exports.purgeExpired();
    expect(result.deleted).toBeGreaterThanOrEqual(1);
    expect(await app.services.storage.exists(old)).toBe(false);
    expect(await app.services.storage.exists(fresh.key)).toBe(true);
    expect(JOBS['maintenance.purge-exports'].schedule).toBe('40 * * * *');
  });

  it('needs canExportData', async () => {
    await prisma.membership.updateMany({ where: { tenantId }, data: { canExportData: false } });
    const res = await app.gql(EXPORT, { input: { filter: {}, format: 'CSV' } }, owner.accessToken);
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    await prisma.membership.updateMany({ where: { tenantId }, data: { canExportData: true } });
  });
});

import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prisma } from '../../src/lib/db.js';
import { S3Storage } from '../../src/modules/storage/s3-storage.js';
import { rawId, registerUser, startTestApp, type RegisteredUser, type TestApp } from '../support/app.js';
import { startS3Server, type TestS3Server } from '../support/s3.js';

// The same export on the S3 backend: the writer streams into a multipart upload of unknown length,
// and the answer is a presigned GET of the object.

let s3: TestS3Server;
let app: TestApp;
let owner: RegisteredUser;

beforeAll(async () => {
  s3 = await startS3Server('leap-export-files');
  app = await startTestApp({ services: { storage: new S3Storage(s3.settings, 600) } });
  owner = await registerUser(app);
  const tenantId = rawId(owner.tenantId);
  // Long summaries, so the file spans several 5 MiB parts.
  await prisma.recording.createMany({ data: Array.from({ length: 1500 }, (_, i) => ({ tenantId, displayName: `Lecture ${i}`, sourceType: 'LOCAL' as const })) });
  const recordings = await prisma.recording.findMany({ where: { tenantId }, select: { id: true } });
  await prisma.topicVersion.createMany({ data: recordings.map((r, i) => ({ tenantId, recordingId: r.id, version: 1, isActive: true, provider: 'local', summary: `${i} `.repeat(4000) })) });
}, 120_000);
afterAll(async () => {
  await app.close();
  await s3.close();
});

describe('exports on S3', () => {
  it('streams a multi-part CSV and an XLSX, both readable through presigned links', async () => {
    const EXPORT = 'mutation($input: ExportRecordingsInput!) { exportRecordings(input: $input) { __typename ... on RecordingExport { key url rowCount sizeBytes } ... on Error { message } } }';
    const csv = await app.gql<{ exportRecordings: { __typename: string; key: string; url: string; rowCount: number; sizeBytes: number } }>(EXPORT, { input: { filter: {}, format: 'CSV', verbosity: 'FULL' } }, owner.accessToken);
    const file = csv.data?.exportRecordings;
    expect(file).toMatchObject({ __typename: 'RecordingExport', rowCount: 1500 });
    expect(file!.sizeBytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(file!.url).toContain(s3.settings.endpoint);
    const body = Buffer.from(await (await fetch(file!.url)).arrayBuffer());
    expect(body.length).toBe(file!.sizeBytes);
    expect(body.toString('utf8').split('\r\n').filter(Boolean)).toHaveLength(1501);

    const xlsx = await app.gql<{ exportRecordings: { url: string; rowCount: number } }>(EXPORT, { input: { filter: { search: 'Lecture 1' }, format: 'XLSX' } }, owner.accessToken);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(await (await fetch(xlsx.data!.exportRecordings.url)).arrayBuffer());
    expect(workbook.getWorksheet('Recordings')?.rowCount).toBe(xlsx.data!.exportRecordings.rowCount + 1);
    expect(xlsx.data!.exportRecordings.rowCount).toBe(1 + 10 + 100 + 500);
  });
});

import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prisma } from '../../src/lib/db.js';
import { QuotaExceededError } from '../../src/lib/errors.js';
import { createRedis } from '../../src/lib/redis.js';
import { recordingPrefix } from '../../src/modules/storage/storage.js';
import { createServices, type Services } from '../../src/services.js';
import { listen, sendFile } from '../support/http-fixtures.js';
import { ingestOverridesFor, makeLecture } from '../support/ingest.js';

// The DOWNLOAD stage is where a remote recording's bytes arrive: past the storage quota nothing
// of the download is kept and the tenant's usage does not move.

const GIB = 1024 ** 3;
let services: Services;
let web: Awaited<ReturnType<typeof listen>>;
let dir: string;
const redis = createRedis();

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'leap-download-quota-'));
  const lecture = await makeLecture(dir);
  web = await listen((req, res, url) => (url.pathname === '/lecture.mp4' ? sendFile(req, res, lecture) : void res.writeHead(404).end()));
  services = createServices({ prisma, redis, ingest: ingestOverridesFor({}, { urlGuard: { allowHosts: ['127.0.0.1'] }, tempDir: dir }) });
}, 60_000);
afterAll(async () => {
  await web.close();
  await services.close();
  redis.disconnect();
  await rm(dir, { recursive: true, force: true });
});

describe('storage quota at download', () => {
  it('refuses a download that would pass the limit, keeping neither file nor usage', { timeout: 180_000 }, async () => {
    const tenant = await prisma.tenant.create({ data: { name: 'download quota' } });
    const { recordings } = await services.sources.createFromUrl(tenant.id, `${web.origin}/lecture.mp4`, 'BEST');
    const id = recordings[0]!.id;
    // Nearly full: a 1 GB limit with 100 bytes left.
    await prisma.quotaOverride.create({ data: { tenantId: tenant.id, storageGb: 1 } });
    await prisma.tenant.update({ where: { id: tenant.id }, data: { storageBytes: BigInt(GIB - 100) } });

    const error = await services.ingest.downloadSource(tenant.id, id).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(QuotaExceededError);
    expect(error).toMatchObject({ quota: 'storageMb', limit: 1024, used: 1024 });
    expect(await services.storage.list(recordingPrefix(tenant.id, id))).toEqual([]);
    expect(await prisma.recording.findUniqueOrThrow({ where: { id } })).toMatchObject({ sourceFileKey: null });
    expect((await prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id } })).storageBytes).toBe(BigInt(GIB - 100));
    expect(await readdir(services.ingest.workDirOf(tenant.id, id)).catch(() => 'gone')).toBe('gone');

    await prisma.tenant.update({ where: { id: tenant.id }, data: { storageBytes: 0n } });
    const done = await services.ingest.downloadSource(tenant.id, id);
    expect((await prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id } })).storageBytes).toBe(BigInt(done.sizeBytes));
  });
});

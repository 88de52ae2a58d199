import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { config } from '../../config.js';
import type { Prisma, PrismaClient } from '../../generated/prisma/client.js';
import { forTenant } from '../../lib/db.js';
import { NotFoundError, ValidationError } from '../../lib/errors.js';
import { isRowId } from '../auth/auth.service.js';
import { recordingsWhere, type RecordingFilterInput } from '../recordings/recordings.filters.js';
import { tenantPrefix, type StorageBackend } from '../storage/backend.js';
import { exportInclude, toExportRecord, type ExportFormat, type ExportVerbosity } from './export-records.js';
import { createExportWriter, EXPORT_FILES } from './export-writers.js';

// Exports of recordings (inventory §11 `POST /recordings/export`): chosen by ids or by the list
// filter, at most EXPORT_MAX_ROWS, written page by page straight into storage under
// tenants/{tenantId}/exports/ and answered with a download link.

export interface ExportInput {
  ids?: string[] | null;
  filter?: RecordingFilterInput | null;
  format: ExportFormat;
  verbosity: ExportVerbosity;
}

export interface ExportResult {
  key: string;
  fileName: string;
  format: ExportFormat;
  rowCount: number;
  sizeBytes: number;
  url: string;
  expiresAt: Date;
}

export const exportsPrefix = (tenantId: string) => `${tenantPrefix(tenantId)}exports/`;

const PAGE_SIZE = 200;

/** YYYYMMDD-HHMMSS in UTC: sorts like the time it stands for. */
const stampOf = (at: Date) => at.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');

export class ExportsService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly storage: StorageBackend,
    private readonly maxRows: number = config.exports.maxRows,
    private readonly retentionHours: number = config.exports.retentionHours,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Deletes export files older than the retention (their creation time is the start of the file name). */
  async purgeExpired(): Promise<{ deleted: number; freedBytes: number }> {
    const cutoff = stampOf(new Date(this.now().getTime() - this.retentionHours * 3600_000));
    let deleted = 0;
    let freedBytes = 0;
    let cursor: string | undefined;
    for (;;) {
      const tenants = await this.prisma.tenant.findMany({ select: { id: true }, orderBy: { id: 'asc' }, take: 500, ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}) });
      for (const { id } of tenants) {
        for (const file of await this.storage.list(exportsPrefix(id))) {
          const made = /\/(\d{8}-\d{6})-[^/]+$/.exec(file.key)?.[1];
          if (!made || made >= cutoff) continue;
          await this.storage.delete(file.key);
          deleted += 1;
          freedBytes += file.sizeBytes;
        }
      }
      if (tenants.length < 500) break;
      cursor = tenants[tenants.length - 1]?.id;
    }
    return { deleted, freedBytes };
  }

  async exportRecordings(tenantId: string, input: ExportInput): Promise<ExportResult> {
    const db = forTenant(tenantId, this.prisma);
    const where = await this.selection(db, input);
    const rowCount = await db.recording.count({ where });
    if (rowCount > this.maxRows) {
      throw ValidationError.field('filter', `The filter matches ${rowCount} recordings; one export holds at most ${this.maxRows}`);
    }

    const { ext, contentType } = EXPORT_FILES[input.format];
    const stamp = stampOf(this.now());
    const key = `${exportsPrefix(tenantId)}${stamp}-${randomUUID()}.${ext}`;
    const fileName = `recordings-${stamp}.${ext}`;
    const body = new PassThrough();
    const stored = this.storage.put(key, body, { contentType });
    // A failing upload must stop the writer, which may be waiting for the stream to drain.
    stored.catch((error: unknown) => body.destroy(error instanceof Error ? error : new Error(String(error))));
    let written = 0;
    try {
      const writer = await createExportWriter(input.format, input.verbosity, body);
      const include = exportInclude(input.verbosity);
      let cursor: string | null = null;
      for (;;) {
        const page: Array<Prisma.RecordingGetPayload<{ include: typeof include }>> = await db.recording.findMany({
          where,
          include,
          orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
          take: PAGE_SIZE,
          ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
        });
        for (const row of page) {
          // Rows added after the count could push an export past the limit; they wait for the next one.
          if (written >= this.maxRows) break;
          await writer.write(toExportRecord(row, input.verbosity));
          written += 1;
        }
        if (page.length < PAGE_SIZE || written >= this.maxRows) break;
        cursor = page[page.length - 1]?.id ?? null;
      }
      await writer.finish();
      body.end();
      const { sizeBytes } = await stored;
      const link = await this.storage.downloadUrl(key, { fileName });
      return { key, fileName, format: input.format, rowCount: written, sizeBytes, url: link.url, expiresAt: link.expiresAt };
    } catch (error) {
      body.destroy();
      await stored.catch(() => undefined);
      await this.storage.delete(key).catch(() => undefined);
      throw error;
    }
  }

  /** Ids XOR filter. Listed ids must all be the tenant's (not found and not yours answer the same). */
  private async selection(db: PrismaClient, input: ExportInput): Promise<Prisma.RecordingWhereInput> {
    const hasIds = input.ids != null;
    if (hasIds === (input.filter != null)) throw new ValidationError('Give either ids or a filter', [{ path: 'ids', message: 'Give either ids or a filter' }]);
    if (!input.ids) return recordingsWhere(input.filter ?? {});
    const ids = [...new Set(input.ids)];
    if (ids.length === 0) throw ValidationError.field('ids', 'List at least one recording');
    if (ids.length > this.maxRows) throw ValidationError.field('ids', `One export holds at most ${this.maxRows} recordings`);
    if (!ids.every(isRowId)) throw new NotFoundError('Recording');
    const found = await db.recording.count({ where: { id: { in: ids } } });
    if (found !== ids.length) throw new NotFoundError('Recording');
    return { id: { in: ids } };
  }
}

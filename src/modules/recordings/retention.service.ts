import { readdir, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { config } from '../../config.js';
import type { PrismaClient } from '../../generated/prisma/client.js';
import { DomainError } from '../../lib/errors.js';
import { logger } from '../../lib/logger.js';
import type { RecordingsService } from './recordings.service.js';

// Retention as maintenance jobs (SPEC §7): expired recordings are soft-deleted, soft-deleted ones
// are hard-deleted once their restore window ends, and abandoned temp files are swept. Each takes
// `now` so tests control time. Cross-tenant by nature: it reads the due rows unscoped, then acts
// through the tenant-scoped recording service.

export interface RetentionResult {
  done: number;
  failed: number;
}

export interface SweepResult {
  files: number;
  bytes: number;
}

/** One tenant only (tests, an admin's manual run); every tenant by default. */
export interface RetentionScope {
  tenantId?: string;
}

const BATCH = 100;

export class RetentionService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly recordings: RecordingsService,
    private readonly options: { tempRoots: string[]; tempMaxAgeHours: number } = {
      tempRoots: [config.media.tempDir],
      tempMaxAgeHours: config.retention.tempSweepHours,
    },
  ) {}

  /** Active recordings past their `expireAt` → soft-deleted (restorable within the window). */
  async expireRecordings(now = new Date(), scope: RetentionScope = {}): Promise<RetentionResult> {
    return this.each({ ...scope, deleteState: 'ACTIVE', expireAt: { lte: now } }, (row) => this.recordings.deleteRecording(row.tenantId, row.id, now));
  }

  /** Soft-deleted recordings past their `hardDeleteAt` → files and row removed, storage given back. */
  async hardDeleteRecordings(now = new Date(), scope: RetentionScope = {}): Promise<RetentionResult> {
    return this.each({ ...scope, deleteState: 'SOFT', hardDeleteAt: { lte: now } }, (row) => this.recordings.purgeRecording(row.tenantId, row.id));
  }

  /** Files under the temp roots not modified for `tempMaxAgeHours`, then the folders left empty. */
  async sweepTempFiles(now = new Date()): Promise<SweepResult> {
    const cutoff = now.getTime() - this.options.tempMaxAgeHours * 3600 * 1000;
    const result: SweepResult = { files: 0, bytes: 0 };
    for (const root of this.options.tempRoots) await sweep(path.resolve(root), cutoff, result, true);
    return result;
  }

  private async each(
    where: RetentionScope & { deleteState: 'ACTIVE' | 'SOFT'; expireAt?: { lte: Date }; hardDeleteAt?: { lte: Date } },
    act: (row: { id: string; tenantId: string }) => Promise<unknown>,
  ): Promise<RetentionResult> {
    const result: RetentionResult = { done: 0, failed: 0 };
    const failedIds: string[] = [];
    for (;;) {
      const rows = await this.prisma.recording.findMany({
        where: { ...where, id: { notIn: failedIds } },
        select: { id: true, tenantId: true },
        orderBy: { id: 'asc' },
        take: BATCH,
      });
      for (const row of rows) {
        try {
          await act(row);
          result.done += 1;
        } catch (error) {
          // One bad row (a storage outage, a row deleted meanwhile) must not stop the rest.
          if (!(error instanceof DomainError)) logger.error({ err: error, recordingId: row.id }, 'retention step failed');
          failedIds.push(row.id);
          result.failed += 1;
        }
      }
      if (rows.length < BATCH) return result;
    }
  }
}

async function sweep(dir: string, cutoff: number, result: SweepResult, isRoot: boolean): Promise<boolean> {
  // Taken before sweeping: removing files inside touches the folder's mtime.
  const before = await stat(dir).catch(() => null);
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  let kept = 0;
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!(await sweep(full, cutoff, result, false))) kept += 1;
      continue;
    }
    const info = await stat(full).catch(() => null);
    if (info && info.mtimeMs < cutoff) {
      await rm(full, { force: true });
      result.files += 1;
      result.bytes += info.size;
    } else kept += 1;
  }
  if (isRoot || kept > 0) return false;
  // A folder made moments ago may be about to receive files: only old empty folders go.
  if (!before || before.mtimeMs >= cutoff) return false;
  await rmdir(dir).catch(() => undefined);
  return true;
}

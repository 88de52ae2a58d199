import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { PrismaClient, Recording } from '../../generated/prisma/client.js';
import { forTenant } from '../../lib/db.js';
import { CredentialError, NotFoundError, QuotaExceededError, ValidationError } from '../../lib/errors.js';
import type { QuotaService } from '../quotas/quotas.service.js';
import type { MediaInfo } from '../../media/index.js';
import type { DownloadProgress, SourceAdapter, SourceMeta } from '../../platforms/source-adapter.js';
import { asJson, type RecordingsService } from '../recordings/recordings.service.js';
import { recordingFileKey, type StorageBackend } from '../storage/storage.js';
import { HEAD_BYTES, type StagedFile } from '../uploads/staged-file.js';
import { adapterFor, ytDlpAdapter } from './adapters.js';
import type { SourcesService } from './sources.service.js';

// The DOWNLOAD stage's work: the recording's remote media → temp folder (kept per recording, so a
// retry resumes) → the same checks as uploads → `source.<ext>` in storage → the row. DomainErrors
// mean retrying cannot help; plain Errors are transient and retried by the pipeline.

export interface DownloadedSource {
  sourceFileKey: string;
  sizeBytes: number;
  durationSec: number;
}

export class IngestService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly storage: StorageBackend,
    private readonly recordings: RecordingsService,
    private readonly sources: SourcesService,
    private readonly quotas: Pick<QuotaService, 'assertStorage'> | null = null,
  ) {}

  async downloadSource(tenantId: string, recordingId: string, onProgress?: (fraction: number, message?: string) => void): Promise<DownloadedSource> {
    const db = forTenant(tenantId, this.prisma);
    const recording = await db.recording.findUnique({ where: { id: recordingId }, include: { inputSource: true } });
    if (!recording) throw new NotFoundError('Recording');
    if (recording.sourceFileKey && (await this.storage.exists(recording.sourceFileKey))) return stored(recording, recording.sourceFileKey);
    if (recording.sourceType === 'LOCAL') throw new NotFoundError('Source file');

    const adapter = await this.adapterOf(recording);
    const workDir = this.workDirOf(tenantId, recordingId);
    await mkdir(workDir, { recursive: true });
    const report: DownloadProgress = (fraction, message) => onProgress?.(Math.min(0.95, fraction * 0.95), message);
    const file = await adapter.download(recording.sourceMeta as SourceMeta, workDir, report);

    onProgress?.(0.96, 'Checking the downloaded file');
    let staged: StagedFile;
    let info: MediaInfo;
    try {
      staged = await stageDownloaded(file.path, `source.${file.extension}`);
      ({ info } = await this.recordings.validateUpload(staged));
    } catch (error) {
      // The bytes are wrong, not missing: a resumed retry would only append to them.
      await rm(workDir, { recursive: true, force: true });
      throw error instanceof ValidationError ? new ValidationError(error.message.replace(/^The file/, 'The downloaded file'), [{ path: 'source', message: error.message }]) : error;
    }

    onProgress?.(0.98, 'Storing the source file');
    const sourceFileKey = recordingFileKey(tenantId, recordingId, `source.${file.extension}`);
    const { sizeBytes } = await this.storage.putFile(sourceFileKey, file.path);
    const updated = await db.$transaction(async (tx) => {
      await this.quotas?.assertStorage(tx, tenantId, sizeBytes);
      // Only the first of two racing downloads counts the bytes; the second stored the same file again.
      const { count } = await tx.recording.updateMany({
        where: { id: recordingId, OR: [{ sourceFileKey: null }, { sourceFileKey: { not: sourceFileKey } }] },
        data: { sourceFileKey, sizeBytes: BigInt(sizeBytes), durationSec: info.durationSec, mediaInfo: asJson(info), checksumSha256: staged.sha256 },
      });
      if (count > 0) await tx.tenant.update({ where: { id: tenantId }, data: { storageBytes: { increment: sizeBytes } } });
      return tx.recording.findUniqueOrThrow({ where: { id: recordingId } });
    }).catch(async (error: unknown) => {
      // Over the storage quota: nothing of the download is kept (a retry cannot help, the error is a DomainError).
      if (error instanceof QuotaExceededError) {
        await this.storage.delete(sourceFileKey).catch(() => undefined);
        await rm(workDir, { recursive: true, force: true });
      }
      throw error;
    });
    await rm(workDir, { recursive: true, force: true });
    onProgress?.(1, 'Downloaded');
    return stored(updated, sourceFileKey);
  }

  /** Where a recording's partial download lives between attempts. */
  workDirOf(tenantId: string, recordingId: string): string {
    return path.join(this.sources.options.tempDir, 'ingest', tenantId, recordingId);
  }

  private async adapterOf(recording: Recording & { inputSource: Parameters<typeof adapterFor>[0] | null }): Promise<SourceAdapter> {
    if (recording.sourceType === 'URL') return ytDlpAdapter(this.sources.options);
    if (!recording.inputSource) throw new CredentialError('The source of this recording was deleted; its account is no longer known');
    return adapterFor(recording.inputSource, this.sources.options);
  }
}

function stored(recording: Recording, sourceFileKey: string): DownloadedSource {
  return { sourceFileKey, sizeBytes: Number(recording.sizeBytes ?? 0), durationSec: recording.durationSec ?? 0 };
}

/** A downloaded file described like an upload (size, SHA-256, first bytes), for the same validation. */
async function stageDownloaded(file: string, fileName: string): Promise<StagedFile> {
  const { size } = await stat(file);
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(Math.min(HEAD_BYTES, size));
    await handle.read(head, 0, head.length, 0);
    return { fileName, mimeType: 'application/octet-stream', path: file, sizeBytes: size, sha256: hash.digest('hex'), head, refusal: null };
  } finally {
    await handle.close();
  }
}

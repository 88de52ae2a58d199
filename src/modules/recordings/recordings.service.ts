import { randomUUID } from 'node:crypto';
import { config } from '../../config.js';
import type { Prisma, PrismaClient, Recording } from '../../generated/prisma/client.js';
import { forTenant } from '../../lib/db.js';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors.js';
import { addUsage, usagePeriod, type RecordingAdmission } from '../quotas/quotas.service.js';
import { expectedFamily, findIntegrityProblems, looksLikeText, MediaToolError, probeMedia, sniffMagic, type MediaInfo } from '../../media/index.js';
import { recordingFileKey, recordingPrefix, type StorageBackend } from '../storage/storage.js';
import type { StagedFile } from '../uploads/staged-file.js';
import { checkUploadName, displayNameFromFile } from './upload-name.js';

export type { RecordingAdmission } from '../quotas/quotas.service.js';
export { usagePeriod } from '../quotas/quotas.service.js';

const DAY_MS = 24 * 3600 * 1000;

/** Admits every recording (no quotas) and lets it expire after the configured retention. */
export const admitAll: RecordingAdmission = {
  admitNewRecording: async (_tx, _tenantId, _sizeBytes, now = new Date()) => ({ expireAt: new Date(now.getTime() + config.retention.days * DAY_MS) }),
};

/** What deleting a recording has to stop: its pipeline run (wired to PipelineService.cancelIfActive). */
export interface RecordingLifecycle {
  cancelActiveRun(tenantId: string, recordingId: string): Promise<void>;
}

/** JSON columns take plain data; media info and EDLs are plain data already. */
export const asJson = (value: unknown): Prisma.InputJsonValue => JSON.parse(JSON.stringify(value)) as Prisma.InputJsonValue;

const fileError = (message: string) => ValidationError.field('file', message);

export class RecordingsService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly storage: StorageBackend,
    private readonly admission: RecordingAdmission = admitAll,
    private readonly maxUploadBytes: number = config.uploads.maxBytes,
    private readonly lifecycle: RecordingLifecycle | null = null,
    private readonly restoreWindowDays: number = config.retention.restoreWindowDays,
  ) {}

  /** Checks an uploaded file completely before anything is stored; returns its probe. */
  async validateUpload(file: StagedFile): Promise<{ extension: string; baseName: string; info: MediaInfo }> {
    const name = checkUploadName(file.fileName);
    if (!name.ok) throw fileError(name.reason);
    if (file.refusal === 'TOO_LARGE' || file.sizeBytes > this.maxUploadBytes) {
      throw fileError(`The file is larger than the ${formatBytes(this.maxUploadBytes)} upload limit`);
    }
    if (!file.path || file.sizeBytes === 0) throw fileError('The file is empty');
    if (looksLikeText(file.head)) throw fileError('The file is a web page or text, not a recording');
    const family = sniffMagic(file.head);
    if (family !== expectedFamily(name.extension)) {
      throw fileError(family ? `The file's content does not match its .${name.extension} extension` : 'The file is not a supported media format');
    }
    let info: MediaInfo;
    try {
      info = await probeMedia(file.path);
    } catch (error) {
      if (error instanceof MediaToolError || error instanceof SyntaxError) throw fileError('The file is corrupt or not a media file');
      throw error;
    }
    const problems = await findIntegrityProblems(file.path, info);
    if (problems.length > 0) throw fileError(`The file cannot be used: ${problems.join('; ')}`);
    return { extension: name.extension, baseName: name.baseName, info };
  }

  /**
   * A LOCAL recording from an upload: validated, stored as `source.<ext>` under a fresh id, then the row
   * (with probe, checksum and usage) in one transaction. Any failure leaves neither row nor file.
   */
  async createFromUpload(tenantId: string, file: StagedFile, input: { displayName?: string | null } = {}, now = new Date()): Promise<Recording> {
    const { extension, baseName, info } = await this.validateUpload(file);
    const db = forTenant(tenantId, this.prisma);
    // Refused early so an over-quota upload is not copied to storage first; checked again below.
    await db.$transaction((tx) => this.admission.admitNewRecording(tx, tenantId, file.sizeBytes, now));
    const id = randomUUID();
    const sourceFileKey = recordingFileKey(tenantId, id, `source.${extension}`);
    try {
      const { sizeBytes } = await this.storage.putFile(sourceFileKey, file.path ?? '');
      const period = usagePeriod(now);
      return await db.$transaction(async (tx) => {
        const { expireAt } = await this.admission.admitNewRecording(tx, tenantId, sizeBytes, now);
        const recording = await tx.recording.create({
          data: {
            id,
            tenantId,
            displayName: input.displayName?.trim() || displayNameFromFile(baseName),
            sourceType: 'LOCAL',
            status: 'DOWNLOADED',
            sourceMeta: asJson({ originalFileName: file.fileName, mimeType: file.mimeType }),
            sourceFileKey,
            sizeBytes: BigInt(sizeBytes),
            checksumSha256: file.sha256,
            durationSec: info.durationSec,
            mediaInfo: asJson(info),
            startTime: now,
            expireAt,
          },
        });
        await tx.tenant.update({ where: { id: tenantId }, data: { storageBytes: { increment: sizeBytes } } });
        await tx.usageEvent.create({ data: { tenantId, type: 'RECORDING_CREATED', recordingId: id, durationSeconds: info.durationSec, bytesDelta: BigInt(sizeBytes) } });
        await addUsage(tx, tenantId, { recordings: 1, uploads: 1 }, period);
        return recording;
      });
    } catch (error) {
      await this.storage.deletePrefix(recordingPrefix(tenantId, id)).catch(() => 0);
      throw error;
    }
  }

  /**
   * Soft delete: hidden from lists, files kept, restorable until `hardDeleteAt` (the restore window);
   * its running pipeline is cancelled. Bulk delete and auto-expiry go through here too.
   */
  async deleteRecording(tenantId: string, recordingId: string, now = new Date()): Promise<DeletedRecording> {
    const db = forTenant(tenantId, this.prisma);
    const recording = await db.recording.findUnique({ where: { id: recordingId }, select: { id: true, deleteState: true, hardDeleteAt: true } });
    if (!recording || recording.deleteState === 'HARD') throw new NotFoundError('Recording');
    if (recording.deleteState === 'SOFT') return { id: recordingId, freedBytes: 0, deleteState: 'SOFT', hardDeleteAt: recording.hardDeleteAt };
    await this.lifecycle?.cancelActiveRun(tenantId, recordingId);
    const hardDeleteAt = new Date(now.getTime() + this.restoreWindowDays * DAY_MS);
    const { count } = await db.recording.updateMany({
      where: { id: recordingId, deleteState: 'ACTIVE' },
      data: { deleteState: 'SOFT', deletedAt: now, hardDeleteAt, onPause: false },
    });
    if (count > 0) await db.usageEvent.create({ data: { tenantId, type: 'RECORDING_DELETED', recordingId, metadata: { deleteState: 'SOFT' } } });
    return { id: recordingId, freedBytes: 0, deleteState: 'SOFT', hardDeleteAt };
  }

  /** Undoes a soft delete within the restore window; the recording's retention starts again. */
  async restoreRecording(tenantId: string, recordingId: string, now = new Date()): Promise<Recording> {
    const db = forTenant(tenantId, this.prisma);
    const recording = await db.recording.findUnique({ where: { id: recordingId }, select: { deleteState: true, hardDeleteAt: true } });
    if (!recording || recording.deleteState === 'HARD') throw new NotFoundError('Recording');
    if (recording.deleteState === 'ACTIVE') throw new ConflictError('The recording is not deleted');
    if (recording.hardDeleteAt && recording.hardDeleteAt <= now) throw new ConflictError('The restore window has passed; the recording is being removed');
    const tenant = await db.tenant.findFirstOrThrow({ select: { plan: { select: { retentionDays: true } } } });
    const expireAt = new Date(now.getTime() + (tenant.plan?.retentionDays ?? config.retention.days) * DAY_MS);
    return db.recording.update({ where: { id: recordingId }, data: { deleteState: 'ACTIVE', deletedAt: null, hardDeleteAt: null, expireAt } });
  }

  /**
   * Hard delete: every file under the recording's folder, then the row; storage usage drops by
   * exactly the bytes freed. Used by purgeRecording (tenant admins) and when the restore window ends.
   */
  async purgeRecording(tenantId: string, recordingId: string): Promise<DeletedRecording> {
    const db = forTenant(tenantId, this.prisma);
    const recording = await db.recording.findUnique({ where: { id: recordingId }, select: { id: true } });
    if (!recording) throw new NotFoundError('Recording');
    await this.lifecycle?.cancelActiveRun(tenantId, recordingId);
    const freedBytes = await this.storage.deletePrefix(recordingPrefix(tenantId, recordingId));
    await db.$transaction(async (tx) => {
      await tx.usageEvent.create({ data: { tenantId, type: 'RECORDING_DELETED', recordingId: null, bytesDelta: BigInt(-freedBytes), metadata: { recordingId, deleteState: 'HARD' } } });
      await tx.recording.delete({ where: { id: recordingId } });
      await tx.tenant.update({ where: { id: tenantId }, data: { storageBytes: { decrement: freedBytes } } });
    });
    return { id: recordingId, freedBytes, deleteState: 'HARD', hardDeleteAt: null };
  }
}

export interface DeletedRecording {
  id: string;
  /** Storage given back: 0 for a soft delete (files are kept until the hard delete). */
  freedBytes: number;
  deleteState: 'SOFT' | 'HARD';
  hardDeleteAt: Date | null;
}

export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}

import { randomUUID } from 'node:crypto';
import { config } from '../../config.js';
import type { Prisma, PrismaClient, Recording } from '../../generated/prisma/client.js';
import { forTenant } from '../../lib/db.js';
import { NotFoundError, ValidationError } from '../../lib/errors.js';
import { expectedFamily, findIntegrityProblems, looksLikeText, MediaToolError, probeMedia, sniffMagic, type MediaInfo } from '../../media/index.js';
import { recordingFileKey, recordingPrefix, type StorageBackend } from '../storage/storage.js';
import type { StagedFile } from '../uploads/staged-file.js';
import { checkUploadName, displayNameFromFile } from './upload-name.js';

/**
 * Quota checks before a recording is created. The plans/quotas module plugs in here
 * (recordings per month, storage per plan, SPEC §3); until then everything is admitted.
 */
export interface RecordingAdmission {
  /** Throws QuotaExceededError when the tenant may not add a recording of `sizeBytes`. */
  admitNewRecording(tenantId: string, sizeBytes: number): Promise<void>;
}

export const admitAll: RecordingAdmission = { admitNewRecording: async () => {} };

/** JSON columns take plain data; media info and EDLs are plain data already. */
export const asJson = (value: unknown): Prisma.InputJsonValue => JSON.parse(JSON.stringify(value)) as Prisma.InputJsonValue;

/** YYYYMM of a date in UTC, the period of usage counters. */
export const usagePeriod = (at = new Date()) => at.getUTCFullYear() * 100 + at.getUTCMonth() + 1;

const fileError = (message: string) => ValidationError.field('file', message);

export class RecordingsService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly storage: StorageBackend,
    private readonly admission: RecordingAdmission = admitAll,
    private readonly maxUploadBytes: number = config.uploads.maxBytes,
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
  async createFromUpload(tenantId: string, file: StagedFile, input: { displayName?: string | null } = {}): Promise<Recording> {
    const { extension, baseName, info } = await this.validateUpload(file);
    await this.admission.admitNewRecording(tenantId, file.sizeBytes);
    const id = randomUUID();
    const sourceFileKey = recordingFileKey(tenantId, id, `source.${extension}`);
    const db = forTenant(tenantId, this.prisma);
    try {
      const { sizeBytes } = await this.storage.putFile(sourceFileKey, file.path ?? '');
      const period = usagePeriod();
      return await db.$transaction(async (tx) => {
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
            startTime: new Date(),
          },
        });
        await tx.tenant.update({ where: { id: tenantId }, data: { storageBytes: { increment: sizeBytes } } });
        await tx.usageEvent.create({ data: { tenantId, type: 'RECORDING_CREATED', recordingId: id, durationSeconds: info.durationSec, bytesDelta: BigInt(sizeBytes) } });
        await tx.usageCounter.upsert({
          where: { tenantId_period: { tenantId, period } },
          create: { tenantId, period, recordings: 1, uploads: 1 },
          update: { recordings: { increment: 1 }, uploads: { increment: 1 } },
        });
        return recording;
      });
    } catch (error) {
      await this.storage.deletePrefix(recordingPrefix(tenantId, id)).catch(() => 0);
      throw error;
    }
  }

  /** Deletes the row and every file under the recording's folder; storage usage drops by what was freed. */
  async deleteRecording(tenantId: string, recordingId: string): Promise<{ id: string; freedBytes: number }> {
    const db = forTenant(tenantId, this.prisma);
    const recording = await db.recording.findUnique({ where: { id: recordingId }, select: { id: true } });
    if (!recording) throw new NotFoundError('Recording');
    const freedBytes = await this.storage.deletePrefix(recordingPrefix(tenantId, recordingId));
    await db.$transaction(async (tx) => {
      await tx.usageEvent.create({ data: { tenantId, type: 'RECORDING_DELETED', recordingId: null, bytesDelta: BigInt(-freedBytes), metadata: { recordingId } } });
      await tx.recording.delete({ where: { id: recordingId } });
      await tx.tenant.update({ where: { id: tenantId }, data: { storageBytes: { decrement: freedBytes } } });
    });
    return { id: recordingId, freedBytes };
  }
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

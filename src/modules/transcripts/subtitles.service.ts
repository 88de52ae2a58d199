import { buildCues, toSrt, toVtt } from '../../ai/subtitles.js';
import type { PrismaClient } from '../../generated/prisma/client.js';
import { forTenant } from '../../lib/db.js';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import type { ProcessingConfig } from '../config/config-schemas.js';
import { recordingFileKey, type StorageBackend } from '../storage/storage.js';
import { putText, requireTranscript, SUBTITLE_FILES } from './transcript-store.js';

const FORMATS = {
  srt: { render: toSrt, contentType: 'application/x-subrip' },
  vtt: { render: toVtt, contentType: 'text/vtt' },
} as const;

/** The SUBTITLES stage: SRT/VTT from the transcript's words, in the time of the trimmed video. */
export class SubtitlesService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly storage: StorageBackend,
  ) {}

  async writeSubtitles(tenantId: string, recordingId: string, settings: ProcessingConfig['subtitles']): Promise<{ keys: string[]; cueCount: number }> {
    const db = forTenant(tenantId, this.prisma);
    const recording = await db.recording.findUnique({ where: { id: recordingId }, select: { id: true } });
    if (!recording) throw new NotFoundError('Recording');
    const transcript = await requireTranscript(this.storage, tenantId, recordingId);
    if (transcript.words.length === 0) throw new ConflictError('The transcript has no speech to subtitle');
    const cues = buildCues(transcript.words);
    const keys: string[] = [];
    let grown = 0;
    for (const format of [...new Set(settings.formats)]) {
      const key = recordingFileKey(tenantId, recordingId, SUBTITLE_FILES[format]);
      grown += await putText(this.storage, key, FORMATS[format].render(cues), FORMATS[format].contentType);
      keys.push(key);
    }
    if (grown !== 0) await db.tenant.update({ where: { id: tenantId }, data: { storageBytes: { increment: grown } } });
    return { keys, cueCount: cues.length };
  }
}

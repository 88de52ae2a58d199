import { createHash, randomBytes } from 'node:crypto';
import { config } from '../../config.js';
import type { PrismaClient, Recording } from '../../generated/prisma/client.js';
import { forTenant } from '../../lib/db.js';
import { NotFoundError, ValidationError } from '../../lib/errors.js';
import { logger } from '../../lib/logger.js';
import { isRowId } from '../auth/auth.service.js';
import { isPlainObject } from '../config/merge.js';
import type { MetadataService } from '../metadata/metadata.service.js';
import { recordingFileKey, type StorageBackend } from '../storage/backend.js';
import { SUBTITLE_FILES } from '../transcripts/transcript-store.js';

// Public share links (inventory §11 "Share"): a random token (256 bits, base64url) handed out once;
// the database keeps only its SHA-256 in Recording.shareToken, so a leaked table does not leak
// links, and lookups are an index hit on the hash (no string comparison of secrets in code).
// Unknown, revoked, expired and soft-deleted links all answer null.

export interface ShareSettings {
  defaultDays: number;
  maxDays: number;
}

export interface IssuedShare {
  recordingId: string;
  /** Shown once; only its hash is stored. */
  token: string;
  expiresAt: Date;
}

export type SharedFileKind = 'VIDEO' | 'POSTER' | 'SUBTITLES_SRT' | 'SUBTITLES_VTT';

export interface SharedFile {
  kind: SharedFileKind;
  name: string;
  url: string;
  expiresAt: Date;
}

export interface SharedTopic {
  title: string;
  startSec: number | null;
}

/** What a public link shows: no ids, no tenant, nothing that is not meant for viewers. */
export interface SharedRecordingView {
  title: string;
  recordedAt: Date | null;
  durationSec: number | null;
  summary: string;
  mainTopic: string;
  topics: SharedTopic[];
  questions: string[];
  description: string;
  files: SharedFile[];
  expiresAt: Date;
}

const TOKEN_BYTES = 32;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const DAY_MS = 24 * 3600 * 1000;

export const hashShareToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

export class SharingService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly storage: StorageBackend,
    private readonly metadata: MetadataService,
    private readonly settings: ShareSettings = config.sharing,
    private readonly urlTtlSeconds: number = config.storage.urlTtlSeconds,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** A new link for the recording; an earlier link of it stops working (its token cannot be shown again). */
  async share(tenantId: string, recordingId: string, expiresInDays?: number | null): Promise<IssuedShare> {
    const days = expiresInDays ?? this.settings.defaultDays;
    if (!Number.isInteger(days) || days < 1 || days > this.settings.maxDays) {
      throw ValidationError.field('expiresInDays', `A link lasts from 1 to ${this.settings.maxDays} days`);
    }
    const db = forTenant(tenantId, this.prisma);
    const token = randomBytes(TOKEN_BYTES).toString('base64url');
    const expiresAt = new Date(this.now().getTime() + days * DAY_MS);
    const updated = isRowId(recordingId)
      ? await db.recording.updateMany({ where: { id: recordingId, deleteState: 'ACTIVE' }, data: { shareToken: hashShareToken(token), shareExpiresAt: expiresAt } })
      : { count: 0 };
    if (updated.count === 0) throw new NotFoundError('Recording');
    return { recordingId, token, expiresAt };
  }

  /** Revokes the recording's link (nothing to do when it has none). */
  async unshare(tenantId: string, recordingId: string): Promise<void> {
    const db = forTenant(tenantId, this.prisma);
    const updated = isRowId(recordingId) ? await db.recording.updateMany({ where: { id: recordingId }, data: { shareToken: null, shareExpiresAt: null } }) : { count: 0 };
    if (updated.count === 0) throw new NotFoundError('Recording');
  }

  /** The public view behind a token, or null (unknown, revoked, expired or deleted all look the same). */
  async findShared(token: string): Promise<SharedRecordingView | null> {
    // Cross-tenant by nature: the token is the only key, its hash the only lookup.
    const hash = hashShareToken(token);
    const recording = TOKEN_PATTERN.test(token)
      ? await this.prisma.recording.findUnique({
          where: { shareToken: hash },
          include: { topicVersions: { where: { isActive: true }, orderBy: { version: 'desc' }, take: 1 } },
        })
      : null;
    const now = this.now();
    if (!recording || !recording.shareExpiresAt || recording.shareExpiresAt <= now || recording.deleteState !== 'ACTIVE') return null;
    const version = recording.topicVersions[0];
    return {
      title: recording.displayName,
      recordedAt: recording.startTime,
      durationSec: recording.trimmedDurationSec ?? recording.durationSec,
      summary: version?.summary ?? '',
      mainTopic: version?.mainTopic ?? '',
      topics: topicsOf(version?.topics),
      questions: Array.isArray(version?.questions) ? version.questions.filter((q): q is string => typeof q === 'string') : [],
      description: await this.description(recording),
      files: await this.files(recording, recording.shareExpiresAt),
      expiresAt: recording.shareExpiresAt,
    };
  }

  /** The description the recording would be published with (no preset): its templates, rendered. */
  private async description(recording: Recording): Promise<string> {
    try {
      const rendered = await this.metadata.renderPreview(forTenant(recording.tenantId, this.prisma), { recordingId: recording.id });
      return rendered.description;
    } catch (error) {
      logger.warn({ tenantId: recording.tenantId, recordingId: recording.id, err: String(error) }, 'shared recording: description could not be rendered');
      return '';
    }
  }

  /** Links to the files that exist, valid no longer than the share itself. */
  private async files(recording: Recording, shareExpiresAt: Date): Promise<SharedFile[]> {
    const own = (name: string) => recordingFileKey(recording.tenantId, recording.id, name);
    const candidates: Array<[SharedFileKind, string | null]> = [
      ['VIDEO', recording.videoFileKey ?? recording.sourceFileKey],
      ['POSTER', recording.posterFileKey],
      ['SUBTITLES_SRT', own(SUBTITLE_FILES.srt)],
      ['SUBTITLES_VTT', own(SUBTITLE_FILES.vtt)],
    ];
    const ttl = Math.max(1, Math.min(this.urlTtlSeconds, Math.floor((shareExpiresAt.getTime() - this.now().getTime()) / 1000)));
    const files: SharedFile[] = [];
    for (const [kind, key] of candidates) {
      if (!key || !(await this.storage.exists(key))) continue;
      const { url, expiresAt } = await this.storage.downloadUrl(key, { expiresInSeconds: ttl });
      files.push({ kind, name: key.slice(key.lastIndexOf('/') + 1), url, expiresAt });
    }
    return files;
  }
}

function topicsOf(stored: unknown): SharedTopic[] {
  if (!Array.isArray(stored)) return [];
  return stored.flatMap((item): SharedTopic[] =>
    isPlainObject(item) && typeof item.title === 'string' ? [{ title: item.title, startSec: typeof item.start === 'number' ? item.start : null }] : [],
  );
}

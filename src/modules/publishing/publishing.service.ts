import type { Redis } from 'ioredis';
import type { OutputTarget, Prisma, PrismaClient } from '../../generated/prisma/client.js';
import type { PublishPlatform } from '../../generated/prisma/enums.js';
import { forTenant, type TenantDb } from '../../lib/db.js';
import { ConflictError, CredentialError, errorText, NotFoundError, ValidationError } from '../../lib/errors.js';
import { logger } from '../../lib/logger.js';
import { PublishDeferredError, type Chapter, type PublishContext, type Publisher } from '../../platforms/publisher.js';
import { isRowId } from '../auth/auth.service.js';
import { isPlainObject, type JsonObject } from '../config/merge.js';
import type { CredentialsService } from '../credentials/credentials.service.js';
import type { MetadataService } from '../metadata/metadata.service.js';
import { isSupportedPlatform } from '../presets/preset-schemas.js';
import { addUsage, usagePeriod } from '../quotas/quotas.service.js';
import type { StorageBackend } from '../storage/backend.js';
import type { ThumbnailsService } from '../thumbnails/thumbnails.service.js';
import { gatherFiles } from './publish-files.js';
import { withTargetLease } from './target-lock.js';

// The PUBLISH stage's service (SPEC §6): one output target per (recording, preset), published by
// the platform's adapter. An UPLOADED target is never uploaded again; adapters checkpoint their
// progress in target.meta so a retry resumes. Quota shortfalls defer the target instead of failing
// it; credential errors fail it at once and flag the account.

export type PublishProgress = (fraction: number, message?: string) => void;

export type PublishOutcome = { status: 'UPLOADED'; url?: string } | { status: 'DEFERRED'; retryAt: Date; url?: undefined };

export interface PublishingDeps {
  prisma: PrismaClient;
  redis: Redis;
  storage: StorageBackend;
  credentials: CredentialsService;
  metadata: MetadataService;
  thumbnails: ThumbnailsService;
  publishers: Publisher[];
  now?: () => Date;
}

type TargetWithContext = Prisma.OutputTargetGetPayload<{ include: { preset: true; recording: true } }>;

export class PublishingService {
  private readonly publishers: Map<PublishPlatform, Publisher>;
  private readonly now: () => Date;

  constructor(private readonly deps: PublishingDeps) {
    this.publishers = new Map(deps.publishers.map((p) => [p.platform, p]));
    this.now = deps.now ?? (() => new Date());
  }

  /** The targets of a recording for these presets, created when missing (one per recording and preset). */
  async ensureTargets(tenantId: string, recordingId: string, presetIds: string[]): Promise<OutputTarget[]> {
    const db = forTenant(tenantId, this.deps.prisma);
    const recording = isRowId(recordingId) ? await db.recording.findUnique({ where: { id: recordingId }, select: { id: true } }) : null;
    if (!recording) throw new NotFoundError('Recording');
    const ids = [...new Set(presetIds)];
    const presets = ids.every(isRowId) ? await db.outputPreset.findMany({ where: { id: { in: ids } } }) : [];
    if (presets.length !== ids.length) throw new NotFoundError('OutputPreset');
    const targets: OutputTarget[] = [];
    for (const id of ids) {
      const preset = presets.find((p) => p.id === id);
      if (!preset || !isSupportedPlatform(preset.platform)) throw ValidationError.field('presetIds', 'Publishing to this platform is not supported yet');
      if (!this.publishers.has(preset.platform)) throw ValidationError.field('presetIds', `Publishing to ${preset.platform} is not available in this installation`);
      targets.push(
        await db.outputTarget.upsert({
          where: { recordingId_presetId: { recordingId, presetId: preset.id } },
          create: { tenantId, recordingId, presetId: preset.id, platform: preset.platform },
          update: {},
        }),
      );
    }
    return targets;
  }

  /** Throws ConflictError while another worker publishes the same target. */
  async publishTarget(tenantId: string, targetId: string, onProgress: PublishProgress = () => {}): Promise<PublishOutcome> {
    const db = forTenant(tenantId, this.deps.prisma);
    const target = await this.load(db, targetId);
    if (target.status === 'UPLOADED') return { status: 'UPLOADED', url: target.url ?? undefined };
    return withTargetLease(this.deps.redis, target.id, () => this.publishClaimed(db, tenantId, target, onProgress));
  }

  private async publishClaimed(db: TenantDb, tenantId: string, target: TargetWithContext, onProgress: PublishProgress): Promise<PublishOutcome> {
    const claimed = await db.outputTarget.updateMany({
      where: { id: target.id, status: { not: 'UPLOADED' } },
      data: { status: 'UPLOADING', attempts: { increment: 1 }, startedAt: this.now(), error: null },
    });
    if (claimed.count === 0) return { status: 'UPLOADED', url: (await this.load(db, target.id)).url ?? undefined };

    try {
      const { publisher, context } = await this.prepare(db, tenantId, target, onProgress);
      const result = await publisher.publish(context);
      const { retryAt: _deferredUntil, ...meta } = result.meta;
      await db.outputTarget.update({
        where: { id: target.id },
        data: { status: 'UPLOADED', remoteId: result.remoteId, url: result.url, meta: meta as Prisma.InputJsonObject, uploadedAt: this.now(), error: null },
      });
      await this.countUpload(db, tenantId, target.recordingId);
      return { status: 'UPLOADED', url: result.url };
    } catch (error) {
      if (error instanceof PublishDeferredError) {
        const meta = { ...(await this.currentMeta(db, target.id)), retryAt: error.retryAt.toISOString() };
        await db.outputTarget.update({ where: { id: target.id }, data: { status: 'DEFERRED', error: errorText(error), meta } });
        return { status: 'DEFERRED', retryAt: error.retryAt };
      }
      await db.outputTarget.update({ where: { id: target.id }, data: { status: 'FAILED', error: errorText(error) } });
      if (error instanceof CredentialError && target.preset?.credentialId) {
        await this.deps.credentials.markNeedsReauth(tenantId, target.preset.credentialId, error.message);
      }
      logger.warn({ tenantId, targetId: target.id, platform: target.platform, err: errorText(error) }, 'publishing failed');
      throw error;
    }
  }

  /** Rewrites title, description and captions of an uploaded target from the current metadata. */
  async republishMetadata(tenantId: string, targetId: string): Promise<OutputTarget> {
    const db = forTenant(tenantId, this.deps.prisma);
    const target = await this.load(db, targetId);
    if (target.status !== 'UPLOADED' || !target.remoteId) throw new ConflictError('Only an uploaded target can have its metadata republished');
    const { publisher, context } = await this.prepare(db, tenantId, target, () => {});
    try {
      const meta = await publisher.updateMetadata(context, target.remoteId);
      return await db.outputTarget.update({ where: { id: target.id }, data: { meta: meta as Prisma.InputJsonObject, error: null } });
    } catch (error) {
      if (error instanceof CredentialError && target.preset?.credentialId) await this.deps.credentials.markNeedsReauth(tenantId, target.preset.credentialId, error.message);
      throw error;
    }
  }

  private async load(db: TenantDb, targetId: string): Promise<TargetWithContext> {
    const target = isRowId(targetId) ? await db.outputTarget.findUnique({ where: { id: targetId }, include: { preset: true, recording: true } }) : null;
    if (!target) throw new NotFoundError('OutputTarget');
    return target;
  }

  private async prepare(db: TenantDb, tenantId: string, target: TargetWithContext, onProgress: PublishProgress): Promise<{ publisher: Publisher; context: PublishContext }> {
    const publisher = this.publishers.get(target.platform);
    if (!publisher) throw new ValidationError(`Publishing to ${target.platform} is not available in this installation`);
    if (!target.preset || !target.presetId) throw new ValidationError('The output preset of this target was deleted');
    const credentialId = target.preset.credentialId;
    const rendered = await this.deps.metadata.resolveUploadMetadata(db, target.recordingId, target.presetId);
    const files = await gatherFiles(this.deps.storage, target.recording, rendered.filename ?? rendered.title);
    files.thumbnail = await this.namedThumbnail(tenantId, target.id, rendered.settings.thumbnailName);
    const topicVersion = await db.topicVersion.findFirst({ where: { recordingId: target.recordingId, isActive: true }, orderBy: { version: 'desc' } });
    const context: PublishContext = {
      tenantId,
      recording: {
        id: target.recording.id,
        displayName: target.recording.displayName,
        durationSec: target.recording.trimmedDurationSec ?? target.recording.durationSec,
        language: await this.transcriptLanguage(files.transcript?.key ?? null),
      },
      target: { id: target.id, presetId: target.presetId, meta: isPlainObject(target.meta) ? target.meta : {} },
      credentialId,
      metadata: { title: rendered.title, description: rendered.description, settings: rendered.settings, folderPath: rendered.folderPath, filename: rendered.filename },
      chapters: chaptersOf(topicVersion?.topics),
      files,
      open: (file, range) => this.deps.storage.get(file.key, range),
      secret: async () => (credentialId ? this.deps.credentials.getSecret(tenantId, credentialId) : null),
      accessToken: async (options) => {
        if (!credentialId) throw new CredentialError('This preset has no connected account');
        return this.deps.credentials.accessToken(tenantId, credentialId, options);
      },
      checkpoint: async (meta) => {
        await db.outputTarget.update({ where: { id: target.id }, data: { meta: meta as Prisma.InputJsonObject } });
      },
      onProgress: (fraction, message) => onProgress(Math.max(0, Math.min(1, fraction)), message),
    };
    return { publisher, context };
  }

  /** The `thumbnailName` after every layer (platform block → common → preset), tenant's first, then shared. */
  private async namedThumbnail(tenantId: string, targetId: string, name: unknown): Promise<PublishContext['files']['thumbnail']> {
    if (typeof name !== 'string' || !name.trim()) return null;
    const file = await this.deps.thumbnails.resolveFile(tenantId, name);
    if (!file) logger.warn({ tenantId, targetId, thumbnailName: name }, 'the named thumbnail does not exist; the poster is used');
    return file;
  }

  private async currentMeta(db: TenantDb, targetId: string): Promise<JsonObject> {
    const row = await db.outputTarget.findUnique({ where: { id: targetId }, select: { meta: true } });
    return isPlainObject(row?.meta) ? row.meta : {};
  }

  private async transcriptLanguage(key: string | null): Promise<string | null> {
    if (!key) return null;
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of await this.deps.storage.get(key, { start: 0, end: 4095 })) chunks.push(chunk as Buffer);
      const match = /"language"\s*:\s*"([a-zA-Z-]{2,10})"/.exec(Buffer.concat(chunks).toString('utf8'));
      return match?.[1] && match[1] !== 'auto' ? match[1] : null;
    } catch {
      return null;
    }
  }

  private async countUpload(db: TenantDb, tenantId: string, recordingId: string): Promise<void> {
    await addUsage(db, tenantId, { uploads: 1 }, usagePeriod(this.now()));
    await db.usageEvent.create({ data: { tenantId, type: 'UPLOAD_COMPLETED', recordingId } });
  }
}

/** Topics as the topics stage stores them: `[{ title, start, end }]` in seconds of the trimmed video. */
function chaptersOf(stored: unknown): Chapter[] {
  if (!Array.isArray(stored)) return [];
  return stored.flatMap((item): Chapter[] =>
    isPlainObject(item) && typeof item.title === 'string' && typeof item.start === 'number' ? [{ title: item.title, start: item.start }] : [],
  );
}

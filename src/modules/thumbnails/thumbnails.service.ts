import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { config } from '../../config.js';
import { Prisma, type PrismaClient, type Thumbnail } from '../../generated/prisma/client.js';
import { forTenant } from '../../lib/db.js';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors.js';
import { logger } from '../../lib/logger.js';
import { tenantPrefix, type StorageBackend } from '../storage/backend.js';
import type { StagedFile } from '../uploads/staged-file.js';
import { checkThumbnailImage, sanitizeThumbnailName, thumbnailNameFor, type ThumbnailLimits } from './thumbnail-image.js';

// Thumbnails (inventory §11, SPEC §7): a tenant's own images under tenants/{tenantId}/thumbnails/,
// and shared defaults (rows without a tenant) under shared/thumbnails/. A name is looked up in the
// tenant's set first, then in the shared one. Every stored version gets its own key, so a replace
// never overwrites a file another request may still be reading or writing.

export const SHARED_THUMBNAILS_PREFIX = 'shared/thumbnails/';
export const thumbnailsPrefix = (tenantId: string) => `${tenantPrefix(tenantId)}thumbnails/`;

/** A thumbnail file as the publishers read it. */
export interface ThumbnailFile {
  key: string;
  sizeBytes: number;
  contentType: string;
  fileName: string;
}

const fileError = (message: string) => ValidationError.field('file', message);
const isUniqueViolation = (error: unknown) => error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';

export class ThumbnailsService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly storage: StorageBackend,
    private readonly limits: ThumbnailLimits = config.thumbnails,
  ) {}

  /** The tenant's thumbnails and (unless `includeShared` is false) the shared ones it does not shadow, by name. */
  async list(tenantId: string, options: { includeShared?: boolean } = {}): Promise<Thumbnail[]> {
    const own = await forTenant(tenantId, this.prisma).thumbnail.findMany({ orderBy: { name: 'asc' } });
    if (options.includeShared === false) return own;
    const names = new Set(own.map((t) => t.name));
    const shared = await this.prisma.thumbnail.findMany({ where: { tenantId: null }, orderBy: { name: 'asc' } });
    return [...own, ...shared.filter((t) => !names.has(t.name))].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** The tenant's thumbnail of that name, else the shared one, else null. */
  async find(tenantId: string, rawName: string): Promise<Thumbnail | null> {
    const name = sanitizeThumbnailName(rawName);
    if (!name) return null;
    const own = await forTenant(tenantId, this.prisma).thumbnail.findFirst({ where: { name } });
    return own ?? (await this.prisma.thumbnail.findFirst({ where: { tenantId: null, name } }));
  }

  /** The file behind a `thumbnailName` setting, tenant first then shared; null when neither has it. */
  async resolveFile(tenantId: string, name: string): Promise<ThumbnailFile | null> {
    const found = await this.find(tenantId, name);
    if (!found) return null;
    const stat = await this.storage.stat(found.storageKey);
    if (!stat) return null;
    const ext = found.contentType === 'image/png' ? 'png' : 'jpg';
    return { key: found.storageKey, sizeBytes: stat.sizeBytes, contentType: found.contentType, fileName: `${found.name}.${ext}` };
  }

  /**
   * Stores an uploaded image as the tenant's thumbnail `name` (default: the file name). `replace`
   * false refuses an existing name (ConflictError); true replaces it (or creates it). Checked
   * completely before anything is stored; a failure leaves neither row nor file behind.
   */
  async save(tenantId: string, file: StagedFile, options: { name?: string | null; replace: boolean }): Promise<Thumbnail> {
    if (file.refusal === 'TOO_LARGE' || file.sizeBytes > this.limits.maxBytes) throw fileError(`A thumbnail may be at most ${this.limits.maxBytes} bytes`);
    if (!file.path || file.sizeBytes === 0) throw fileError('The file is empty');
    const name = thumbnailNameFor(options.name, file.fileName);
    const image = checkThumbnailImage(await readFile(file.path), this.limits);
    const db = forTenant(tenantId, this.prisma);
    if (!options.replace && (await db.thumbnail.findFirst({ where: { name }, select: { id: true } }))) throw this.exists(name);

    const key = `${thumbnailsPrefix(tenantId)}${name}-${randomBytes(6).toString('hex')}.${image.ext}`;
    const { sizeBytes } = await this.storage.putFile(key, file.path, { contentType: image.contentType });
    const data = { storageKey: key, contentType: image.contentType, sizeBytes, width: image.width, height: image.height };
    let result: { saved: Thumbnail; replacedKey: string | null };
    try {
      result = await db.$transaction(async (tx) => {
        const current = await tx.thumbnail.findFirst({ where: { name } });
        if (current && !options.replace) throw this.exists(name);
        let saved: Thumbnail;
        if (current) {
          // Guarded by the key read above: of two concurrent replaces, one wins and the other is told.
          const updated = await tx.thumbnail.updateMany({ where: { id: current.id, storageKey: current.storageKey }, data });
          if (updated.count === 0) throw new ConflictError(`The thumbnail ${name} was changed at the same time; try again`);
          saved = await tx.thumbnail.findUniqueOrThrow({ where: { id: current.id } });
        } else {
          saved = await tx.thumbnail.create({ data: { tenantId, name, ...data } });
        }
        const grown = sizeBytes - (current?.sizeBytes ?? 0);
        if (grown !== 0) await tx.tenant.update({ where: { id: tenantId }, data: { storageBytes: { increment: grown } } });
        return { saved, replacedKey: current?.storageKey ?? null };
      });
    } catch (error) {
      await this.storage.delete(key).catch(() => undefined);
      if (isUniqueViolation(error)) throw this.exists(name);
      throw error;
    }
    if (result.replacedKey && result.replacedKey !== key) await this.removeFile(result.replacedKey);
    return result.saved;
  }

  /** Deletes the tenant's own thumbnail (shared ones cannot be deleted by a tenant). */
  async delete(tenantId: string, rawName: string): Promise<{ name: string; freedBytes: number }> {
    const name = sanitizeThumbnailName(rawName);
    const db = forTenant(tenantId, this.prisma);
    const found = name ? await db.thumbnail.findFirst({ where: { name } }) : null;
    if (!found) throw new NotFoundError('Thumbnail');
    await db.$transaction(async (tx) => {
      const removed = await tx.thumbnail.deleteMany({ where: { id: found.id } });
      if (removed.count === 0) throw new NotFoundError('Thumbnail');
      await tx.tenant.update({ where: { id: tenantId }, data: { storageBytes: { decrement: found.sizeBytes } } });
    });
    await this.removeFile(found.storageKey);
    return { name: found.name, freedBytes: found.sizeBytes };
  }

  /** Adds or replaces a shared default from a local image file (seed script, operators). */
  async putShared(rawName: string, filePath: string): Promise<Thumbnail> {
    const name = sanitizeThumbnailName(rawName);
    if (!name) throw ValidationError.field('name', 'A thumbnail name needs at least one of a-z, A-Z, 0-9, _ or -');
    const image = checkThumbnailImage(await readFile(filePath), this.limits);
    const key = `${SHARED_THUMBNAILS_PREFIX}${name}.${image.ext}`;
    const { sizeBytes } = await this.storage.putFile(key, filePath, { contentType: image.contentType });
    const data = { storageKey: key, contentType: image.contentType, sizeBytes, width: image.width, height: image.height };
    // (tenantId, name) is unique, but NULLs never collide in PostgreSQL: find the shared row by hand.
    const current = await this.prisma.thumbnail.findFirst({ where: { tenantId: null, name } });
    const saved = current
      ? await this.prisma.thumbnail.update({ where: { id: current.id }, data })
      : await this.prisma.thumbnail.create({ data: { tenantId: null, name, ...data } });
    if (current && current.storageKey !== key) await this.removeFile(current.storageKey);
    return saved;
  }

  private exists(name: string): ConflictError {
    return new ConflictError(`A thumbnail named ${name} exists already; replace it instead`);
  }

  private async removeFile(key: string): Promise<void> {
    await this.storage.delete(key).catch((error: unknown) => logger.warn({ key, err: String(error) }, 'could not delete a replaced thumbnail file'));
  }
}

import { z } from 'zod';
import type { OutputPreset, Prisma } from '../../generated/prisma/client.js';
import type { PublishPlatform } from '../../generated/prisma/enums.js';
import type { TenantDb } from '../../lib/db.js';
import { ConflictError, NotFoundError, ValidationError, type FieldIssue } from '../../lib/errors.js';
import { isRowId, isUniqueViolation } from '../auth/auth.service.js';
import type { Viewer } from '../auth/viewer.js';
import { checkTemplates, issuesOf, throwIfIssues } from '../config/config-validation.js';
import { isPlainObject, type JsonObject } from '../config/merge.js';
import { isSupportedPlatform, PLATFORMS } from './preset-schemas.js';

// Output presets (SPEC §6 PUBLISH): where and how a recording is published. Metadata is checked
// against the platform's schema (defaults filled in) and its templates must render; the credential
// must be this tenant's and of the platform's kind.

export const presetNameSchema = z.string().trim().min(1, 'Name is required').max(255);

export interface PresetInput {
  name: string;
  description?: string | null;
  platform: PublishPlatform;
  credentialId?: string | null;
  metadata?: unknown;
  isActive?: boolean | null;
}

export interface PresetPatch {
  name?: string | null;
  description?: string | null;
  /** A new credential; null keeps the current one. */
  credentialId?: string | null;
  /** Replaces the metadata (platform defaults are filled in again). */
  metadata?: unknown;
  isActive?: boolean | null;
}

export class PresetsService {
  async find(db: TenantDb, id: string): Promise<OutputPreset> {
    const preset = isRowId(id) ? await db.outputPreset.findUnique({ where: { id } }) : null;
    if (!preset) throw new NotFoundError('OutputPreset');
    return preset;
  }

  async create(db: TenantDb, viewer: Viewer, input: PresetInput): Promise<OutputPreset> {
    if (!isSupportedPlatform(input.platform)) throw ValidationError.field('platform', 'Publishing to this platform is not supported yet');
    const issues: FieldIssue[] = [];
    const name = this.name(input.name, issues);
    const metadata = this.metadata(input.platform, input.metadata, issues);
    throwIfIssues(issues, 'The preset is invalid');
    const credentialId = await this.credential(db, input.platform, input.credentialId ?? null, metadata);
    return this.unique(() =>
      db.outputPreset.create({
        data: {
          tenantId: viewer.tenantId,
          name: name ?? input.name,
          description: input.description?.trim() || null,
          platform: input.platform,
          credentialId,
          metadata: metadata as Prisma.InputJsonObject,
          isActive: input.isActive ?? true,
        },
      }),
    );
  }

  async update(db: TenantDb, id: string, patch: PresetPatch): Promise<OutputPreset> {
    const preset = await this.find(db, id);
    if (!isSupportedPlatform(preset.platform)) throw new ConflictError('Presets of this platform can only be deleted');
    const issues: FieldIssue[] = [];
    const name = patch.name != null ? this.name(patch.name, issues) : undefined;
    const metadata = patch.metadata != null ? this.metadata(preset.platform, patch.metadata, issues) : (preset.metadata as JsonObject);
    throwIfIssues(issues, 'The preset is invalid');
    const credentialId = await this.credential(db, preset.platform, patch.credentialId ?? preset.credentialId, metadata);
    return this.unique(() =>
      db.outputPreset.update({
        where: { id: preset.id },
        data: {
          ...(name ? { name } : {}),
          ...(patch.description !== undefined ? { description: patch.description?.trim() || null } : {}),
          ...(patch.isActive != null ? { isActive: patch.isActive } : {}),
          credentialId,
          metadata: metadata as Prisma.InputJsonObject,
        },
      }),
    );
  }

  /** Deletes a preset and removes it from templates and recording overrides that name it. */
  async delete(db: TenantDb, id: string): Promise<OutputPreset> {
    const preset = await this.find(db, id);
    return db.$transaction(async (tx) => {
      const templates = await tx.template.findMany({ where: { outputConfig: { path: ['presetIds'], array_contains: [preset.id] } } });
      for (const template of templates) {
        await tx.template.update({ where: { id: template.id }, data: { outputConfig: withoutPreset(template.outputConfig, preset.id) } });
      }
      const recordings = await tx.recording.findMany({
        where: { configOverrides: { path: ['outputConfig', 'presetIds'], array_contains: [preset.id] } },
        select: { id: true, configOverrides: true },
      });
      for (const recording of recordings) {
        const overrides = isPlainObject(recording.configOverrides) ? recording.configOverrides : {};
        const configOverrides = { ...overrides, outputConfig: withoutPreset(overrides.outputConfig, preset.id) };
        await tx.recording.update({ where: { id: recording.id }, data: { configOverrides } });
      }
      await tx.outputPreset.delete({ where: { id: preset.id } });
      return preset;
    });
  }

  async copy(db: TenantDb, viewer: Viewer, id: string, name?: string | null): Promise<OutputPreset> {
    const source = await this.find(db, id);
    const taken = new Set((await db.outputPreset.findMany({ where: { name: { startsWith: `Copy of ${source.name}` } }, select: { name: true } })).map((p) => p.name));
    let copyName = name?.trim() || `Copy of ${source.name}`.slice(0, 240);
    for (let i = 2; !name && taken.has(copyName); i += 1) copyName = `Copy of ${source.name}`.slice(0, 240) + ` (${i})`;
    return this.create(db, viewer, {
      name: copyName,
      description: source.description,
      platform: source.platform,
      credentialId: source.credentialId,
      metadata: source.metadata,
      isActive: source.isActive,
    });
  }

  private name(value: string, issues: FieldIssue[]): string | null {
    const parsed = presetNameSchema.safeParse(value);
    if (parsed.success) return parsed.data;
    issues.push(...issuesOf(parsed.error, 'name'));
    return null;
  }

  private metadata(platform: PublishPlatform, value: unknown, issues: FieldIssue[]): JsonObject {
    const parsed = PLATFORMS[platform].schema.safeParse(value ?? {});
    if (!parsed.success) {
      issues.push(...issuesOf(parsed.error, 'metadata'));
      return {};
    }
    checkTemplates(parsed.data, 'metadata', issues);
    return parsed.data;
  }

  /** The credential row id to store; another tenant's id answers NotFound like a missing one. */
  private async credential(db: TenantDb, platform: PublishPlatform, id: string | null, metadata: JsonObject): Promise<string | null> {
    const spec = PLATFORMS[platform];
    if (!id) {
      if (spec.credentialRequired) throw ValidationError.field('credentialId', 'This platform needs a credential');
      return null;
    }
    const credential = isRowId(id) ? await db.credential.findUnique({ where: { id } }) : null;
    if (!credential) throw new NotFoundError('Credential');
    if (credential.platform !== spec.credentialPlatform) {
      throw ValidationError.field('credentialId', `A ${platform} preset needs a ${spec.credentialPlatform} credential`);
    }
    if (platform === 'S3_EXPORT' && !metadata.bucket) throw ValidationError.field('metadata.bucket', 'Exporting to S3 needs a bucket');
    return credential.id;
  }

  private async unique<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError('An output preset with this name already exists');
      throw error;
    }
  }
}

function withoutPreset(outputConfig: unknown, presetId: string): Prisma.InputJsonObject {
  const output = isPlainObject(outputConfig) ? outputConfig : {};
  const presetIds = (Array.isArray(output.presetIds) ? output.presetIds : []).filter((id) => id !== presetId);
  // Automatic upload to nowhere would fail every run; it is switched off with the last preset.
  const autoUpload = presetIds.length === 0 && output.autoUpload === true ? false : output.autoUpload;
  return { ...output, presetIds, ...(autoUpload === undefined ? {} : { autoUpload }) } as Prisma.InputJsonObject;
}

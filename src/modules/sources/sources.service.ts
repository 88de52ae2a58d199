import type { InputSource, Prisma, PrismaClient } from '../../generated/prisma/client.js';
import type { SourceType } from '../../generated/prisma/enums.js';
import { forTenant, type TenantDb } from '../../lib/db.js';
import { ConflictError, DomainError, NotFoundError, ValidationError } from '../../lib/errors.js';
import type { RemoteRecording } from '../../platforms/source-adapter.js';
import { assertFetchableUrl } from '../../platforms/yt-dlp/url-guard.js';
import type { UrlQuality } from '../../platforms/yt-dlp/yt-dlp.js';
import { isRowId, isUniqueViolation } from '../auth/auth.service.js';
import { admitAll, type RecordingAdmission } from '../recordings/recordings.service.js';
import type { TemplateMatchingService } from '../templates/matching.service.js';
import { adapterFor, ytDlpAdapter } from './adapters.js';
import { ingestOptions, type IngestOptions, type IngestOverrides } from './ingest-options.js';
import { parseSourceConfig, type SourceConfig } from './source-config.js';
import { storeRemoteRecordings, type StoreResult } from './store-recordings.js';

// Input sources (SPEC §5): CRUD, sync (list remote recordings → new Recording rows, deduplicated,
// blank rule, template matching) and one-off URL ingest.

export interface SourceInput {
  name: string;
  description?: string | null;
  type: SourceType;
  credentialId?: string | null;
  config?: unknown;
  isActive?: boolean | null;
}

export interface SourcePatch {
  name?: string | null;
  description?: string | null;
  credentialId?: string | null;
  /** Replaces the configuration (defaults filled in again). */
  config?: unknown;
  isActive?: boolean | null;
}

export interface SyncSummary extends StoreResult {
  source: InputSource;
}

/** Zoom keeps cloud recordings for a limited time; a year is the widest window a sync may ask for. */
const MAX_SYNC_DAYS = 366;

const CREDENTIAL_PLATFORM = { ZOOM: 'ZOOM', YANDEX_DISK: 'YANDEX_DISK', GOOGLE_DRIVE: 'GOOGLE_DRIVE' } as const;
const PLATFORM_NAME = { ZOOM: 'Zoom', YANDEX_DISK: 'Yandex Disk', GOOGLE_DRIVE: 'Google Drive' } as const;

export class SourcesService {
  readonly options: IngestOptions;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly matching: TemplateMatchingService,
    overrides: IngestOverrides = {},
    private readonly admission: RecordingAdmission = admitAll,
  ) {
    this.options = ingestOptions(overrides);
  }

  async find(db: TenantDb, id: string): Promise<InputSource> {
    const source = isRowId(id) ? await db.inputSource.findUnique({ where: { id } }) : null;
    if (!source) throw new NotFoundError('InputSource');
    return source;
  }

  async create(tenantId: string, input: SourceInput): Promise<InputSource> {
    const db = forTenant(tenantId, this.prisma);
    const name = checkName(input.name);
    const parsed = parseSourceConfig(input.type, input.config);
    await this.checkConfig(parsed);
    const credentialId = await this.checkCredential(db, parsed, input.credentialId ?? null);
    return unique(() =>
      db.inputSource.create({
        data: {
          tenantId,
          name,
          description: input.description?.trim() || null,
          type: parsed.type,
          credentialId,
          config: parsed.config as Prisma.InputJsonObject,
          isActive: input.isActive ?? true,
        },
      }),
    );
  }

  async update(tenantId: string, id: string, patch: SourcePatch): Promise<InputSource> {
    const db = forTenant(tenantId, this.prisma);
    const source = await this.find(db, id);
    const name = patch.name != null ? checkName(patch.name) : undefined;
    const parsed = parseSourceConfig(source.type, patch.config != null ? patch.config : source.config);
    if (patch.config != null) await this.checkConfig(parsed);
    const credentialId = await this.checkCredential(db, parsed, patch.credentialId ?? source.credentialId);
    return unique(() =>
      db.inputSource.update({
        where: { id: source.id },
        data: {
          ...(name ? { name } : {}),
          ...(patch.description !== undefined ? { description: patch.description?.trim() || null } : {}),
          ...(patch.isActive != null ? { isActive: patch.isActive } : {}),
          credentialId,
          config: parsed.config as Prisma.InputJsonObject,
        },
      }),
    );
  }

  /**
   * Deletes the source; its recordings stay (unlinked). Templates that name it in `sourceIds` keep
   * the id, so they match nothing from it rather than widening to every source (a bug of the original).
   */
  async delete(tenantId: string, id: string): Promise<InputSource> {
    const db = forTenant(tenantId, this.prisma);
    const source = await this.find(db, id);
    await db.inputSource.delete({ where: { id: source.id } });
    return source;
  }

  /** Lists the source's recordings in [from, to] and creates rows for new ones. */
  async sync(tenantId: string, id: string, from: Date, to: Date): Promise<SyncSummary> {
    if (!(from.getTime() < to.getTime())) throw ValidationError.field('to', 'The end of the sync window must be after its start');
    if (to.getTime() - from.getTime() > MAX_SYNC_DAYS * 24 * 3600 * 1000) throw ValidationError.field('from', `A sync window can span at most ${MAX_SYNC_DAYS} days`);
    const db = forTenant(tenantId, this.prisma);
    const source = await this.find(db, id);
    if (!source.isActive) throw new ConflictError('The source is paused; activate it to sync');
    const adapter = await adapterFor(source, this.options);
    const remote = await adapter.list({ from, to });
    const result = await storeRemoteRecordings(db, this.matching, remote, {
      tenantId,
      sourceType: source.type,
      inputSourceId: source.id,
      blank: source.type === 'ZOOM' ? this.options.blank : null,
      unmatchedStatus: 'SKIPPED',
      admission: this.admission,
    });
    const updated = await db.inputSource.update({ where: { id: source.id }, data: { lastSyncAt: new Date() } });
    return { ...result, source: updated };
  }

  /**
   * Recordings from a video page or file URL (a playlist gives one per entry), deduplicated by
   * `{platform}:{videoId}`. They start INITIALIZED (asked for explicitly) and get a template if one matches.
   */
  async createFromUrl(tenantId: string, url: string, quality: UrlQuality, input: { displayName?: string | null } = {}): Promise<StoreResult> {
    const db = forTenant(tenantId, this.prisma);
    const adapter = ytDlpAdapter(this.options);
    let remote: RemoteRecording[];
    try {
      remote = await adapter.probe(url, quality);
    } catch (error) {
      if (error instanceof DomainError) throw error;
      throw ValidationError.field('url', 'The video could not be read from this URL; check it and try again');
    }
    if (remote.length === 0) throw ValidationError.field('url', 'The URL holds no video');
    const displayName = input.displayName?.trim();
    if (displayName && remote.length === 1 && remote[0]) remote[0].displayName = displayName;
    return storeRemoteRecordings(db, this.matching, remote, {
      tenantId,
      sourceType: 'URL',
      inputSourceId: null,
      blank: null,
      unmatchedStatus: 'INITIALIZED',
      admission: this.admission,
    });
  }

  private async checkConfig(parsed: SourceConfig): Promise<void> {
    if (parsed.type === 'URL') await assertFetchableUrl(parsed.config.url, this.options.urlGuard).catch((error: ValidationError) => {
      throw new ValidationError(error.message, [{ path: 'config.url', message: error.message }]);
    });
  }

  /** The account must be the tenant's and of the source's platform; URL and public-link sources take none. */
  private async checkCredential(db: TenantDb, parsed: SourceConfig, credentialId: string | null): Promise<string | null> {
    const platform = parsed.type === 'URL' ? null : CREDENTIAL_PLATFORM[parsed.type];
    const publicLink = parsed.type === 'YANDEX_DISK' && Boolean(parsed.config.publicUrl);
    if (!platform || publicLink) {
      if (credentialId) throw ValidationError.field('credentialId', 'This source reads public content and takes no account');
      return null;
    }
    if (!credentialId) throw ValidationError.field('credentialId', `A ${PLATFORM_NAME[platform]} source needs a connected account`);
    const credential = isRowId(credentialId) ? await db.credential.findUnique({ where: { id: credentialId }, select: { id: true, platform: true } }) : null;
    if (!credential) throw new NotFoundError('Credential');
    if (credential.platform !== platform) throw ValidationError.field('credentialId', `The account is not a ${platform} account`);
    return credential.id;
  }
}

function checkName(raw: string): string {
  const name = raw.trim();
  if (!name) throw ValidationError.field('name', 'Name is required');
  if (name.length > 255) throw ValidationError.field('name', 'Name is at most 255 characters');
  return name;
}

async function unique<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError('A source with this name already exists');
    throw error;
  }
}

import { builder } from '../../graphql/builder.js';
import { viewerOf } from '../../graphql/context.js';
import type { InputSource } from '../../generated/prisma/client.js';
import { ConflictError, CredentialError, NotFoundError, QuotaExceededError, ServiceUnavailableError } from '../../lib/errors.js';
import { unavailableAsTyped } from '../../platforms/http.js';
import { URL_QUALITIES } from '../../platforms/yt-dlp/yt-dlp.js';
import { isRowId } from '../auth/auth.service.js';
import { RecordingNode, SourceTypeEnum } from '../recordings/recordings.graphql.js';
import type { StoreResult } from './store-recordings.js';

export const InputSourceNode = builder.prismaNode('InputSource', {
  id: { field: 'id' },
  // node(id) of a missing or other tenant's row answers null, not an error.
  nullable: true,
  description: 'Where recordings come from: a Zoom account, a Yandex Disk folder or link, a video URL.',
  fields: (t) => ({
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    type: t.expose('type', { type: SourceTypeEnum }),
    config: t.expose('config', { type: 'JSON', description: 'Type settings with defaults filled in (Zoom userId; Yandex publicUrl/folderPath, recursive, filePattern; URL url, quality)' }),
    isActive: t.exposeBoolean('isActive'),
    lastSyncAt: t.expose('lastSyncAt', { type: 'DateTime', nullable: true }),
    credentialId: t.id({
      nullable: true,
      description: 'Global id of the connected account it reads with',
      resolve: (source) => (source.credentialId ? Buffer.from(`Credential:${source.credentialId}`).toString('base64') : null),
    }),
    recordings: t.relatedConnection('recordings', { cursor: 'id', query: { orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] } }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

builder.prismaObjectField('Recording', 'inputSource', (t) => t.relation('inputSource', { nullable: true }));

const UrlQualityEnum = builder.enumType('UrlQuality', {
  values: URL_QUALITIES,
  description: 'Download quality of URL ingest: best available, at most 1080p/720p/480p, or audio only (MP3).',
});

const CreateInputSourceInput = builder.inputType('CreateInputSourceInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    description: t.string(),
    type: t.field({ type: SourceTypeEnum, required: true, description: 'ZOOM, YANDEX_DISK, GOOGLE_DRIVE or URL' }),
    credentialId: t.globalID({ description: 'The connected account: required for Zoom and private Yandex Disk folders' }),
    config: t.field({ type: 'JSON' }),
    isActive: t.boolean(),
  }),
});

const UpdateInputSourceInput = builder.inputType('UpdateInputSourceInput', {
  fields: (t) => ({
    name: t.string(),
    description: t.string(),
    credentialId: t.globalID(),
    config: t.field({ type: 'JSON', description: 'Replaces the settings' }),
    isActive: t.boolean(),
  }),
});

const IngestResultRef = builder.objectRef<StoreResult & { source?: InputSource }>('IngestResult').implement({
  description: 'What a sync or URL ingest found and did.',
  fields: (t) => ({
    found: t.exposeInt('found', { description: 'Recordings seen at the provider' }),
    created: t.exposeInt('created'),
    skippedDuplicates: t.exposeInt('skippedDuplicates', { description: 'Already known (same source key)' }),
    blank: t.exposeInt('blank', { description: 'Too short or too small: skipped and hidden by default' }),
    pending: t.exposeInt('pending', { description: 'Still being processed by the provider (PENDING_SOURCE)' }),
    updated: t.exposeInt('updated', { description: 'Known recordings whose file became ready' }),
    recordings: t.field({ type: [RecordingNode], description: 'The row of every recording seen, new or known', resolve: (r) => r.recordings }),
    source: t.field({ type: InputSourceNode, nullable: true, description: 'The synced source (null for URL ingest)', resolve: (r) => r.source ?? null }),
  }),
});

builder.queryFields((t) => ({
  inputSource: t.prismaField({
    type: 'InputSource',
    nullable: true,
    authScopes: { authenticated: true },
    args: { id: t.arg.globalID({ for: InputSourceNode, required: true }) },
    resolve: (query, _root, { id }, ctx) => (isRowId(id.id) ? ctx.db.inputSource.findUnique({ ...query, where: { id: id.id } }) : null),
  }),
  inputSources: t.prismaConnection({
    type: 'InputSource',
    cursor: 'id',
    authScopes: { authenticated: true },
    description: 'Input sources of the current workspace, oldest first.',
    args: { type: t.arg({ type: SourceTypeEnum }) },
    resolve: (query, _root, { type }, ctx) => ctx.db.inputSource.findMany({ ...query, where: type ? { type } : {}, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),
  }),
}));

builder.mutationFields((t) => ({
  createInputSource: t.prismaField({
    type: 'InputSource',
    authScopes: { permission: 'canUpload' },
    args: { input: t.arg({ type: CreateInputSourceInput, required: true }) },
    errors: { types: [NotFoundError, ConflictError] },
    resolve: async (query, _root, { input }, ctx) => {
      const source = await ctx.services.sources.create(viewerOf(ctx).tenantId, { ...input, credentialId: input.credentialId?.id ?? null });
      return ctx.db.inputSource.findUniqueOrThrow({ ...query, where: { id: source.id } });
    },
  }),
  updateInputSource: t.prismaField({
    type: 'InputSource',
    authScopes: { permission: 'canUpload' },
    args: { id: t.arg.globalID({ for: InputSourceNode, required: true }), input: t.arg({ type: UpdateInputSourceInput, required: true }) },
    errors: { types: [NotFoundError, ConflictError] },
    resolve: async (query, _root, { id, input }, ctx) => {
      const source = await ctx.services.sources.update(viewerOf(ctx).tenantId, id.id, { ...input, credentialId: input.credentialId?.id ?? null });
      return ctx.db.inputSource.findUniqueOrThrow({ ...query, where: { id: source.id } });
    },
  }),
  deleteInputSource: t.globalID({
    authScopes: { permission: 'canUpload' },
    description: 'Deletes a source; its recordings stay. Returns its id.',
    args: { id: t.arg.globalID({ for: InputSourceNode, required: true }) },
    errors: { types: [NotFoundError], directResult: false },
    resolve: async (_root, { id }, ctx) => {
      const source = await ctx.services.sources.delete(viewerOf(ctx).tenantId, id.id);
      return { type: 'InputSource', id: source.id };
    },
  }),
  syncSource: t.field({
    type: IngestResultRef,
    authScopes: { permission: 'canUpload' },
    description: 'Lists the source\'s recordings in [from, to] and adds the new ones (deduplicated, blank rule, template matching).',
    args: {
      id: t.arg.globalID({ for: InputSourceNode, required: true }),
      from: t.arg({ type: 'DateTime', required: true }),
      to: t.arg({ type: 'DateTime', required: true }),
    },
    errors: { types: [NotFoundError, ConflictError, CredentialError, QuotaExceededError, ServiceUnavailableError] },
    resolve: (_root, { id, from, to }, ctx) => unavailableAsTyped(ctx.services.sources.sync(viewerOf(ctx).tenantId, id.id, from, to)),
  }),
  createRecordingFromUrl: t.field({
    type: IngestResultRef,
    authScopes: { permission: 'canUpload' },
    description: 'Recordings from a video page, a playlist (one per entry) or a direct file URL, fetched by yt-dlp when the pipeline runs.',
    args: {
      url: t.arg.string({ required: true }),
      quality: t.arg({ type: UrlQualityEnum, defaultValue: 'BEST' }),
      displayName: t.arg.string({ description: 'For a single video; playlists keep the entry titles' }),
    },
    errors: { types: [NotFoundError, CredentialError, QuotaExceededError] },
    resolve: (_root, { url, quality, displayName }, ctx) => ctx.services.sources.createFromUrl(viewerOf(ctx).tenantId, url, quality ?? 'BEST', { displayName }),
  }),
}));

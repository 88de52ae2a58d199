import { z } from 'zod';
import { builder } from '../../graphql/builder.js';
import { viewerOf, type Context } from '../../graphql/context.js';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors.js';
import '../uploads/uploads.graphql.js';
import { THUMBNAIL_NAME_MAX } from './thumbnail-image.js';

// Thumbnails by name (inventory §11): `thumbnailName` in presets and templates refers to one of these.
// Shared defaults have no tenant; a tenant's own thumbnail of the same name hides the shared one.

const ThumbnailRef = builder.prismaObject('Thumbnail', {
  description: 'A PNG or JPEG a preset or template can name as the video thumbnail.',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Letters, digits, _ and -; what `thumbnailName` settings refer to' }),
    shared: t.boolean({ description: 'A shared default (read-only), not one of the workspace', resolve: (row) => row.tenantId === null }),
    contentType: t.exposeString('contentType'),
    sizeBytes: t.exposeInt('sizeBytes'),
    width: t.exposeInt('width'),
    height: t.exposeInt('height'),
    url: t.string({
      description: 'A time-limited download link',
      resolve: async (row, _args, ctx) => {
        const { url } = await ctx.services.storage.downloadUrl(row.storageKey);
        return ctx.origin ? new URL(url, ctx.origin).toString() : url;
      },
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const DeletedThumbnailRef = builder.objectRef<{ name: string; freedBytes: number }>('DeletedThumbnail').implement({
  fields: (t) => ({
    name: t.exposeString('name'),
    freedBytes: t.exposeInt('freedBytes'),
  }),
});

const nameSchema = z.string().trim().min(1).max(THUMBNAIL_NAME_MAX * 2);
// Files are received only from callers who may upload (see app.ts); saving one is template work.
const manageWithFiles = { $all: { permission: 'canManageTemplates', $any: { permission: 'canUpload' } } } as const;

function stagedFile(ctx: Context, token: string) {
  const staged = ctx.uploads.get(token);
  if (!staged) throw ValidationError.field('file', 'No file was received: send it as a part of a multipart request');
  return staged;
}

builder.queryFields((t) => ({
  thumbnails: t.field({
    type: [ThumbnailRef],
    authScopes: { authenticated: true },
    description: "The workspace's thumbnails and the shared defaults it does not replace, by name.",
    args: { includeShared: t.arg.boolean({ defaultValue: true }) },
    resolve: (_root, { includeShared }, ctx) => ctx.services.thumbnails.list(viewerOf(ctx).tenantId, { includeShared: includeShared ?? true }),
  }),
  thumbnail: t.field({
    type: ThumbnailRef,
    nullable: true,
    authScopes: { authenticated: true },
    description: "The workspace's thumbnail of that name, else the shared default of that name.",
    args: { name: t.arg.string({ required: true }) },
    resolve: (_root, { name }, ctx) => ctx.services.thumbnails.find(viewerOf(ctx).tenantId, name),
  }),
}));

builder.mutationFields((t) => ({
  uploadThumbnail: t.field({
    type: ThumbnailRef,
    authScopes: manageWithFiles,
    description: `A new thumbnail from a PNG or JPEG sent as a GraphQL multipart request (checked by its bytes and header; size and pixel limits from the configuration). The name defaults to the file name; anything but a-z, A-Z, 0-9, _ and - becomes _, at most ${THUMBNAIL_NAME_MAX} characters. ConflictError when the name is taken.`,
    args: { file: t.arg({ type: 'Upload', required: true }), name: t.arg.string({ validate: nameSchema }) },
    errors: { types: [ValidationError, ConflictError] },
    resolve: (_root, { file, name }, ctx) => ctx.services.thumbnails.save(viewerOf(ctx).tenantId, stagedFile(ctx, file), { name, replace: false }),
  }),
  replaceThumbnail: t.field({
    type: ThumbnailRef,
    authScopes: manageWithFiles,
    description: 'Replaces the thumbnail of that name, or creates it (upsert). A shared default of that name is hidden, not changed.',
    args: { name: t.arg.string({ required: true, validate: nameSchema }), file: t.arg({ type: 'Upload', required: true }) },
    errors: { types: [ValidationError, ConflictError] },
    resolve: (_root, { file, name }, ctx) => ctx.services.thumbnails.save(viewerOf(ctx).tenantId, stagedFile(ctx, file), { name, replace: true }),
  }),
  deleteThumbnail: t.field({
    type: DeletedThumbnailRef,
    authScopes: { permission: 'canManageTemplates' },
    description: "Deletes the workspace's thumbnail of that name (a shared default of that name shows again).",
    args: { name: t.arg.string({ required: true }) },
    errors: { types: [NotFoundError] },
    resolve: (_root, { name }, ctx) => ctx.services.thumbnails.delete(viewerOf(ctx).tenantId, name),
  }),
}));

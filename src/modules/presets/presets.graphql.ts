import { builder } from '../../graphql/builder.js';
import { viewerOf } from '../../graphql/context.js';
import { PublishPlatform } from '../../generated/prisma/enums.js';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import { isRowId } from '../auth/auth.service.js';

export const PublishPlatformEnum = builder.enumType(PublishPlatform, {
  name: 'PublishPlatform',
  description: 'Where a preset publishes.',
});

export const OutputPresetNode = builder.prismaNode('OutputPreset', {
  id: { field: 'id' },
  // node(id) of a missing or other tenant's row answers null, not an error.
  nullable: true,
  description: 'Where and how recordings are published: a platform, an account and its settings.',
  fields: (t) => ({
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    platform: t.expose('platform', { type: PublishPlatformEnum }),
    metadata: t.expose('metadata', { type: 'JSON', description: 'Platform settings with defaults filled in (title/description templates, privacy …)' }),
    isActive: t.exposeBoolean('isActive'),
    credentialId: t.id({
      nullable: true,
      description: 'Global id of the account it publishes with',
      // Encoded like every Relay id here; the Credential node type arrives with the credentials API.
      resolve: (preset) => (preset.credentialId ? Buffer.from(`Credential:${preset.credentialId}`).toString('base64') : null),
    }),
    credentialAccountName: t.string({
      nullable: true,
      select: { credential: { select: { accountName: true } } },
      resolve: (preset) => preset.credential?.accountName ?? null,
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const CreateOutputPresetInput = builder.inputType('CreateOutputPresetInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    description: t.string(),
    platform: t.field({ type: PublishPlatformEnum, required: true }),
    credentialId: t.globalID({ description: 'Required for YouTube, VK and Yandex Disk; S3 export without one writes to LEAP storage' }),
    metadata: t.field({ type: 'JSON', description: 'Platform settings; see docs/templates.md' }),
    isActive: t.boolean(),
  }),
});

const UpdateOutputPresetInput = builder.inputType('UpdateOutputPresetInput', {
  fields: (t) => ({
    name: t.string(),
    description: t.string(),
    credentialId: t.globalID(),
    metadata: t.field({ type: 'JSON', description: 'Replaces the settings' }),
    isActive: t.boolean(),
  }),
});

builder.queryFields((t) => ({
  outputPreset: t.prismaField({
    type: 'OutputPreset',
    nullable: true,
    authScopes: { authenticated: true },
    args: { id: t.arg.globalID({ for: OutputPresetNode, required: true }) },
    resolve: (query, _root, { id }, ctx) => (isRowId(id.id) ? ctx.db.outputPreset.findUnique({ ...query, where: { id: id.id } }) : null),
  }),
  outputPresets: t.prismaConnection({
    type: 'OutputPreset',
    cursor: 'id',
    authScopes: { authenticated: true },
    description: 'Output presets of the current workspace, oldest first.',
    args: { platform: t.arg({ type: PublishPlatformEnum }) },
    resolve: (query, _root, { platform }, ctx) =>
      ctx.db.outputPreset.findMany({ ...query, where: platform ? { platform } : {}, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),
  }),
}));

builder.mutationFields((t) => ({
  createOutputPreset: t.prismaField({
    type: 'OutputPreset',
    authScopes: { permission: 'canManageTemplates' },
    args: { input: t.arg({ type: CreateOutputPresetInput, required: true }) },
    errors: { types: [NotFoundError, ConflictError] },
    resolve: async (query, _root, { input }, ctx) => {
      const preset = await ctx.services.presets.create(ctx.db, viewerOf(ctx), { ...input, credentialId: input.credentialId?.id ?? null });
      return ctx.db.outputPreset.findUniqueOrThrow({ ...query, where: { id: preset.id } });
    },
  }),
  updateOutputPreset: t.prismaField({
    type: 'OutputPreset',
    authScopes: { permission: 'canManageTemplates' },
    args: {
      id: t.arg.globalID({ for: OutputPresetNode, required: true }),
      input: t.arg({ type: UpdateOutputPresetInput, required: true }),
    },
    errors: { types: [NotFoundError, ConflictError] },
    resolve: async (query, _root, { id, input }, ctx) => {
      const preset = await ctx.services.presets.update(ctx.db, id.id, { ...input, credentialId: input.credentialId?.id ?? null });
      return ctx.db.outputPreset.findUniqueOrThrow({ ...query, where: { id: preset.id } });
    },
  }),
  copyOutputPreset: t.prismaField({
    type: 'OutputPreset',
    authScopes: { permission: 'canManageTemplates' },
    description: 'A copy named "Copy of …" unless a name is given.',
    args: { id: t.arg.globalID({ for: OutputPresetNode, required: true }), name: t.arg.string() },
    errors: { types: [NotFoundError, ConflictError] },
    resolve: async (query, _root, { id, name }, ctx) => {
      const preset = await ctx.services.presets.copy(ctx.db, viewerOf(ctx), id.id, name);
      return ctx.db.outputPreset.findUniqueOrThrow({ ...query, where: { id: preset.id } });
    },
  }),
  deleteOutputPreset: t.globalID({
    authScopes: { permission: 'canManageTemplates' },
    description: 'Deletes a preset and removes it from templates and recording overrides. Returns its id.',
    args: { id: t.arg.globalID({ for: OutputPresetNode, required: true }) },
    errors: { types: [NotFoundError], directResult: false },
    resolve: async (_root, { id }, ctx) => {
      const preset = await ctx.services.presets.delete(ctx.db, id.id);
      return { type: 'OutputPreset', id: preset.id };
    },
  }),
}));

import { builder } from '../../graphql/builder.js';
import { viewerOf } from '../../graphql/context.js';
import { ConflictError, NotFoundError, QuotaExceededError } from '../../lib/errors.js';
import { isRowId } from '../auth/auth.service.js';
import { isPlainObject } from '../config/merge.js';
import { OutputPresetNode } from '../presets/presets.graphql.js';
import { readMatchingRules, type MatchingRules } from './template-schemas.js';

export const TemplateNode = builder.prismaNode('Template', {
  id: { field: 'id' },
  // node(id) of a missing or other tenant's row answers null, not an error.
  nullable: true,
  description: 'Matching rules and the configuration layer applied to the recordings they match.',
  fields: (t) => ({
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    isDefault: t.exposeBoolean('isDefault', { description: 'The base layer of every recording; never matched, never deleted' }),
    isDraft: t.exposeBoolean('isDraft', { description: 'Drafts take part in no matching' }),
    isActive: t.exposeBoolean('isActive'),
    matchingRules: t.field({ type: MatchingRulesRef, resolve: (template) => readMatchingRules(template.matchingRules) }),
    processingConfig: t.expose('processingConfig', { type: 'JSON', description: 'Processing layer: trimming, transcription, topics, subtitles, poster' }),
    metadataConfig: t.expose('metadataConfig', { type: 'JSON', description: 'Metadata layer: title/description templates, display formats, platform blocks' }),
    outputConfig: t.expose('outputConfig', { type: 'JSON', description: 'Output layer: presetIds, autoUpload, uploadCaptions' }),
    outputPresets: t.prismaField({
      type: ['OutputPreset'],
      description: 'The presets named in outputConfig.presetIds, in that order',
      resolve: async (query, template, _args, ctx) => {
        const ids = presetIdsOf(template.outputConfig);
        // Built before the check so Pothos sees its selection used even when there is nothing to read.
        const args = { ...query, where: { id: { in: ids } } };
        const presets = ids.length ? await ctx.db.outputPreset.findMany(args) : [];
        return ids.flatMap((id) => presets.filter((preset) => preset.id === id));
      },
    }),
    recordings: t.relatedConnection('recordings', {
      cursor: 'id',
      description: 'Recordings bound to this template, newest first',
      query: { orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] },
    }),
    usedCount: t.exposeInt('usedCount', { description: 'Recordings bound by matching' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

function presetIdsOf(outputConfig: unknown): string[] {
  const ids = isPlainObject(outputConfig) && Array.isArray(outputConfig.presetIds) ? outputConfig.presetIds : [];
  return ids.filter((id): id is string => typeof id === 'string' && isRowId(id));
}

const MatchingRulesRef = builder.objectRef<MatchingRules>('TemplateMatchingRules').implement({
  description: 'Checked in this order: sources, duration, exclusions, exact names, keywords, patterns. Case-insensitive unless caseSensitive.',
  fields: (t) => ({
    exactMatches: t.exposeStringList('exactMatches'),
    keywords: t.exposeStringList('keywords', { description: 'Substrings of the display name' }),
    patterns: t.exposeStringList('patterns', { description: 'JavaScript regular expressions (Unicode mode)' }),
    sourceIds: t.exposeStringList('sourceIds', { description: 'Raw input source ids (UUIDs); empty means any source' }),
    excludeKeywords: t.exposeStringList('excludeKeywords'),
    excludePatterns: t.exposeStringList('excludePatterns'),
    caseSensitive: t.exposeBoolean('caseSensitive'),
    minDurationSec: t.exposeFloat('minDurationSec', { nullable: true }),
    maxDurationSec: t.exposeFloat('maxDurationSec', { nullable: true }),
  }),
});

export const MatchingRulesInput = builder.inputType('TemplateMatchingRulesInput', {
  fields: (t) => ({
    exactMatches: t.stringList(),
    keywords: t.stringList(),
    patterns: t.stringList(),
    sourceIds: t.stringList({ description: 'Input source ids: raw UUIDs or global ids; stored raw' }),
    excludeKeywords: t.stringList(),
    excludePatterns: t.stringList(),
    caseSensitive: t.boolean(),
    minDurationSec: t.float(),
    maxDurationSec: t.float(),
  }),
});

const CreateTemplateInput = builder.inputType('CreateTemplateInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    description: t.string(),
    isDraft: t.boolean(),
    isActive: t.boolean(),
    matchingRules: t.field({ type: MatchingRulesInput }),
    processingConfig: t.field({ type: 'JSON', description: 'Processing layer (see docs/templates.md)' }),
    metadataConfig: t.field({ type: 'JSON', description: 'Metadata layer' }),
    outputConfig: t.field({ type: 'JSON', description: 'Output layer; presetIds take raw or global ids' }),
  }),
});

const UpdateTemplateInput = builder.inputType('UpdateTemplateInput', {
  description: 'Omitted fields stay; a given section replaces the stored one.',
  fields: (t) => ({
    name: t.string(),
    description: t.string(),
    isDraft: t.boolean(),
    isActive: t.boolean(),
    matchingRules: t.field({ type: MatchingRulesInput }),
    processingConfig: t.field({ type: 'JSON' }),
    metadataConfig: t.field({ type: 'JSON' }),
    outputConfig: t.field({ type: 'JSON' }),
  }),
});

/** GraphQL sends unset list fields as null; the rules schema fills defaults for missing ones. */
export function rulesArg(rules: object | null | undefined): Record<string, unknown> | null {
  return rules ? Object.fromEntries(Object.entries(rules).filter(([, value]) => value !== null && value !== undefined)) : null;
}

export const templateErrors = { types: [NotFoundError, ConflictError, QuotaExceededError] };

builder.queryFields((t) => ({
  template: t.prismaField({
    type: 'Template',
    nullable: true,
    authScopes: { authenticated: true },
    args: { id: t.arg.globalID({ for: TemplateNode, required: true }) },
    resolve: (query, _root, { id }, ctx) => (isRowId(id.id) ? ctx.db.template.findUnique({ ...query, where: { id: id.id } }) : null),
  }),
  defaultTemplate: t.prismaField({
    type: 'Template',
    nullable: true,
    authScopes: { authenticated: true },
    description: 'The base configuration layer of the workspace.',
    resolve: (query, _root, _args, ctx) => ctx.db.template.findFirst({ ...query, where: { isDefault: true } }),
  }),
  templates: t.prismaConnection({
    type: 'Template',
    cursor: 'id',
    authScopes: { authenticated: true },
    description: 'Templates of the current workspace in matching order (creation order).',
    resolve: (query, _root, _args, ctx) =>
      ctx.db.template.findMany({ ...query, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),
  }),
}));

builder.mutationFields((t) => ({
  createTemplate: t.prismaField({
    type: 'Template',
    authScopes: { permission: 'canManageTemplates' },
    description: 'Creates a template; an active non-draft one immediately takes matching unmapped recordings unless rematchUnmapped is false.',
    args: { input: t.arg({ type: CreateTemplateInput, required: true }), rematchUnmapped: t.arg.boolean({ defaultValue: true }) },
    errors: templateErrors,
    resolve: async (query, _root, { input, rematchUnmapped }, ctx) => {
      const template = await ctx.services.templates.create(ctx.db, viewerOf(ctx), { ...input, matchingRules: rulesArg(input.matchingRules), rematchUnmapped });
      return ctx.db.template.findUniqueOrThrow({ ...query, where: { id: template.id } });
    },
  }),
  updateTemplate: t.prismaField({
    type: 'Template',
    authScopes: { permission: 'canManageTemplates' },
    args: { id: t.arg.globalID({ for: TemplateNode, required: true }), input: t.arg({ type: UpdateTemplateInput, required: true }) },
    errors: templateErrors,
    resolve: async (query, _root, { id, input }, ctx) => {
      const template = await ctx.services.templates.update(ctx.db, id.id, { ...input, matchingRules: rulesArg(input.matchingRules) });
      return ctx.db.template.findUniqueOrThrow({ ...query, where: { id: template.id } });
    },
  }),
  copyTemplate: t.prismaField({
    type: 'Template',
    authScopes: { permission: 'canManageTemplates' },
    description: 'A draft copy named "Copy of …" unless a name is given.',
    args: { id: t.arg.globalID({ for: TemplateNode, required: true }), name: t.arg.string() },
    errors: templateErrors,
    resolve: async (query, _root, { id, name }, ctx) => {
      const template = await ctx.services.templates.copy(ctx.db, viewerOf(ctx), id.id, name);
      return ctx.db.template.findUniqueOrThrow({ ...query, where: { id: template.id } });
    },
  }),
  setDefaultTemplate: t.prismaField({
    type: 'Template',
    authScopes: { permission: 'canManageTemplates' },
    description: 'Makes a template the Default; the previous Default becomes a draft.',
    args: { id: t.arg.globalID({ for: TemplateNode, required: true }) },
    errors: templateErrors,
    resolve: async (query, _root, { id }, ctx) => {
      const template = await ctx.services.templates.setDefault(ctx.db, id.id);
      return ctx.db.template.findUniqueOrThrow({ ...query, where: { id: template.id } });
    },
  }),
}));

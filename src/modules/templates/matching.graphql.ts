import { builder } from '../../graphql/builder.js';
import { viewerOf } from '../../graphql/context.js';
import type { Template } from '../../generated/prisma/client.js';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import { RecordingNode, RecordingStatusEnum } from '../recordings/recordings.graphql.js';
import type { MatchPreview, MatchPreviewItem } from './matching.service.js';
import { MatchingRulesInput, rulesArg, templateErrors, TemplateNode } from './templates.graphql.js';

// Templates and recordings: matching dry runs, rematching, templates made from a recording, and
// deletion (which unmaps recordings).

const MatchPreviewItemRef = builder.objectRef<MatchPreviewItem>('TemplateMatchPreviewItem').implement({
  fields: (t) => ({
    recording: t.field({ type: RecordingNode, resolve: (item) => item.recording }),
    matchedBy: t.string({ description: 'The rule that matched: exactMatches, keywords or patterns', resolve: (item) => item.decision.rule }),
    matchedValue: t.string({ nullable: true, resolve: (item) => item.decision.value ?? null }),
    alreadyBound: t.exposeBoolean('alreadyBound', { description: 'Already bound to this template' }),
    newStatus: t.field({ type: RecordingStatusEnum, description: 'Status after binding (SKIPPED becomes INITIALIZED)', resolve: (item) => item.newStatus }),
  }),
});

const MatchPreviewRef = builder.objectRef<MatchPreview>('TemplateMatchPreview').implement({
  fields: (t) => ({
    template: t.field({ type: TemplateNode, resolve: (preview) => preview.template }),
    checkedCount: t.exposeInt('checkedCount', { description: 'Recordings looked at (newest first, up to the limit)' }),
    matchCount: t.int({ resolve: (preview) => preview.matches.length }),
    matches: t.field({ type: [MatchPreviewItemRef], resolve: (preview) => preview.matches }),
  }),
});

const RematchResultRef = builder.objectRef<{ template: Template; matchedCount: number }>('RematchTemplateResult').implement({
  fields: (t) => ({
    template: t.field({ type: TemplateNode, resolve: (result) => result.template }),
    matchedCount: t.exposeInt('matchedCount', { description: 'Recordings bound by this run' }),
  }),
});

const DeleteTemplateResultRef = builder.objectRef<{ template: Template; unmappedCount: number }>('DeleteTemplateResult').implement({
  fields: (t) => ({
    deletedId: t.globalID({ resolve: (result) => ({ type: 'Template', id: result.template.id }) }),
    unmappedCount: t.exposeInt('unmappedCount', { description: 'Recordings that were bound to it and are now unmapped' }),
  }),
});

const TemplateFromRecordingInput = builder.inputType('TemplateFromRecordingInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    description: t.string(),
    matchPattern: t.string({ description: 'Match this regular expression instead of the exact display name' }),
    matchSource: t.boolean({ description: "Only recordings from the recording's input source" }),
  }),
});

builder.queryFields((t) => ({
  previewTemplateMatch: t.field({
    type: MatchPreviewRef,
    authScopes: { authenticated: true },
    description: 'Dry run: which recordings the template (or the given unsaved rules) would take. Changes nothing.',
    args: {
      id: t.arg.globalID({ for: TemplateNode, required: true }),
      onlyUnmapped: t.arg.boolean({ defaultValue: true, description: 'Only recordings bound to no template' }),
      limit: t.arg.int({ defaultValue: 100, description: 'Recordings to check, newest first (1–500)' }),
      matchingRules: t.arg({ type: MatchingRulesInput, description: 'Rules to try instead of the saved ones' }),
    },
    errors: { types: [NotFoundError] },
    resolve: (_root, args, ctx) =>
      ctx.services.templateMatching.preview(ctx.db, args.id.id, { onlyUnmapped: args.onlyUnmapped, limit: args.limit, rules: rulesArg(args.matchingRules) }),
  }),
}));

builder.mutationFields((t) => ({
  createTemplateFromRecording: t.prismaField({
    type: 'Template',
    authScopes: { permission: 'canManageTemplates' },
    args: {
      recordingId: t.arg.globalID({ for: RecordingNode, required: true }),
      input: t.arg({ type: TemplateFromRecordingInput, required: true }),
    },
    errors: templateErrors,
    resolve: async (query, _root, { recordingId, input }, ctx) => {
      const template = await ctx.services.templates.createFromRecording(ctx.db, viewerOf(ctx), recordingId.id, input);
      return ctx.db.template.findUniqueOrThrow({ ...query, where: { id: template.id } });
    },
  }),
  rematchTemplate: t.field({
    type: RematchResultRef,
    authScopes: { permission: 'canManageTemplates' },
    description: 'Binds the recordings the template matches (only unmapped ones by default); SKIPPED ones become INITIALIZED.',
    args: {
      id: t.arg.globalID({ for: TemplateNode, required: true }),
      onlyUnmapped: t.arg.boolean({ defaultValue: true }),
    },
    errors: { types: [NotFoundError, ConflictError] },
    resolve: (_root, { id, onlyUnmapped }, ctx) => ctx.services.templateMatching.rematch(ctx.db, id.id, { onlyUnmapped }),
  }),
  deleteTemplate: t.field({
    type: DeleteTemplateResultRef,
    authScopes: { permission: 'canManageTemplates' },
    description: 'Deletes a template: its recordings become unmapped (status unchanged) and automation jobs drop it.',
    args: { id: t.arg.globalID({ for: TemplateNode, required: true }) },
    errors: { types: [NotFoundError, ConflictError] },
    resolve: (_root, { id }, ctx) => ctx.services.templates.delete(ctx.db, viewerOf(ctx), id.id),
  }),
}));

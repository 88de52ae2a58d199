import { builder } from '../../graphql/builder.js';
import { NotFoundError } from '../../lib/errors.js';
import { RecordingNode } from '../recordings/recordings.graphql.js';
import { TemplateNode } from '../templates/templates.graphql.js';
import { LAYER_SOURCES, type ConfigLayer, type ResolvedConfig } from './config.service.js';

// The resolved configuration of a recording and its layers, and the recording-override layer.

const LayerSourceEnum = builder.enumType('ConfigLayerSource', {
  values: LAYER_SOURCES,
  description: 'Configuration layers, lowest priority first.',
});

const ConfigLayerRef = builder.objectRef<ConfigLayer>('ConfigLayer').implement({
  fields: (t) => ({
    source: t.field({ type: LayerSourceEnum, resolve: (layer) => layer.source }),
    template: t.prismaField({
      type: 'Template',
      nullable: true,
      resolve: (query, layer, _args, ctx) => (layer.templateId ? ctx.db.template.findUnique({ ...query, where: { id: layer.templateId } }) : null),
    }),
    templateName: t.exposeString('templateName', { nullable: true }),
    processingConfig: t.field({ type: 'JSON', resolve: (layer) => layer.processingConfig }),
    metadataConfig: t.field({ type: 'JSON', resolve: (layer) => layer.metadataConfig }),
    outputConfig: t.field({ type: 'JSON', resolve: (layer) => layer.outputConfig }),
  }),
});

const ResolvedConfigRef = builder.objectRef<ResolvedConfig>('ResolvedConfig').implement({
  description: 'Deep merge of the layers: objects merge, lists replace, null never overwrites.',
  fields: (t) => ({
    processingConfig: t.field({ type: 'JSON', description: 'Complete: defaults fill what no layer sets', resolve: (c) => c.processingConfig }),
    metadataConfig: t.field({ type: 'JSON', description: 'Merged metadata layers (presets apply per upload)', resolve: (c) => c.metadataConfig }),
    outputConfig: t.field({ type: 'JSON', description: 'Complete: presetIds, autoUpload, uploadCaptions', resolve: (c) => c.outputConfig }),
    layers: t.field({ type: [ConfigLayerRef], resolve: (c) => c.layers }),
  }),
});

builder.prismaObjectFields('Recording', (t) => ({
  configOverrides: t.expose('configOverrides', {
    type: 'JSON',
    description: 'The recording-override layer: { processingConfig?, metadataConfig?, outputConfig? }',
  }),
}));

builder.queryFields((t) => ({
  resolvedConfig: t.field({
    type: ResolvedConfigRef,
    authScopes: { authenticated: true },
    description:
      'The effective configuration. With recordingId: its layers, templateId applied as a runtime template. Without: the Default template with templateId on top.',
    args: {
      recordingId: t.arg.globalID({ for: RecordingNode }),
      templateId: t.arg.globalID({ for: TemplateNode }),
      overrides: t.arg({ type: 'JSON', description: 'Per-request overrides: { processingConfig?, metadataConfig?, outputConfig? }' }),
    },
    errors: { types: [NotFoundError] },
    resolve: (_root, { recordingId, templateId, overrides }, ctx) =>
      ctx.services.config.resolve(ctx.db, { recordingId: recordingId?.id, templateId: templateId?.id, overrides }),
  }),
}));


builder.mutationFields((t) => ({
  setRecordingConfigOverrides: t.prismaField({
    type: 'Recording',
    authScopes: { permission: 'canProcessVideo' },
    description: 'Replaces the recording-override layer.',
    args: { recordingId: t.arg.globalID({ for: RecordingNode, required: true }), overrides: t.arg({ type: 'JSON', required: true }) },
    errors: { types: [NotFoundError] },
    resolve: async (query, _root, { recordingId, overrides }, ctx) => {
      const recording = await ctx.services.config.setRecordingOverrides(ctx.db, recordingId.id, overrides);
      return ctx.db.recording.findUniqueOrThrow({ ...query, where: { id: recording.id } });
    },
  }),
  patchRecordingConfigOverrides: t.prismaField({
    type: 'Recording',
    authScopes: { permission: 'canProcessVideo' },
    description: 'JSON Merge Patch of the recording-override layer: objects merge, null removes a key.',
    args: { recordingId: t.arg.globalID({ for: RecordingNode, required: true }), patch: t.arg({ type: 'JSON', required: true }) },
    errors: { types: [NotFoundError] },
    resolve: async (query, _root, { recordingId, patch }, ctx) => {
      const recording = await ctx.services.config.patchRecordingOverrides(ctx.db, recordingId.id, patch);
      return ctx.db.recording.findUniqueOrThrow({ ...query, where: { id: recording.id } });
    },
  }),
  clearRecordingConfigOverrides: t.prismaField({
    type: 'Recording',
    authScopes: { permission: 'canProcessVideo' },
    args: { recordingId: t.arg.globalID({ for: RecordingNode, required: true }) },
    errors: { types: [NotFoundError] },
    resolve: async (query, _root, { recordingId }, ctx) => {
      const recording = await ctx.services.config.clearRecordingOverrides(ctx.db, recordingId.id);
      return ctx.db.recording.findUniqueOrThrow({ ...query, where: { id: recording.id } });
    },
  }),
}));

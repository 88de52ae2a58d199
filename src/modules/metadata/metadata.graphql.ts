import { builder } from '../../graphql/builder.js';
import { NotFoundError } from '../../lib/errors.js';
import { PublishPlatformEnum, OutputPresetNode } from '../presets/presets.graphql.js';
import { RecordingNode } from '../recordings/recordings.graphql.js';
import { TemplateNode } from '../templates/templates.graphql.js';
import type { RenderedMetadata } from './metadata.service.js';

const RenderPreviewRef = builder.objectRef<RenderedMetadata>('RenderPreview').implement({
  description: 'Title, description and paths as they would be published, platform limits applied.',
  fields: (t) => ({
    platform: t.field({ type: PublishPlatformEnum, nullable: true, resolve: (r) => r.platform }),
    title: t.exposeString('title'),
    description: t.exposeString('description'),
    folderPath: t.exposeString('folderPath', { nullable: true, description: 'Yandex Disk / export folder' }),
    filename: t.exposeString('filename', { nullable: true }),
    titleTemplate: t.exposeString('titleTemplate', { description: 'The template the title came from' }),
    descriptionTemplate: t.exposeString('descriptionTemplate', { nullable: true, description: 'Null: summary, topics and questions' }),
    titleTruncated: t.exposeBoolean('titleTruncated'),
    descriptionTruncated: t.exposeBoolean('descriptionTruncated'),
    settings: t.field({ type: 'JSON', description: 'The merged platform settings', resolve: (r) => r.settings }),
    sample: t.exposeBoolean('sample', { description: 'Rendered from sample data, not a recording' }),
  }),
});

const RenderPreviewInput = builder.inputType('RenderPreviewInput', {
  fields: (t) => ({
    recordingId: t.globalID({ for: RecordingNode, description: 'Render for this recording; sample data without' }),
    templateId: t.globalID({ for: TemplateNode, description: 'A template applied on top (as at a run)' }),
    presetId: t.globalID({ for: OutputPresetNode, description: 'The preset whose settings and platform apply' }),
    platform: t.field({ type: PublishPlatformEnum, description: 'Platform limits and block to use when no preset is given' }),
    metadataConfig: t.field({ type: 'JSON', description: 'Metadata to try on top, e.g. a title template being edited' }),
  }),
});

builder.mutationFields((t) => ({
  renderPreview: t.field({
    type: RenderPreviewRef,
    authScopes: { authenticated: true },
    description: 'Renders metadata without saving anything; invalid templates answer ValidationError with the reason.',
    args: { input: t.arg({ type: RenderPreviewInput, required: true }) },
    errors: { types: [NotFoundError] },
    resolve: (_root, { input }, ctx) =>
      ctx.services.metadata.renderPreview(ctx.db, {
        recordingId: input.recordingId?.id,
        templateId: input.templateId?.id,
        presetId: input.presetId?.id,
        platform: input.platform,
        metadataConfig: input.metadataConfig,
      }),
  }),
}));

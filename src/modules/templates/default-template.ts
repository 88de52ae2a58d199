import type { Prisma } from '../../generated/prisma/client.js';

// The settings every tenant starts from (the lowest configuration layer). Values follow the original
// product's defaults (inventory §2, §5, §6); templates and overrides change them per recording.

export const DEFAULT_TEMPLATE_NAME = 'Default';

export const defaultProcessingConfig = {
  trimming: {
    enabled: true,
    mode: 'edges',
    silenceThresholdDb: -40,
    minSilenceSeconds: 2,
    paddingBeforeSeconds: 5,
    paddingAfterSeconds: 5,
  },
  transcription: { enabled: true, language: 'auto', vocabulary: [], allowErrors: false },
  topics: { enabled: true, granularity: 'long', questionsCount: 3 },
  subtitles: { enabled: true, formats: ['srt', 'vtt'] },
  poster: { enabled: true },
} satisfies Prisma.InputJsonObject;

export const defaultMetadataConfig = {
  titleTemplate: '{{ display_name }}',
  descriptionTemplate: '{{ summary }}\n\n{{ topics }}',
  topicsDisplay: { enabled: true, format: 'numbered_list', showTimestamps: true, prefix: '', separator: '\n' },
  questionsDisplay: { enabled: false, format: 'numbered_list', prefix: '', separator: '\n' },
} satisfies Prisma.InputJsonObject;

export const defaultOutputConfig = { presetIds: [], autoUpload: false } satisfies Prisma.InputJsonObject;

export function defaultTemplateData(tenantId: string): Prisma.TemplateUncheckedCreateInput {
  return {
    tenantId,
    name: DEFAULT_TEMPLATE_NAME,
    description: 'Settings every recording starts from. Cannot be deleted.',
    isDefault: true,
    matchingRules: {},
    processingConfig: defaultProcessingConfig,
    metadataConfig: defaultMetadataConfig,
    outputConfig: defaultOutputConfig,
  };
}

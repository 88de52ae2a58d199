import type { Prisma } from '../../generated/prisma/client.js';
import { outputConfigSchema, processingConfigSchema } from '../config/config-schemas.js';

// The settings every tenant starts from (the lowest configuration layer). Processing and output are
// the schema defaults, written out so a tenant sees and edits them; they follow the original's
// defaults (inventory §2, §5, §6). Metadata sets only the display formats: title and description
// templates are left to output presets and named templates (rendering falls back to the display
// name and to summary + topics + questions).

export const DEFAULT_TEMPLATE_NAME = 'Default';

export const defaultProcessingConfig = processingConfigSchema.parse({}) satisfies Prisma.InputJsonObject;

export const defaultMetadataConfig = {
  topicsDisplay: { enabled: true, format: 'numbered_list', showTimestamps: true },
  questionsDisplay: { enabled: false, format: 'numbered_list' },
} satisfies Prisma.InputJsonObject;

export const defaultOutputConfig = outputConfigSchema.parse({}) satisfies Prisma.InputJsonObject;

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

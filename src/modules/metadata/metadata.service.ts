import type { OutputPreset } from '../../generated/prisma/client.js';
import type { PublishPlatform } from '../../generated/prisma/enums.js';
import type { TenantDb } from '../../lib/db.js';
import { NotFoundError, ValidationError } from '../../lib/errors.js';
import { isRowId } from '../auth/auth.service.js';
import type { ConfigLayer, ConfigService } from '../config/config.service.js';
import { issuesOf } from '../config/config-validation.js';
import { isPlainObject, mergeLayers, type JsonObject } from '../config/merge.js';
import { isSupportedPlatform, PLATFORM_BLOCK_KEYS, PLATFORMS } from '../presets/preset-schemas.js';
import type { DisplayLayer, TopicItem } from './display.js';
import { renderTemplate } from './liquid.js';
import { applyPlatformLimits } from './platform-limits.js';
import { buildContext, SAMPLE_FACTS, type RecordingFacts } from './variables.js';

// Upload metadata (SPEC §6 PUBLISH, §8): which settings a recording publishes with on one output
// preset, and the title, description and paths rendered from them.
//
// Layers, lowest first: Default template → output preset → bound template → runtime template →
// recording overrides → request overrides. Within a template layer the platform's block beats the
// `common` block, which beats top-level keys. The preset sits above the Default template on
// purpose: in the original the Default template's title and display settings overrode every
// preset's, so presets could never set their own title template.

export const DEFAULT_TITLE_TEMPLATE = '{{ display_name }}';

export interface RenderedMetadata {
  platform: PublishPlatform | null;
  presetId: string | null;
  /** The platform settings after every layer, platform defaults filled in. */
  settings: JsonObject;
  titleTemplate: string;
  descriptionTemplate: string | null;
  title: string;
  description: string;
  folderPath: string | null;
  filename: string | null;
  titleTruncated: boolean;
  descriptionTruncated: boolean;
  /** True when rendered from sample data rather than a recording. */
  sample: boolean;
}

export interface RenderPreviewInput {
  recordingId?: string | null;
  templateId?: string | null;
  presetId?: string | null;
  platform?: PublishPlatform | null;
  /** Metadata to try on top of everything else, e.g. a title template being edited. */
  metadataConfig?: unknown;
}

/** The view of one metadata layer for a platform: top-level keys ← `common` ← the platform block. */
export function platformView(metadata: JsonObject, platform: PublishPlatform | null): JsonObject {
  const common = Object.fromEntries(Object.entries(metadata).filter(([key]) => !(PLATFORM_BLOCK_KEYS as readonly string[]).includes(key)));
  const block = platform && isSupportedPlatform(platform) ? metadata[PLATFORMS[platform].blockKey] : undefined;
  const asObject = (value: unknown) => (isPlainObject(value) ? value : {});
  return mergeLayers([common, asObject(metadata.common), asObject(block)]);
}

export class MetadataService {
  constructor(
    private readonly config: ConfigService,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** What one recording publishes with on one preset (used by the publish stage). */
  async resolveUploadMetadata(db: TenantDb, recordingId: string, presetId: string, overrides?: unknown): Promise<RenderedMetadata> {
    return this.renderPreview(db, { recordingId, presetId, metadataConfig: undefined }, overrides);
  }

  async renderPreview(db: TenantDb, input: RenderPreviewInput, overrides?: unknown): Promise<RenderedMetadata> {
    const preset = input.presetId ? await this.findPreset(db, input.presetId) : null;
    const platform = preset?.platform ?? input.platform ?? null;
    if (platform && !isSupportedPlatform(platform)) throw ValidationError.field('platform', 'Publishing to this platform is not supported yet');
    const requestOverrides = input.metadataConfig != null ? { ...(isPlainObject(overrides) ? overrides : {}), metadataConfig: input.metadataConfig } : overrides;
    const resolved = await this.config.resolve(db, { recordingId: input.recordingId, templateId: input.templateId, overrides: requestOverrides });
    const settings = this.settingsFor(resolved.layers, preset, platform);
    const facts = input.recordingId ? await this.recordingFacts(db, input.recordingId) : SAMPLE_FACTS;
    const timezone = (await db.tenant.findFirst({ select: { timezone: true } }))?.timezone ?? 'UTC';
    return { ...this.render(settings, facts, platform, timezone), presetId: preset?.id ?? null, sample: !input.recordingId };
  }

  private settingsFor(layers: ConfigLayer[], preset: OutputPreset | null, platform: PublishPlatform | null): JsonObject {
    const views = layers.map((layer) => platformView(layer.metadataConfig, platform));
    if (preset && isPlainObject(preset.metadata)) {
      const aboveDefault = layers[0]?.source === 'DEFAULT_TEMPLATE' ? 1 : 0;
      views.splice(aboveDefault, 0, preset.metadata);
    }
    const merged = mergeLayers(views);
    if (!platform || !isSupportedPlatform(platform)) return merged;
    const parsed = PLATFORMS[platform].schema.safeParse(merged);
    if (!parsed.success) throw new ValidationError('The merged metadata is invalid for this platform', issuesOf(parsed.error, 'metadata'));
    const settings: JsonObject = parsed.data;
    // YouTube keeps scheduled videos private until publishAt.
    if (platform === 'YOUTUBE' && settings.publishAt) settings.privacy = 'private';
    return settings;
  }

  private render(settings: JsonObject, facts: RecordingFacts, platform: PublishPlatform | null, timezone: string) {
    const context = buildContext(facts, {
      timezone,
      now: this.now(),
      topicsDisplay: settings.topicsDisplay as DisplayLayer | undefined,
      questionsDisplay: settings.questionsDisplay as DisplayLayer | undefined,
    });
    const template = (key: string) => (typeof settings[key] === 'string' && (settings[key] as string).trim() ? (settings[key] as string) : null);
    const run = (key: string, source: string) => {
      try {
        return renderTemplate(source, context, timezone).trim();
      } catch (error) {
        throw ValidationError.field(`metadata.${key}`, `Invalid template: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
      }
    };
    const titleTemplate = template('titleTemplate') ?? DEFAULT_TITLE_TEMPLATE;
    const title = run('titleTemplate', titleTemplate) || facts.displayName;
    context.title = title;
    const descriptionTemplate = template('descriptionTemplate');
    // Without a description template: the summary, topics and questions that exist, in that order.
    const description = descriptionTemplate
      ? run('descriptionTemplate', descriptionTemplate)
      : [context.summary, context.topics, context.questions].filter((part) => String(part).trim()).join('\n\n');
    const folderTemplate = template('folderPathTemplate');
    const filenameTemplate = template('filenameTemplate');
    const limited = applyPlatformLimits(platform, { title, description });
    return {
      platform,
      settings,
      titleTemplate,
      descriptionTemplate,
      ...limited,
      folderPath: folderTemplate ? run('folderPathTemplate', folderTemplate) : null,
      filename: filenameTemplate ? run('filenameTemplate', filenameTemplate).replaceAll('/', '_') : null,
    };
  }

  /** Name, times and the active topic version of a recording. */
  async recordingFacts(db: TenantDb, recordingId: string): Promise<RecordingFacts> {
    const recording = isRowId(recordingId)
      ? await db.recording.findUnique({
          where: { id: recordingId },
          include: { inputSource: { select: { name: true } }, topicVersions: { where: { isActive: true }, orderBy: { version: 'desc' }, take: 1 } },
        })
      : null;
    if (!recording) throw new NotFoundError('Recording');
    const version = recording.topicVersions[0];
    return {
      id: recording.id,
      displayName: recording.displayName,
      startTime: recording.startTime,
      durationSec: recording.trimmedDurationSec ?? recording.durationSec,
      sourceName: recording.inputSource?.name ?? null,
      summary: version?.summary ?? '',
      mainTopics: version?.mainTopic ? [version.mainTopic] : [],
      topics: topicItems(version?.topics),
      questions: Array.isArray(version?.questions) ? version.questions.filter((q): q is string => typeof q === 'string') : [],
    };
  }

  private async findPreset(db: TenantDb, id: string): Promise<OutputPreset> {
    const preset = isRowId(id) ? await db.outputPreset.findUnique({ where: { id } }) : null;
    if (!preset) throw new NotFoundError('OutputPreset');
    return preset;
  }
}

/** Topics as stored by the topics stage: `[{ title, start, end }]`. */
function topicItems(stored: unknown): TopicItem[] {
  if (!Array.isArray(stored)) return [];
  return stored.flatMap((item): TopicItem[] => {
    if (typeof item === 'string') return [{ title: item, start: null }];
    if (!isPlainObject(item)) return [];
    const title = typeof item.title === 'string' ? item.title : typeof item.topic === 'string' ? item.topic : '';
    return title ? [{ title, start: typeof item.start === 'number' ? item.start : null }] : [];
  });
}

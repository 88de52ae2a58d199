import { z } from 'zod';
import { displayLayerSchema } from '../metadata/display.js';
import {
  commonMetadataShape,
  googleDrivePresetSchema,
  s3ExportPresetSchema,
  vkPresetSchema,
  yandexDiskPresetSchema,
  youtubePresetSchema,
} from '../presets/preset-schemas.js';
import { layerOf, type Layer } from './layer-schema.js';

// The three configuration sections a template (or an override) carries. The processing and output
// schemas are complete with defaults: parsing the merged layers fills whatever no layer set, so
// the pipeline always gets a whole configuration. Templates store layers (`*LayerSchema`).

export const processingConfigSchema = z
  .object({
    trimming: z
      .object({
        enabled: z.boolean().default(true),
        /** `edges` keeps first sound − padding … last sound + padding; `pauses` also cuts inner pauses. */
        mode: z.enum(['edges', 'pauses']).default('edges'),
        silenceThresholdDb: z.number().min(-100).max(0).default(-40),
        minSilenceSeconds: z.number().positive().max(600).default(2),
        paddingBeforeSeconds: z.number().min(0).max(600).default(5),
        paddingAfterSeconds: z.number().min(0).max(600).default(5),
        pausePreset: z.enum(['lecture', 'tight']).default('lecture'),
      })
      .strict()
      .prefault({}),
    transcription: z
      .object({
        enabled: z.boolean().default(true),
        language: z.enum(['auto', 'ru', 'en']).default('auto'),
        vocabulary: z.array(z.string().trim().min(1).max(100)).max(50).default([]),
        allowErrors: z.boolean().default(false),
        provider: z.string().min(1).max(100).optional(),
        model: z.string().min(1).max(200).optional(),
        /** Upload limit per request (bytes); bigger audio is split at silences. Default: the provider's. */
        chunkMaxBytes: z.number().int().min(16 * 1024).optional(),
      })
      .strict()
      .prefault({}),
    topics: z
      .object({
        enabled: z.boolean().default(true),
        granularity: z.enum(['short', 'medium', 'long']).default('long'),
        questionsCount: z.number().int().min(1).max(10).default(3),
        provider: z.string().min(1).max(100).optional(),
        model: z.string().min(1).max(200).optional(),
      })
      .strict()
      .prefault({}),
    subtitles: z
      .object({
        enabled: z.boolean().default(true),
        formats: z.array(z.enum(['srt', 'vtt'])).min(1).default(['srt', 'vtt']),
      })
      .strict()
      .prefault({}),
    poster: z.object({ enabled: z.boolean().default(true) }).strict().prefault({}),
  })
  .strict();

const presetIdsSchema = z
  .array(z.string())
  .max(10, 'At most 10 output presets')
  .refine((ids) => new Set(ids).size === ids.length, 'Output presets must not repeat');

export const outputConfigSchema = z
  .object({
    /** Output presets (ids) the recording publishes to. */
    presetIds: presetIdsSchema.default([]),
    /** Publish as soon as processing finishes. */
    autoUpload: z.boolean().default(false),
    uploadCaptions: z.boolean().default(true),
  })
  .strict();

const commonMetadataLayer = z.object(commonMetadataShape).partial().strict();

/**
 * Metadata stays a layer even when resolved: output presets sit between the Default template and
 * the recording's templates (see resolveUploadMetadata), so there are no defaults to fill here.
 */
export const metadataLayerSchema = z
  .object({
    titleTemplate: z.string().max(500).nullish(),
    descriptionTemplate: z.string().max(5000).nullish(),
    topicsDisplay: displayLayerSchema.nullish(),
    questionsDisplay: displayLayerSchema.nullish(),
    thumbnailName: z.string().max(100).nullish(),
    common: commonMetadataLayer.nullish(),
    youtube: layerOf(youtubePresetSchema).nullish(),
    vk: layerOf(vkPresetSchema).nullish(),
    yandexDisk: layerOf(yandexDiskPresetSchema).nullish(),
    s3Export: layerOf(s3ExportPresetSchema).nullish(),
    googleDrive: layerOf(googleDrivePresetSchema).nullish(),
  })
  .strict();

export type ProcessingConfig = z.output<typeof processingConfigSchema>;
export type OutputConfig = z.output<typeof outputConfigSchema>;
export type MetadataLayer = z.output<typeof metadataLayerSchema>;
export type ProcessingLayer = Layer<ProcessingConfig>;
export type OutputLayer = Layer<OutputConfig>;

export const processingLayerSchema = layerOf(processingConfigSchema);
export const outputLayerSchema = layerOf(outputConfigSchema);

/** Per-recording and per-request overrides: any subset of the three sections. */
export const configOverridesSchema = z
  .object({
    processingConfig: processingLayerSchema.nullish(),
    metadataConfig: metadataLayerSchema.nullish(),
    outputConfig: outputLayerSchema.nullish(),
  })
  .strict();
export type ConfigOverrides = z.output<typeof configOverridesSchema>;

export const CONFIG_SECTIONS = ['processingConfig', 'metadataConfig', 'outputConfig'] as const;
export type ConfigSection = (typeof CONFIG_SECTIONS)[number];

import { z } from 'zod';
import type { CredentialPlatform, PublishPlatform } from '../../generated/prisma/enums.js';
import { displayLayerSchema } from '../metadata/display.js';

// What an output preset stores per platform (inventory §7). Parsing fills the platform defaults,
// so a saved preset always says explicitly what it will do. Title and description templates are
// Liquid (or the legacy `{name}` short form) and are checked separately on save.

/** Keys every platform shares; also the template-level ("common") metadata keys. */
export const commonMetadataShape = {
  titleTemplate: z.string().max(500).optional(),
  descriptionTemplate: z.string().max(5000).optional(),
  topicsDisplay: displayLayerSchema.optional(),
  questionsDisplay: displayLayerSchema.optional(),
  thumbnailName: z.string().max(100).optional(),
};

export const youtubePresetSchema = z
  .object({
    ...commonMetadataShape,
    privacy: z.enum(['public', 'private', 'unlisted']).default('unlisted'),
    madeForKids: z.boolean().default(false),
    embeddable: z.boolean().default(true),
    categoryId: z.string().regex(/^[1-9]\d*$/, 'A numeric YouTube category id').default('27'),
    license: z.enum(['youtube', 'creativeCommon']).default('youtube'),
    defaultLanguage: z.string().regex(/^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/, 'A language code such as ru or en-US').optional(),
    playlistId: z.string().min(1).max(100).optional(),
    tags: z.array(z.string().trim().min(1).max(100)).max(500).default([]),
    /** Scheduled publication; YouTube requires such videos to stay private until then. */
    publishAt: z.iso.datetime({ offset: true }).optional(),
    disableComments: z.boolean().optional(),
    ratingDisabled: z.boolean().optional(),
    notifySubscribers: z.boolean().default(true),
    publicStatsViewable: z.boolean().optional(),
  })
  .strict();

/** VK privacy levels: 0 everyone, 1 friends, 2 friends of friends, 3 only me. */
const vkPrivacy = z.number().int().min(0).max(3);

export const vkPresetSchema = z
  .object({
    ...commonMetadataShape,
    privacyView: vkPrivacy.default(0),
    privacyComment: vkPrivacy.default(0),
    groupId: z.number().int().positive().optional(),
    albumId: z.number().int().positive().optional(),
    disableComments: z.boolean().default(false),
    repeat: z.boolean().default(false),
    compression: z.boolean().default(false),
    wallpost: z.boolean().default(false),
  })
  .strict();

export const yandexDiskPresetSchema = z
  .object({
    ...commonMetadataShape,
    folderPathTemplate: z.string().trim().min(1).max(1000).default('/Video/Uploads'),
    /** Named after the recording by default (the original used the temp file's name). */
    filenameTemplate: z.string().trim().min(1).max(500).default('{{ display_name }}'),
    overwrite: z.boolean().default(false),
    publish: z.boolean().default(false),
    sidecars: z
      .object({
        srt: z.boolean().default(false),
        vtt: z.boolean().default(false),
        transcript: z.boolean().default(false),
        description: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export const googleDrivePresetSchema = z
  .object({
    ...commonMetadataShape,
    /** The folder the path starts from: `root` (My Drive) or a folder id (also in a shared drive). */
    rootFolderId: z.string().regex(/^(root|[\w-]{10,200})$/, 'root or a Google Drive folder id').default('root'),
    /** Folder names under the root, created when missing (found by name within their parent). */
    folderPathTemplate: z.string().trim().min(1).max(1000).default('/Video/Uploads'),
    filenameTemplate: z.string().trim().min(1).max(500).default('{{ display_name }}'),
    sidecars: z
      .object({
        srt: z.boolean().default(false),
        vtt: z.boolean().default(false),
        transcript: z.boolean().default(false),
        description: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
  })
  .strict();

/** An export package: to an S3 bucket with an S3 credential, or to LEAP's own storage without one. */
export const s3ExportPresetSchema = z
  .object({
    ...commonMetadataShape,
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'A valid S3 bucket name').optional(),
    folderPathTemplate: z.string().trim().min(1).max(1000).default('exports/{{ record_date_iso }}/{{ display_name }}'),
    include: z
      .object({
        video: z.boolean().default(true),
        subtitles: z.boolean().default(true),
        transcript: z.boolean().default(true),
        topics: z.boolean().default(true),
        description: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type YoutubePresetMetadata = z.output<typeof youtubePresetSchema>;
export type VkPresetMetadata = z.output<typeof vkPresetSchema>;
export type YandexDiskPresetMetadata = z.output<typeof yandexDiskPresetSchema>;
export type S3ExportPresetMetadata = z.output<typeof s3ExportPresetSchema>;
export type GoogleDrivePresetMetadata = z.output<typeof googleDrivePresetSchema>;

export type SupportedPlatform = PublishPlatform;

export function isSupportedPlatform(platform: PublishPlatform): platform is SupportedPlatform {
  return platform in PLATFORMS;
}

export interface PlatformSpec {
  schema: typeof youtubePresetSchema | typeof vkPresetSchema | typeof yandexDiskPresetSchema | typeof s3ExportPresetSchema | typeof googleDrivePresetSchema;
  /** Key of the platform's block in a template's metadata config. */
  blockKey: 'youtube' | 'vk' | 'yandexDisk' | 's3Export' | 'googleDrive';
  /** Credential platform a preset of this platform publishes with. */
  credentialPlatform: CredentialPlatform;
  /** Without a credential the preset cannot publish (S3 export falls back to LEAP's storage). */
  credentialRequired: boolean;
}

export const PLATFORMS: Record<SupportedPlatform, PlatformSpec> = {
  YOUTUBE: { schema: youtubePresetSchema, blockKey: 'youtube', credentialPlatform: 'YOUTUBE', credentialRequired: true },
  VK: { schema: vkPresetSchema, blockKey: 'vk', credentialPlatform: 'VK_VIDEO', credentialRequired: true },
  YANDEX_DISK: { schema: yandexDiskPresetSchema, blockKey: 'yandexDisk', credentialPlatform: 'YANDEX_DISK', credentialRequired: true },
  S3_EXPORT: { schema: s3ExportPresetSchema, blockKey: 's3Export', credentialPlatform: 'S3', credentialRequired: false },
  GOOGLE_DRIVE: { schema: googleDrivePresetSchema, blockKey: 'googleDrive', credentialPlatform: 'GOOGLE_DRIVE', credentialRequired: true },
};

export const PLATFORM_BLOCK_KEYS = ['youtube', 'vk', 'yandexDisk', 's3Export', 'googleDrive', 'common'] as const;

import { z } from 'zod';
import type { SourceType } from '../../generated/prisma/enums.js';
import { ValidationError } from '../../lib/errors.js';
import { URL_QUALITIES } from '../../platforms/yt-dlp/yt-dlp.js';
import { issuesOf } from '../config/config-validation.js';
import { patternProblem } from '../templates/template-schemas.js';

// `InputSource.config` per source type, checked on save. Accounts are never in here: a source that
// needs one names it by `credentialId` (a column), and the credentials module holds the secret.

const zoomConfig = z
  .object({
    /** Whose recordings: `me` (the account's user) or a user id / email (master accounts). */
    userId: z.string().trim().min(1).max(255).default('me'),
  })
  .strict();

/** Case-insensitive regular expression on file names. */
const filePattern = z
  .string()
  .max(300)
  .optional()
  .superRefine((pattern, ctx) => {
    const problem = pattern ? patternProblem(pattern, false) : null;
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const yandexDiskConfig = z
  .object({
    /** A public link (https://disk.yandex.ru/d/…) or its public key; needs no account. */
    publicUrl: z.string().trim().min(1).max(2000).optional(),
    /** A folder of the connected account, e.g. `disk:/Lectures` or `/Lectures`. */
    folderPath: z.string().trim().min(1).max(2000).optional(),
    recursive: z.boolean().default(true),
    filePattern,
  })
  .strict()
  .refine((c) => (c.publicUrl ? 1 : 0) + (c.folderPath ? 1 : 0) === 1, { message: 'Give either publicUrl or folderPath', path: ['publicUrl'] });

/** A MIME type or a family of them (`video/*`). */
const mimeFilter = z.string().trim().regex(/^[a-z]+\/(\*|[\w.+-]+)$/, 'A MIME type such as video/* or video/mp4');

const googleDriveConfig = z
  .object({
    /** The watched folder: its id (the last part of its address) or `root` for My Drive. */
    folderId: z.string().trim().regex(/^(root|[\w-]{10,200})$/, 'A Google Drive folder id or root'),
    /** Also the folders inside it (each costs one listing per sync). */
    recursive: z.boolean().default(false),
    filePattern,
    /** Files whose MIME type matches one of these; the media extensions LEAP accepts apply on top. */
    mimeTypes: z.array(mimeFilter).min(1).max(20).default(['video/*']),
  })
  .strict();

const urlConfig = z
  .object({
    url: z.string().trim().min(1).max(2000),
    quality: z.enum(URL_QUALITIES).default('BEST'),
  })
  .strict();

export type ZoomSourceConfig = z.infer<typeof zoomConfig>;
export type YandexDiskSourceConfig = z.infer<typeof yandexDiskConfig>;
export type GoogleDriveSourceConfig = z.infer<typeof googleDriveConfig>;
export type UrlSourceConfig = z.infer<typeof urlConfig>;

export type SourceConfig =
  | { type: 'ZOOM'; config: ZoomSourceConfig }
  | { type: 'YANDEX_DISK'; config: YandexDiskSourceConfig }
  | { type: 'GOOGLE_DRIVE'; config: GoogleDriveSourceConfig }
  | { type: 'URL'; config: UrlSourceConfig };

/** Source types a user can create; LOCAL recordings come from uploads. */
export const SYNCABLE_TYPES = ['ZOOM', 'YANDEX_DISK', 'GOOGLE_DRIVE', 'URL'] as const;

/** Validates `raw` for `type` (defaults filled in), or throws a ValidationError with field paths. */
export function parseSourceConfig(type: SourceType, raw: unknown): SourceConfig {
  const value = raw ?? {};
  switch (type) {
    case 'ZOOM':
      return { type, config: parseWith(zoomConfig, value) };
    case 'YANDEX_DISK':
      return { type, config: parseWith(yandexDiskConfig, value) };
    case 'GOOGLE_DRIVE':
      return { type, config: parseWith(googleDriveConfig, value) };
    case 'URL':
      return { type, config: parseWith(urlConfig, value) };
    default:
      throw ValidationError.field('type', `Sources of type ${type} cannot be created; upload LOCAL recordings instead`);
  }
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ValidationError('The source configuration is invalid', issuesOf(parsed.error, 'config'));
  return parsed.data;
}

/** Whether the source needs a connected account of the platform to sync. */
export function needsCredential(source: SourceConfig): boolean {
  return source.type === 'ZOOM' || source.type === 'GOOGLE_DRIVE' || (source.type === 'YANDEX_DISK' && !source.config.publicUrl);
}

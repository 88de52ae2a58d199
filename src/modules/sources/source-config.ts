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

const yandexDiskConfig = z
  .object({
    /** A public link (https://disk.yandex.ru/d/…) or its public key; needs no account. */
    publicUrl: z.string().trim().min(1).max(2000).optional(),
    /** A folder of the connected account, e.g. `disk:/Lectures` or `/Lectures`. */
    folderPath: z.string().trim().min(1).max(2000).optional(),
    recursive: z.boolean().default(true),
    /** Case-insensitive regular expression on file names. */
    filePattern: z
      .string()
      .max(300)
      .optional()
      .superRefine((pattern, ctx) => {
        const problem = pattern ? patternProblem(pattern, false) : null;
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
  })
  .strict()
  .refine((c) => (c.publicUrl ? 1 : 0) + (c.folderPath ? 1 : 0) === 1, { message: 'Give either publicUrl or folderPath', path: ['publicUrl'] });

const urlConfig = z
  .object({
    url: z.string().trim().min(1).max(2000),
    quality: z.enum(URL_QUALITIES).default('BEST'),
  })
  .strict();

export type ZoomSourceConfig = z.infer<typeof zoomConfig>;
export type YandexDiskSourceConfig = z.infer<typeof yandexDiskConfig>;
export type UrlSourceConfig = z.infer<typeof urlConfig>;

export type SourceConfig =
  | { type: 'ZOOM'; config: ZoomSourceConfig }
  | { type: 'YANDEX_DISK'; config: YandexDiskSourceConfig }
  | { type: 'URL'; config: UrlSourceConfig };

/** Source types a user can create; LOCAL recordings come from uploads, Google Drive is not built. */
export const SYNCABLE_TYPES = ['ZOOM', 'YANDEX_DISK', 'URL'] as const;

/** Validates `raw` for `type` (defaults filled in), or throws a ValidationError with field paths. */
export function parseSourceConfig(type: SourceType, raw: unknown): SourceConfig {
  const value = raw ?? {};
  switch (type) {
    case 'ZOOM':
      return { type, config: parseWith(zoomConfig, value) };
    case 'YANDEX_DISK':
      return { type, config: parseWith(yandexDiskConfig, value) };
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
  return source.type === 'ZOOM' || (source.type === 'YANDEX_DISK' && !source.config.publicUrl);
}

import type { Readable } from 'node:stream';
import type { PublishPlatform } from '../generated/prisma/enums.js';
import type { JsonObject } from '../modules/config/merge.js';
import type { CredentialSecret } from '../modules/credentials/secret-schemas.js';

// One interface for every publishing adapter (SPEC §6 PUBLISH). The publishing service gathers the
// facts, files and rendered metadata; an adapter only talks to its platform.

export interface Chapter {
  /** Seconds from the start of the published video. */
  start: number;
  title: string;
}

/** A file of the recording in LEAP storage. */
export interface PublishFile {
  key: string;
  sizeBytes: number;
  contentType: string;
  /** Name to give the file on the platform (rendered, never a temp name). */
  fileName: string;
}

export interface PublishFiles {
  video: PublishFile;
  subtitlesSrt: PublishFile | null;
  subtitlesVtt: PublishFile | null;
  transcript: PublishFile | null;
  topics: PublishFile | null;
  poster: PublishFile | null;
  /** The image named by the `thumbnailName` setting (the workspace's, else the shared default). */
  thumbnail: PublishFile | null;
}

/** The video's thumbnail: the named one, else the poster frame. */
export const thumbnailOf = (files: PublishFiles): PublishFile | null => files.thumbnail ?? files.poster;

export interface PublishMetadata {
  title: string;
  description: string;
  /** Platform settings after every layer (the preset's schema, defaults filled in). */
  settings: JsonObject;
  folderPath: string | null;
  filename: string | null;
}

export interface PublishContext {
  tenantId: string;
  recording: { id: string; displayName: string; durationSec: number | null; language: string | null };
  target: { id: string; presetId: string | null; meta: JsonObject };
  credentialId: string | null;
  metadata: PublishMetadata;
  chapters: Chapter[];
  files: PublishFiles;
  /** Streams a stored file (optionally a byte range, inclusive). */
  open(file: PublishFile, range?: { start: number; end: number }): Promise<Readable>;
  /** The decrypted secret of the target's credential (S3 keys, the OAuth client of a quota project …). */
  secret(): Promise<CredentialSecret | null>;
  /** A bearer token of the target's credential; `forceRefresh` after the platform answered 401. */
  accessToken(options?: { forceRefresh?: boolean }): Promise<string>;
  /** Persists adapter state into target.meta right away (e.g. a resumable session), for a retry to continue. */
  checkpoint(meta: JsonObject): Promise<void>;
  onProgress(fraction: number, message?: string): void;
}

export interface PublishResult {
  remoteId: string;
  url: string;
  /** Kept in target.meta (playlist, captions, thumbnail flags, paths …). */
  meta: JsonObject;
}

export interface Publisher {
  readonly platform: PublishPlatform;
  publish(context: PublishContext): Promise<PublishResult>;
  /** Rewrites title/description (and captions where the platform has them) of an existing upload. */
  updateMetadata(context: PublishContext, remoteId: string): Promise<JsonObject>;
}

/** The platform's quota is used up: try again after `retryAt` instead of failing. */
export class PublishDeferredError extends Error {
  constructor(
    readonly retryAt: Date,
    message: string,
  ) {
    super(message);
    this.name = 'PublishDeferredError';
  }
}

/** The platform refused the token (HTTP 401 or its own auth error code). */
export class PlatformUnauthorizedError extends Error {
  constructor(message = 'the platform refused the access token') {
    super(message);
    this.name = 'PlatformUnauthorizedError';
  }
}

/**
 * Runs `call` with the credential's token; after one PlatformUnauthorizedError it forces a token
 * renewal and tries once more. A second refusal means the account must be reconnected.
 */
export async function withFreshToken<T>(
  context: Pick<PublishContext, 'accessToken' | 'credentialId'>,
  call: (token: string) => Promise<T>,
  onRefused: (error: PlatformUnauthorizedError) => Error,
): Promise<T> {
  try {
    return await call(await context.accessToken());
  } catch (error) {
    if (!(error instanceof PlatformUnauthorizedError)) throw error;
  }
  try {
    return await call(await context.accessToken({ forceRefresh: true }));
  } catch (error) {
    if (error instanceof PlatformUnauthorizedError) throw onRefused(error);
    throw error;
  }
}

import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Where files live. Keys are the same on every backend (SPEC §7):
 *   tenants/{tenantId}/recordings/{recordingId}/{source.<ext>, video.<ext>, audio.ogg, poster.jpg, edl.json, …}
 *   tenants/{tenantId}/thumbnails/…, shared/thumbnails/…
 * Bodies are always streams: nothing here holds a whole file in memory.
 */
export interface StorageBackend {
  readonly kind: 'local' | 's3';
  put(key: string, body: Readable, options?: PutOptions): Promise<{ sizeBytes: number }>;
  /** Stores a local file (S3: multipart upload above the part size). */
  putFile(key: string, file: string, options?: PutOptions): Promise<{ sizeBytes: number }>;
  /** Throws NotFoundError('File') for a missing key. `range` is inclusive, as in HTTP. */
  get(key: string, range?: ByteRange): Promise<Readable>;
  getToFile(key: string, file: string): Promise<{ sizeBytes: number }>;
  stat(key: string): Promise<{ sizeBytes: number } | null>;
  exists(key: string): Promise<boolean>;
  /** Every object whose key starts with `prefix` (a folder: end it with `/`). */
  list(prefix: string): Promise<StoredObject[]>;
  delete(key: string): Promise<void>;
  /** Deletes every object whose key starts with `prefix`; returns the number of bytes freed. */
  deletePrefix(prefix: string): Promise<number>;
  /**
   * A time-limited GET URL: presigned for S3; for LOCAL a URL the API serves itself (GET /files/…),
   * root-relative unless PUBLIC_URL is configured.
   */
  downloadUrl(key: string, options?: { expiresInSeconds?: number; fileName?: string }): Promise<DownloadUrl>;
}

export interface PutOptions {
  contentType?: string;
}

export interface ByteRange {
  start: number;
  /** Inclusive; to the end of the object when omitted. */
  end?: number;
}

export interface StoredObject {
  key: string;
  sizeBytes: number;
}

export interface DownloadUrl {
  url: string;
  expiresAt: Date;
}

export const tenantPrefix = (tenantId: string) => `tenants/${tenantId}/`;
export const recordingPrefix = (tenantId: string, recordingId: string) => `${tenantPrefix(tenantId)}recordings/${recordingId}/`;
/** `name` is a fixed file name such as `source.mp4` or `edl.json`, never anything a user typed. */
export const recordingFileKey = (tenantId: string, recordingId: string, name: string) => `${recordingPrefix(tenantId, recordingId)}${name}`;

const SAFE_KEY = /^(?:[A-Za-z0-9_-][A-Za-z0-9._-]*\/)*[A-Za-z0-9_-][A-Za-z0-9._-]*\/?$/;

export function isSafeKey(key: string): boolean {
  return key.length <= 1024 && SAFE_KEY.test(key) && !key.split('/').some((part) => part === '..' || part === '.');
}

export function assertSafeKey(key: string): void {
  if (!isSafeKey(key)) throw new Error(`unsafe storage key: ${JSON.stringify(key)}`);
}

/** A prefix must name a folder, so `…/rec-1/` cannot also match `…/rec-10/`. */
export function folderPrefix(prefix: string): string {
  const folder = prefix.endsWith('/') ? prefix : `${prefix}/`;
  assertSafeKey(folder);
  return folder;
}

/** Downloads through `get`, for backends without a faster path. */
export async function streamToFile(body: Readable, file: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  try {
    await pipeline(body, createWriteStream(file));
  } catch (error) {
    await rm(file, { force: true });
    throw error;
  }
}

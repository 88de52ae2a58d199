// The contract every ingest platform adapter (Zoom, Yandex Disk, yt-dlp) implements, and the auth it
// needs. Adapters know their provider's protocol only; rows, dedup and storage are the sources module's.

/** A platform account's bearer token. `refresh` forces a new one (after a 401); absent when it cannot. */
export interface SourceAuth {
  accessToken(): Promise<string>;
  refresh?(): Promise<string>;
}

export interface SyncWindow {
  from: Date;
  to: Date;
}

/** Plain JSON, as stored in `Recording.sourceMeta`. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type SourceMeta = { [key: string]: JsonValue };

/** One recording found at the provider. */
export interface RemoteRecording {
  /** Dedup key, unique per tenant and source type (`Recording.sourceKey`). */
  sourceKey: string;
  /** Other keys the same recording may already be stored under (e.g. Yandex md5+size, path). */
  aliasKeys: string[];
  displayName: string;
  startTime: Date | null;
  durationSec: number | null;
  sizeBytes: number | null;
  /** The provider is still preparing the file: the recording waits in PENDING_SOURCE. */
  processing: boolean;
  /** What `download` needs later plus provider facts worth keeping. Never a secret. */
  meta: SourceMeta;
}

/** Fraction 0…1 of the transfer, with an optional human message. */
export type DownloadProgress = (fraction: number, message?: string) => void;

export interface DownloadedFile {
  path: string;
  /** Lower-case extension of the media (`mp4`, `webm`, `mp3` …), from the provider or the file. */
  extension: string;
}

export interface SourceAdapter {
  list(window: SyncWindow): Promise<RemoteRecording[]>;
  /**
   * Downloads the recording described by `meta` into `workDir` (a folder kept per recording, so a
   * retry resumes a partial file). Throws DomainErrors for failures a retry cannot fix, plain Errors
   * for transient ones.
   */
  download(meta: SourceMeta, workDir: string, onProgress?: DownloadProgress): Promise<DownloadedFile>;
}

export const metaString = (meta: SourceMeta, key: string): string | null => {
  const value = meta[key];
  return typeof value === 'string' && value.length > 0 ? value : null;
};

export const metaNumber = (meta: SourceMeta, key: string): number | null => {
  const value = meta[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
};

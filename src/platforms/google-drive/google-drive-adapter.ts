import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { drive_v3 } from '@googleapis/drive';
import { CredentialError, NotFoundError, ValidationError } from '../../lib/errors.js';
import { isAcceptedExtension } from '../../media/index.js';
import { AuthRejectedError, downloadToFile, throwForStatus, TransientHttpError, withTokenRetry } from '../http.js';
import { metaNumber, metaString, type DownloadedFile, type DownloadProgress, type RemoteRecording, type SourceAdapter, type SourceAuth, type SourceMeta, type SyncWindow } from '../source-adapter.js';
import { callOptions, driveApi, FOLDER_MIME, googleFailure, quoted, RATE_REASONS } from './drive-api.js';

// A watched Google Drive folder: files.list over `'<folder>' in parents` in pages (My Drive and
// shared drives), optionally walking sub-folders; media files are downloaded with files.get
// alt=media, resumed with Range after an interruption and checked against Drive's md5 and size.

export interface GoogleDriveOptions {
  /** Root of the Google APIs (https://www.googleapis.com/). */
  apiRoot: string;
  folderId: string;
  recursive: boolean;
  /** Case-insensitive file-name filter. */
  filePattern: RegExp | null;
  /** MIME types (`video/mp4`) or families (`video/*`). */
  mimeTypes: string[];
  credentialId: string | null;
  idleTimeoutMs: number;
  maxBytes: number;
  /** Files per listing page (Drive allows up to 1000). */
  pageSize?: number;
}

const API_TIMEOUT_MS = 30_000;
const DEFAULT_PAGE_SIZE = 200;
/** Folders deeper than this are not walked. */
const MAX_DEPTH = 20;
const LIST_FIELDS = 'nextPageToken,files(id,name,mimeType,md5Checksum,size,createdTime,modifiedTime,fileExtension)';

/** Drive's MIME types for files without a usable extension in their name. */
const EXTENSION_BY_MIME: Record<string, string> = {
  'video/mp4': 'mp4',
  'video/webm': 'webm',
  'video/x-matroska': 'mkv',
  'video/quicktime': 'mov',
  'audio/mp4': 'm4a',
  'audio/x-m4a': 'm4a',
  'audio/mpeg': 'mp3',
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
};

type DriveFile = drive_v3.Schema$File;

export function extensionOf(file: Pick<DriveFile, 'name' | 'fileExtension' | 'mimeType'>): string | null {
  const fromName = file.fileExtension || (file.name?.includes('.') ? file.name.slice(file.name.lastIndexOf('.') + 1) : '');
  const candidate = fromName.toLowerCase();
  if (isAcceptedExtension(candidate)) return candidate;
  const byMime = EXTENSION_BY_MIME[file.mimeType ?? ''];
  return byMime ?? null;
}

/** The dedup keys of a file, best first: file id, then content (md5 + size). */
export function driveKeys(file: DriveFile): string[] {
  const keys = [`gdrive:id:${file.id ?? ''}`];
  if (file.md5Checksum && file.size) keys.push(`gdrive:md5:${file.md5Checksum}:${file.size}`);
  return keys;
}

const mimeMatches = (mime: string, filters: string[]) => filters.some((f) => (f.endsWith('/*') ? mime.startsWith(f.slice(0, -1)) : mime === f));

export class GoogleDriveAdapter implements SourceAdapter {
  private readonly api: drive_v3.Drive;

  constructor(
    private readonly auth: SourceAuth,
    private readonly options: GoogleDriveOptions,
  ) {
    this.api = driveApi(options.apiRoot);
  }

  async list(window: SyncWindow): Promise<RemoteRecording[]> {
    const root = await this.call((token) => this.api.files.get({ fileId: this.options.folderId, fields: 'id,name,mimeType', supportsAllDrives: true }, callOptions(this.options.apiRoot, token, API_TIMEOUT_MS)), 'Google Drive folder');
    if (root.data.mimeType !== FOLDER_MIME) throw new ValidationError('The configured Google Drive id is not a folder');
    const files = new Map<string, DriveFile>();
    await this.walk(this.options.folderId, 0, files, new Set());
    return [...files.values()]
      .filter((file) => {
        const when = Date.parse(file.modifiedTime ?? file.createdTime ?? '');
        return !Number.isFinite(when) || (when >= window.from.getTime() && when <= window.to.getTime());
      })
      .map((file) => {
        const [sourceKey = '', ...aliasKeys] = driveKeys(file);
        const name = file.name ?? file.id ?? 'file';
        const size = file.size ? Number(file.size) : null;
        const when = file.modifiedTime ?? file.createdTime ?? null;
        return {
          sourceKey,
          aliasKeys,
          displayName: name.replace(/\.[^.]+$/, '') || name,
          startTime: when ? new Date(when) : null,
          durationSec: null,
          sizeBytes: size,
          processing: false,
          meta: {
            fileId: file.id ?? '',
            name,
            md5: file.md5Checksum ?? null,
            size,
            mimeType: file.mimeType ?? null,
            extension: extensionOf(file),
            created: file.createdTime ?? null,
            modified: file.modifiedTime ?? null,
          },
        };
      });
  }

  async download(meta: SourceMeta, workDir: string, onProgress?: DownloadProgress): Promise<DownloadedFile> {
    const fileId = metaString(meta, 'fileId');
    const extension = metaString(meta, 'extension');
    if (!fileId || !extension) throw new ValidationError('The recording does not name a Google Drive file');
    const expectedSize = metaNumber(meta, 'size');
    const md5 = metaString(meta, 'md5');
    const file = path.join(workDir, `download.${extension}`);
    const url = new URL(`drive/v3/files/${encodeURIComponent(fileId)}`, this.options.apiRoot);
    url.search = new URLSearchParams({ alt: 'media', supportsAllDrives: 'true' }).toString();
    await withTokenRetry(
      this.auth,
      (token) =>
        downloadToFile(url.toString(), file, {
          headers: { authorization: `Bearer ${token}` },
          expectedSize,
          idleTimeoutMs: this.options.idleTimeoutMs,
          maxBytes: this.options.maxBytes,
          onProgress: (received, total) => onProgress?.(total ? received / total : 0, `${received} bytes received`),
        }),
      (error) => this.rejected(error),
    );
    const size = (await stat(file)).size;
    if (expectedSize !== null && size !== expectedSize) {
      await rm(file, { force: true });
      throw new TransientHttpError(`the downloaded file has ${size} bytes, Google Drive announced ${expectedSize}; downloading again`);
    }
    if (md5 && (await md5Of(file)) !== md5.toLowerCase()) {
      await rm(file, { force: true });
      throw new TransientHttpError('the downloaded file does not match its md5 checksum on Google Drive; downloading again');
    }
    return { path: file, extension };
  }

  private async walk(folderId: string, depth: number, into: Map<string, DriveFile>, seen: Set<string>): Promise<void> {
    if (seen.has(folderId)) return;
    seen.add(folderId);
    let pageToken: string | undefined;
    do {
      const token = pageToken;
      const page = await this.call(
        (access) =>
          this.api.files.list(
            {
              q: `${quoted(folderId)} in parents and trashed = false`,
              fields: LIST_FIELDS,
              pageSize: this.options.pageSize ?? DEFAULT_PAGE_SIZE,
              orderBy: 'name',
              supportsAllDrives: true,
              includeItemsFromAllDrives: true,
              ...(token ? { pageToken: token } : {}),
            },
            callOptions(this.options.apiRoot, access, API_TIMEOUT_MS),
          ),
        'Google Drive folder',
      );
      for (const item of page.data.files ?? []) {
        if (!item.id) continue;
        if (item.mimeType === FOLDER_MIME) {
          if (this.options.recursive && depth < MAX_DEPTH) await this.walk(item.id, depth + 1, into, seen);
        } else if (this.isWanted(item)) into.set(item.id, item);
      }
      pageToken = page.data.nextPageToken ?? undefined;
    } while (pageToken);
  }

  private isWanted(file: DriveFile): boolean {
    if (!file.mimeType || !mimeMatches(file.mimeType, this.options.mimeTypes)) return false;
    // Google Docs, shortcuts and the like have no bytes to download (and no md5).
    if (file.mimeType.startsWith('application/vnd.google-apps.')) return false;
    if (!extensionOf(file)) return false;
    return this.options.filePattern ? this.options.filePattern.test(file.name ?? '') : true;
  }

  /** A client call with the token, Google's errors sorted into the ingest vocabulary. */
  private call<T>(run: (token: string) => Promise<T>, what: string): Promise<T> {
    return withTokenRetry(
      this.auth,
      async (token) => {
        try {
          return await run(token);
        } catch (error) {
          const failure = googleFailure(error);
          if (!failure) throw new TransientHttpError(`${what}: ${error instanceof Error ? error.message : String(error)}`);
          if (failure.status === 403 && failure.reason && RATE_REASONS.has(failure.reason)) throw new TransientHttpError(`${what}: Google Drive rate limit (${failure.reason})`);
          if (failure.status === 404) throw new NotFoundError(what);
          return throwForStatus(failure.status, what, failure.message);
        }
      },
      (error) => this.rejected(error),
    );
  }

  private rejected(error: AuthRejectedError): CredentialError {
    return new CredentialError(`Google Drive rejected the account's token${error.providerMessage ? ` (${error.providerMessage})` : ''}; reconnect the account`, this.options.credentialId);
  }
}

async function md5Of(file: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

import path from 'node:path';
import { z } from 'zod';
import { CredentialError, ValidationError } from '../../lib/errors.js';
import { isAcceptedExtension } from '../../media/index.js';
import { AuthRejectedError, downloadToFile, fetchJson, throwForStatus, withTokenRetry } from '../http.js';
import { metaString, type DownloadedFile, type DownloadProgress, type RemoteRecording, type SourceAdapter, type SourceAuth, type SourceMeta, type SyncWindow } from '../source-adapter.js';

// Yandex Disk REST (cloud-api.yandex.net/v1/disk): a public link (public/resources?public_key=…) or a
// folder of the account (resources?path=…, `Authorization: OAuth <token>`), walked recursively in
// pages; media files are downloaded from the signed href that …/download answers with.

export type YandexDiskTarget = { kind: 'public'; publicKey: string } | { kind: 'folder'; path: string; auth: SourceAuth };

export interface YandexDiskOptions {
  apiBaseUrl: string;
  recursive: boolean;
  /** Case-insensitive file-name filter. */
  filePattern: RegExp | null;
  credentialId: string | null;
  idleTimeoutMs: number;
  maxBytes: number;
  /** Items per listing page (Yandex allows more; 100 keeps answers small). */
  pageSize?: number;
}

const API_TIMEOUT_MS = 30_000;
const DEFAULT_PAGE_SIZE = 100;
/** Folders deeper than this are not walked (a guard against link cycles and huge trees). */
const MAX_DEPTH = 20;

const resourceSchema = z.object({
  type: z.enum(['dir', 'file']),
  name: z.string(),
  path: z.string(),
  resource_id: z.string().optional(),
  md5: z.string().optional(),
  size: z.number().optional(),
  mime_type: z.string().optional(),
  media_type: z.string().optional(),
  modified: z.string().optional(),
  created: z.string().optional(),
  public_key: z.string().optional(),
});
type Resource = z.infer<typeof resourceSchema>;

const listingSchema = resourceSchema.extend({
  _embedded: z.object({ items: z.array(resourceSchema), total: z.number().optional(), offset: z.number().optional(), limit: z.number().optional() }).optional(),
});

const hrefSchema = z.object({ href: z.string().url() });

const extensionOf = (name: string) => name.slice(name.lastIndexOf('.') + 1).toLowerCase();

/** The dedup keys of a file, best first: resource id, content (md5 + size), path. */
export function yandexKeys(resource: Resource, publicKey: string | null): string[] {
  const keys: string[] = [];
  if (resource.resource_id) keys.push(`yadisk:rid:${resource.resource_id}`);
  if (resource.md5 && resource.size !== undefined) keys.push(`yadisk:md5:${resource.md5}:${resource.size}`);
  keys.push(publicKey ? `yadisk:${publicKey}:${resource.path}` : `yadisk:${resource.path}`);
  return keys;
}

const providerMessage = (body: unknown): string => {
  const answer = body as { message?: unknown; description?: unknown } | null;
  const message = answer?.description ?? answer?.message;
  return typeof message === 'string' ? message.slice(0, 200) : '';
};

export class YandexDiskAdapter implements SourceAdapter {
  constructor(
    private readonly target: YandexDiskTarget,
    private readonly options: YandexDiskOptions,
  ) {}

  async list(window: SyncWindow): Promise<RemoteRecording[]> {
    const files: Resource[] = [];
    const root = this.target.kind === 'public' ? '/' : this.target.path;
    await this.walk(root, 0, files);
    const publicKey = this.target.kind === 'public' ? this.target.publicKey : null;
    return files
      .filter((file) => {
        const modified = Date.parse(file.modified ?? file.created ?? '');
        return !Number.isFinite(modified) || (modified >= window.from.getTime() && modified <= window.to.getTime());
      })
      .map((file) => {
        const [sourceKey = '', ...aliasKeys] = yandexKeys(file, publicKey);
        return {
          sourceKey,
          aliasKeys,
          displayName: file.name.replace(/\.[^.]+$/, '') || file.name,
          startTime: file.modified ? new Date(file.modified) : null,
          durationSec: null,
          sizeBytes: file.size ?? null,
          processing: false,
          meta: {
            path: file.path,
            publicKey,
            name: file.name,
            resourceId: file.resource_id ?? null,
            md5: file.md5 ?? null,
            size: file.size ?? null,
            mimeType: file.mime_type ?? null,
            extension: extensionOf(file.name),
            modified: file.modified ?? null,
          },
        };
      });
  }

  async download(meta: SourceMeta, workDir: string, onProgress?: DownloadProgress): Promise<DownloadedFile> {
    const filePath = metaString(meta, 'path');
    const extension = metaString(meta, 'extension');
    if (!filePath || !extension) throw new ValidationError('The recording does not name a Yandex Disk file');
    const file = path.join(workDir, `download.${extension}`);
    const expectedSize = typeof meta.size === 'number' ? meta.size : null;
    // A fresh signed link per attempt: they expire, and a 401/403 on one is answered by asking again.
    const fetchFile = async () => {
      const { href } = hrefSchema.parse(await this.call(this.target.kind === 'public' ? 'public/resources/download' : 'resources/download', { path: filePath }, 'Yandex Disk file'));
      await downloadToFile(href, file, {
        expectedSize,
        idleTimeoutMs: this.options.idleTimeoutMs,
        maxBytes: this.options.maxBytes,
        onProgress: (received, total) => onProgress?.(total ? received / total : 0, `${received} bytes received`),
      });
    };
    try {
      await fetchFile();
    } catch (error) {
      if (!(error instanceof AuthRejectedError)) throw error;
      await fetchFile().catch((again: unknown) => {
        if (again instanceof AuthRejectedError) throw new ValidationError('Yandex Disk refused the download link');
        throw again;
      });
    }
    return { path: file, extension };
  }

  private async walk(dirPath: string, depth: number, into: Resource[]): Promise<void> {
    const pageSize = this.options.pageSize ?? DEFAULT_PAGE_SIZE;
    for (let offset = 0; ; offset += pageSize) {
      const listing = listingSchema.parse(
        await this.call(this.target.kind === 'public' ? 'public/resources' : 'resources', { path: dirPath, limit: String(pageSize), offset: String(offset), sort: 'name' }, 'Yandex Disk folder'),
      );
      if (listing.type === 'file') {
        if (this.isWanted(listing)) into.push(listing);
        return;
      }
      const items = listing._embedded?.items ?? [];
      for (const item of items) {
        if (item.type === 'file' && this.isWanted(item)) into.push(item);
        else if (item.type === 'dir' && this.options.recursive && depth < MAX_DEPTH) await this.walk(item.path, depth + 1, into);
      }
      const total = listing._embedded?.total ?? items.length;
      if (items.length < pageSize || offset + items.length >= total) return;
    }
  }

  private isWanted(file: Resource): boolean {
    // The extension decides (the same whitelist as uploads); MIME types on Disk are guesses from it anyway.
    if (!isAcceptedExtension(extensionOf(file.name))) return false;
    return this.options.filePattern ? this.options.filePattern.test(file.name) : true;
  }

  private async call(endpoint: string, params: Record<string, string>, what: string): Promise<unknown> {
    const url = new URL(`${this.options.apiBaseUrl.replace(/\/$/, '')}/${endpoint}`);
    if (this.target.kind === 'public') url.searchParams.set('public_key', this.target.publicKey);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    const request = async (headers: Record<string, string>) => {
      const { status, body } = await fetchJson(url.toString(), { headers: { accept: 'application/json', ...headers }, timeoutMs: API_TIMEOUT_MS });
      if (status !== 200) throwForStatus(status, what, providerMessage(body));
      return body;
    };
    if (this.target.kind === 'public') {
      try {
        return await request({});
      } catch (error) {
        if (error instanceof AuthRejectedError) throw new ValidationError('The Yandex Disk public link is not accessible');
        throw error;
      }
    }
    return withTokenRetry(this.target.auth, (token) => request({ authorization: `OAuth ${token}` }), (error) => this.rejected(error));
  }

  private rejected(error: AuthRejectedError): CredentialError {
    return new CredentialError(`Yandex Disk rejected the account's token${error.providerMessage ? ` (${error.providerMessage})` : ''}; reconnect the account`, this.options.credentialId);
  }
}

import type { Readable } from 'node:stream';
import { ConflictError, RateLimitedError, ValidationError } from '../../lib/errors.js';
import { PlatformUnauthorizedError } from '../publisher.js';

// Yandex Disk REST API (yandex.ru/dev/disk-api): folders, upload links, publishing. Tokens go as
// `Authorization: OAuth <token>`; errors are `{ error, message, description }` with HTTP codes.

export interface DiskResource {
  path: string;
  type: 'dir' | 'file';
  size?: number;
  public_url?: string;
}

export class YandexDiskClient {
  constructor(
    private readonly apiUrl: string,
    private readonly token: string,
  ) {}

  /** Creates every missing folder of `folder` (409 for an existing one is fine). */
  async ensureFolder(folder: string): Promise<void> {
    const parts = folder.split('/').filter(Boolean);
    for (let i = 1; i <= parts.length; i += 1) {
      const res = await this.request('PUT', 'resources', { path: `disk:/${parts.slice(0, i).join('/')}` });
      if (res.status === 201) continue;
      if (res.status === 409) {
        const body = await errorBody(res);
        if (body.error === 'DiskPathPointsToExistentDirectoryError') continue;
        throw new ConflictError(`Yandex Disk: ${body.description ?? body.error ?? 'path conflict'}`);
      }
      throw await failure(res);
    }
  }

  async resource(path: string): Promise<DiskResource | null> {
    const res = await this.request('GET', 'resources', { path, fields: 'path,type,size,public_url' });
    if (res.status === 404) return null;
    if (!res.ok) throw await failure(res);
    return (await res.json()) as DiskResource;
  }

  /** Uploads a stream; `'exists'` when the file is there and overwriting is off. */
  async upload(path: string, body: Readable, sizeBytes: number, overwrite: boolean): Promise<'uploaded' | 'exists'> {
    const link = await this.request('GET', 'resources/upload', { path, overwrite: String(overwrite) });
    if (link.status === 409) {
      const error = await errorBody(link);
      if (error.error === 'DiskResourceAlreadyExistsError') return 'exists';
      throw new ConflictError(`Yandex Disk: ${error.description ?? error.error ?? 'conflict'}`);
    }
    if (!link.ok) throw await failure(link);
    const { href, method } = (await link.json()) as { href: string; method?: string };
    const res = await fetch(href, {
      method: method ?? 'PUT',
      headers: { 'content-length': String(sizeBytes) },
      body: body as unknown as ReadableStream,
      duplex: 'half',
      signal: AbortSignal.timeout(600_000 + Math.ceil(sizeBytes / 1024 ** 3) * 120_000),
    } as RequestInit);
    if (res.status !== 201 && res.status !== 202) throw await failure(res);
    await res.body?.cancel();
    return 'uploaded';
  }

  /** Publishes the resource and returns its public URL. */
  async publish(path: string): Promise<string> {
    const res = await this.request('PUT', 'resources/publish', { path });
    if (!res.ok) throw await failure(res);
    await res.body?.cancel();
    const resource = await this.resource(path);
    if (!resource?.public_url) throw new ValidationError('Yandex Disk did not return a public link');
    return resource.public_url;
  }

  private request(method: string, endpoint: string, query: Record<string, string>): Promise<Response> {
    const url = new URL(endpoint, this.apiUrl);
    url.search = new URLSearchParams(query).toString();
    return fetch(url, { method, headers: { authorization: `OAuth ${this.token}`, accept: 'application/json' }, signal: AbortSignal.timeout(60_000) });
  }
}

async function errorBody(res: Response): Promise<{ error?: string; message?: string; description?: string }> {
  return ((await res.json().catch(() => null)) as { error?: string; description?: string } | null) ?? {};
}

async function failure(res: Response): Promise<Error> {
  const body = await errorBody(res);
  if (res.status === 401) return new PlatformUnauthorizedError(`Yandex Disk refused the token (${body.error ?? 'UnauthorizedError'})`);
  if (res.status === 429) return new RateLimitedError(Number(res.headers.get('retry-after')) || 60, 'Yandex Disk rate limit reached; retry later');
  if (res.status === 507) return new ValidationError('The Yandex Disk is full');
  return new Error(`Yandex Disk answered ${res.status}${body.error ? ` (${body.error})` : ''}`);
}

import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { config } from '../../config.js';
import { contentTypeOf } from '../../media/formats.js';
import { isSafeKey, type StorageBackend } from './backend.js';

// Download URLs of the LOCAL backend: GET /files/<key>?exp=<unix seconds>&sig=<HMAC>. The HMAC covers
// the key and the expiry, so a URL cannot be stretched in time or bent to another file; only keys
// under tenants/<uuid>/ and the shared thumbnails are served, checked by the same rule the backends use.

export const FILES_ROUTE = '/files/';

const SERVED_KEY = /^(?:tenants\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|shared\/thumbnails)\//;

export class FileUrlSigner {
  constructor(private readonly secret: Uint8Array) {}

  /** STORAGE_SIGNING_KEY, or a key derived from JWT_SECRET for this one purpose. */
  static fromConfig(): FileUrlSigner {
    const secret = config.storage.signingKey
      ? new TextEncoder().encode(config.storage.signingKey)
      : createHmac('sha256', config.auth.jwtSecret).update('leap:file-urls:v1').digest();
    return new FileUrlSigner(secret);
  }

  private mac(key: string, expires: number): Buffer {
    return createHmac('sha256', this.secret).update(`${key}\n${expires}`).digest();
  }

  signedPath(key: string, expiresAt: Date): string {
    const expires = Math.floor(expiresAt.getTime() / 1000);
    return `${FILES_ROUTE}${key}?exp=${expires}&sig=${this.mac(key, expires).toString('base64url')}`;
  }

  verify(key: string, expires: number, signature: string, now = Date.now()): boolean {
    if (!Number.isSafeInteger(expires) || expires * 1000 < now) return false;
    const given = Buffer.from(signature, 'base64url');
    const expected = this.mac(key, expires);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

/** Answers GET/HEAD /files/<key>?exp=…&sig=… from storage, with single-range support for players. */
export async function serveSignedFile(req: IncomingMessage, res: ServerResponse, storage: StorageBackend, signer: FileUrlSigner): Promise<void> {
  const fail = (status: number, message: string) => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }).end(message);
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') return fail(405, 'method not allowed');
  const url = new URL(req.url ?? '/', 'http://files.invalid');
  const key = url.pathname.slice(FILES_ROUTE.length);
  if (!isSafeKey(key) || !SERVED_KEY.test(key) || key.endsWith('/')) return fail(404, 'not found');
  const expires = Number(url.searchParams.get('exp'));
  if (!signer.verify(key, expires, url.searchParams.get('sig') ?? '')) return fail(403, 'link invalid or expired');

  const found = await storage.stat(key);
  if (!found) return fail(404, 'not found');
  const size = found.sizeBytes;
  const range = parseRange(req.headers.range, size);
  if (range === 'unsatisfiable') {
    res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
    return;
  }
  const fileName = key.slice(key.lastIndexOf('/') + 1);
  const headers: Record<string, string> = {
    'content-type': contentTypeOf(fileName),
    'content-disposition': `inline; filename="${fileName}"`,
    'accept-ranges': 'bytes',
    'cache-control': `private, max-age=${Math.max(0, expires - Math.floor(Date.now() / 1000))}`,
    'x-content-type-options': 'nosniff',
  };
  if (range) {
    headers['content-range'] = `bytes ${range.start}-${range.end}/${size}`;
    headers['content-length'] = String(range.end - range.start + 1);
  } else {
    headers['content-length'] = String(size);
  }
  res.writeHead(range ? 206 : 200, headers);
  if (req.method === 'HEAD' || size === 0) {
    res.end();
    return;
  }
  // A client that goes away mid-download ends the pipeline with an error; nothing to report then.
  await pipeline(await storage.get(key, range ?? undefined), res).catch(() => res.destroy());
}

/** One `bytes=a-b`, `bytes=a-` or `bytes=-n` range; anything else is served whole. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | null | 'unsatisfiable' {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header?.trim() ?? '');
  if (!match || (match[1] === '' && match[2] === '')) return null;
  let start: number;
  let end: number;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}

import { createHash, randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listen, record, sendFile, sendJson, type RecordedRequest } from './http-fixtures.js';

// A local Yandex Disk REST API (/v1/disk), both sides of it:
// - reading: resources and public/resources listings with limit/offset paging and `_embedded`,
//   …/download answering a signed href;
// - writing: folders (409 for missing parents and existing folders), upload links that honour
//   `overwrite`, the upload host's PUT, publishing;
// with `Authorization: OAuth`, Yandex's error bodies ({ message, description, error }) and optional
// 429 rate limiting.

interface Entry {
  type: 'dir' | 'file';
  /** Absolute, without the `disk:` prefix: `/Lectures/a.mp4`. */
  path: string;
  /** Content: a local file (added by a test) or bytes (uploaded through the API). */
  file?: string;
  data?: Buffer;
  size?: number;
  md5?: string;
  resourceId: string;
  modified: string;
  publicUrl?: string;
}

export interface FakeYandexDisk {
  origin: string;
  /** Base URL without a trailing slash, as the ingest adapter takes it. */
  apiBaseUrl: string;
  /** The same with a trailing slash, as the publisher's config takes it. */
  apiUrl: string;
  /** The OAuth token the API accepts unless `isValidToken` was given. */
  token: string;
  requests: RecordedRequest[];
  /** The next n API calls answer 429 TooManyRequestsError. */
  rateLimited: number;
  addFile(diskPath: string, localFile: string, options?: { modified?: string; resourceId?: string }): Promise<void>;
  /** Stores bytes at a path, creating its folders (someone else's file, for conflict tests). */
  putFile(diskPath: string, data: Buffer): void;
  mkdir(diskPath: string): void;
  /** What is stored at a path (`disk:` prefix optional). */
  read(diskPath: string): { type: 'dir' | 'file'; data?: Buffer; publicUrl?: string } | undefined;
  paths(): string[];
  /** Publishes a folder or file; returns its public URL (usable as public_key). */
  publish(diskPath: string): string;
  /** Moves a file (resource id and md5 stay, path changes), as a rename on Disk does. */
  move(from: string, to: string): void;
  close(): Promise<void>;
}

const NOT_FOUND = { message: 'Не удается найти запрошенный ресурс.', description: 'Resource not found.', error: 'DiskNotFoundError' };
const UNAUTHORIZED = { message: 'Не авторизован.', description: 'Unauthorized', error: 'UnauthorizedError' };
const yandexError = (res: ServerResponse, status: number, error: string, description: string) => sendJson(res, status, { message: description, description, error });

const parentOf = (p: string) => p.slice(0, p.lastIndexOf('/')) || '/';
const nameOf = (p: string) => p.slice(p.lastIndexOf('/') + 1);
const normalize = (p: string) => {
  const bare = p.replace(/^disk:/, '');
  const withSlash = bare.startsWith('/') ? bare : `/${bare}`;
  return withSlash.length > 1 ? withSlash.replace(/\/+$/, '') : withSlash;
};
const MIME: Record<string, string> = { mp4: 'video/mp4', webm: 'video/webm', mkv: 'video/x-matroska', mov: 'video/quicktime', txt: 'text/plain', pdf: 'application/pdf' };
const newId = (prefix: string) => `${prefix}-${randomBytes(6).toString('hex')}`;
const NOW = '2024-03-01T10:00:00+00:00';

async function readBytes(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startFakeYandexDisk(options: { isValidToken?: (token: string) => boolean } = {}): Promise<FakeYandexDisk> {
  const entries = new Map<string, Entry>([['/', { type: 'dir', path: '/', resourceId: 'root', modified: '2024-01-01T00:00:00+00:00' }]]);
  const publicKeys = new Map<string, string>();
  const downloadLinks = new Map<string, string>();
  const uploadLinks = new Map<string, string>();

  const ensureDir = (dirPath: string) => {
    if (entries.has(dirPath)) return;
    ensureDir(parentOf(dirPath));
    entries.set(dirPath, { type: 'dir', path: dirPath, resourceId: newId('dir'), modified: '2024-01-01T00:00:00+00:00' });
  };
  const storeBytes = (path: string, data: Buffer) =>
    entries.set(path, { type: 'file', path, data, size: data.length, md5: createHash('md5').update(data).digest('hex'), resourceId: entries.get(path)?.resourceId ?? newId('rid'), modified: NOW });

  /** A resource as the API shows it; public ones get paths relative to the published root. */
  const view = (entry: Entry, publicRoot: string | null, publicKey: string | null) => {
    const shownPath = publicRoot === null ? `disk:${entry.path}` : entry.path.slice(publicRoot.length) || '/';
    const mime = MIME[nameOf(entry.path).split('.').pop() ?? ''];
    return {
      type: entry.type,
      name: entry.path === '/' ? 'disk' : nameOf(entry.path),
      path: shownPath,
      resource_id: entry.resourceId,
      created: entry.modified,
      modified: entry.modified,
      ...(publicKey ? { public_key: publicKey } : {}),
      ...(entry.publicUrl ? { public_url: entry.publicUrl } : {}),
      ...(entry.type === 'file' ? { size: entry.size, md5: entry.md5, mime_type: mime ?? 'application/octet-stream', media_type: mime?.startsWith('video/') ? 'video' : 'document' } : {}),
    };
  };

  const listing = (entry: Entry, publicRoot: string | null, publicKey: string | null, url: URL) => {
    if (entry.type === 'file') return view(entry, publicRoot, publicKey);
    const limit = Number(url.searchParams.get('limit') ?? 20);
    const offset = Number(url.searchParams.get('offset') ?? 0);
    const children = [...entries.values()].filter((e) => e.path !== entry.path && parentOf(e.path) === entry.path).sort((a, b) => a.path.localeCompare(b.path));
    return {
      ...view(entry, publicRoot, publicKey),
      _embedded: { items: children.slice(offset, offset + limit).map((e) => view(e, publicRoot, publicKey)), limit, offset, total: children.length, path: view(entry, publicRoot, publicKey).path, sort: 'name' },
    };
  };

  const signedHref = (entry: Entry) => {
    const id = randomBytes(10).toString('hex');
    downloadLinks.set(id, entry.path);
    return { href: `${http.origin}/dl/${id}`, method: 'GET', templated: false };
  };
  const link = (path: string) => ({ href: `${fake.apiUrl}resources?path=${encodeURIComponent(`disk:${path}`)}`, method: 'GET', templated: false });

  const http = await listen(async (req, res, url) => {
    const request = record(req, url);
    fake.requests.push(request);
    const route = url.pathname;

    if (route.startsWith('/dl/')) {
      const entry = entries.get(downloadLinks.get(route.slice(4)) ?? '');
      if (entry?.file) return sendFile(req, res, entry.file);
      if (entry?.data) return void res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': entry.data.length }).end(entry.data);
      return sendJson(res, 404, NOT_FOUND);
    }
    if (route.startsWith('/upload-target/')) {
      const id = route.slice('/upload-target/'.length);
      const target = uploadLinks.get(id);
      if (!target || req.method !== 'PUT') return yandexError(res, 404, 'NotFound', 'upload link not found');
      const data = await readBytes(req);
      if (Number(req.headers['content-length']) !== data.length) return yandexError(res, 400, 'BadRequest', 'length mismatch');
      storeBytes(target, data);
      uploadLinks.delete(id);
      return void res.writeHead(201).end();
    }

    if (route === '/v1/disk/public/resources' || route === '/v1/disk/public/resources/download') {
      const root = publicKeys.get(url.searchParams.get('public_key') ?? '');
      if (root === undefined) return sendJson(res, 404, NOT_FOUND);
      const relative = normalize(url.searchParams.get('path') ?? '/');
      const entry = entries.get(relative === '/' ? root : `${root === '/' ? '' : root}${relative}`);
      if (!entry) return sendJson(res, 404, NOT_FOUND);
      if (route.endsWith('/download')) return entry.type === 'file' ? sendJson(res, 200, signedHref(entry)) : sendJson(res, 404, NOT_FOUND);
      return sendJson(res, 200, listing(entry, root, url.searchParams.get('public_key'), url));
    }

    await readBytes(req);
    const token = /^OAuth (.+)$/.exec(request.authorization ?? '')?.[1] ?? '';
    if (!(options.isValidToken ?? ((t) => t === fake.token))(token)) return sendJson(res, 401, UNAUTHORIZED);
    if (fake.rateLimited > 0) {
      fake.rateLimited -= 1;
      res.setHeader('retry-after', '1');
      return yandexError(res, 429, 'TooManyRequestsError', 'Слишком много запросов.');
    }
    const path = normalize(url.searchParams.get('path') ?? '/');
    const entry = entries.get(path);
    switch (`${req.method} ${route}`) {
      case 'GET /v1/disk/resources':
        return entry ? sendJson(res, 200, listing(entry, null, null, url)) : sendJson(res, 404, NOT_FOUND);
      case 'GET /v1/disk/resources/download':
        return entry?.type === 'file' ? sendJson(res, 200, signedHref(entry)) : sendJson(res, 404, NOT_FOUND);
      case 'PUT /v1/disk/resources':
        if (entry) return yandexError(res, 409, 'DiskPathPointsToExistentDirectoryError', 'По указанному пути уже существует папка с таким именем.');
        if (entries.get(parentOf(path))?.type !== 'dir') return yandexError(res, 409, 'DiskPathDoesntExistsError', 'Указанного пути не существует.');
        ensureDir(path);
        return sendJson(res, 201, link(path));
      case 'GET /v1/disk/resources/upload': {
        if (entries.get(parentOf(path))?.type !== 'dir') return yandexError(res, 409, 'DiskPathDoesntExistsError', 'Указанного пути не существует.');
        if (entry && url.searchParams.get('overwrite') !== 'true') return yandexError(res, 409, 'DiskResourceAlreadyExistsError', 'Ресурс уже существует');
        const id = randomBytes(8).toString('hex');
        uploadLinks.set(id, path);
        return sendJson(res, 200, { operation_id: id, href: `${http.origin}/upload-target/${id}`, method: 'PUT', templated: false });
      }
      case 'PUT /v1/disk/resources/publish':
        if (!entry) return sendJson(res, 404, NOT_FOUND);
        entry.publicUrl ??= `https://yadi.sk/i/${randomBytes(6).toString('base64url')}`;
        return sendJson(res, 200, link(path));
      default:
        return yandexError(res, 404, 'NotFound', `no route ${req.method} ${route}`);
    }
  });

  const fake: FakeYandexDisk = {
    origin: http.origin,
    apiBaseUrl: `${http.origin}/v1/disk`,
    apiUrl: `${http.origin}/v1/disk/`,
    token: `y0_${randomBytes(12).toString('hex')}`,
    requests: [],
    rateLimited: 0,
    async addFile(diskPath, localFile, fileOptions = {}) {
      const target = normalize(diskPath);
      ensureDir(parentOf(target));
      const { size } = await stat(localFile);
      const md5 = createHash('md5').update(await readFile(localFile)).digest('hex');
      entries.set(target, { type: 'file', path: target, file: localFile, size, md5, resourceId: fileOptions.resourceId ?? newId('rid'), modified: fileOptions.modified ?? NOW });
    },
    putFile(diskPath, data) {
      ensureDir(parentOf(normalize(diskPath)));
      storeBytes(normalize(diskPath), data);
    },
    mkdir: (diskPath) => ensureDir(normalize(diskPath)),
    read(diskPath) {
      const entry = entries.get(normalize(diskPath));
      return entry && { type: entry.type, data: entry.data, publicUrl: entry.publicUrl };
    },
    paths: () => [...entries.keys()],
    publish(diskPath) {
      const key = `${http.origin}/d/${randomBytes(6).toString('hex')}`;
      publicKeys.set(key, normalize(diskPath));
      return key;
    },
    move(from, to) {
      const entry = entries.get(normalize(from));
      if (!entry) throw new Error(`no ${from}`);
      entries.delete(entry.path);
      ensureDir(parentOf(normalize(to)));
      entries.set(normalize(to), { ...entry, path: normalize(to) });
    },
    close: http.close,
  };
  return fake;
}

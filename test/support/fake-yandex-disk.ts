import { createHash, randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { listen, record, sendFile, sendJson, type RecordedRequest } from './http-fixtures.js';

// A local Yandex Disk REST API (/v1/disk): resources and public/resources listings with
// limit/offset paging and `_embedded`, …/download answering a signed href, `Authorization: OAuth`,
// and Yandex's error bodies ({ message, description, error }).

interface Entry {
  type: 'dir' | 'file';
  /** Absolute, without the `disk:` prefix: `/Lectures/a.mp4`. */
  path: string;
  file?: string;
  size?: number;
  md5?: string;
  resourceId: string;
  modified: string;
}

export interface FakeYandexDisk {
  origin: string;
  apiBaseUrl: string;
  /** The OAuth token the API accepts. */
  token: string;
  requests: RecordedRequest[];
  addFile(diskPath: string, localFile: string, options?: { modified?: string; resourceId?: string }): Promise<void>;
  /** Publishes a folder or file; returns its public URL (usable as public_key). */
  publish(diskPath: string): string;
  /** Moves a file (resource id and md5 stay, path changes), as a rename on Disk does. */
  move(from: string, to: string): void;
  close(): Promise<void>;
}

const NOT_FOUND = { message: 'Не удается найти запрошенный ресурс.', description: 'Resource not found.', error: 'DiskNotFoundError' };
const UNAUTHORIZED = { message: 'Не авторизован.', description: 'Unauthorized', error: 'UnauthorizedError' };

const parentOf = (p: string) => p.slice(0, p.lastIndexOf('/')) || '/';
const nameOf = (p: string) => p.slice(p.lastIndexOf('/') + 1);
const normalize = (p: string) => {
  const bare = p.replace(/^disk:/, '');
  const withSlash = bare.startsWith('/') ? bare : `/${bare}`;
  return withSlash.length > 1 ? withSlash.replace(/\/$/, '') : withSlash;
};
const MIME: Record<string, string> = { mp4: 'video/mp4', webm: 'video/webm', mkv: 'video/x-matroska', mov: 'video/quicktime', txt: 'text/plain', pdf: 'application/pdf' };

export async function startFakeYandexDisk(): Promise<FakeYandexDisk> {
  const entries = new Map<string, Entry>([['/', { type: 'dir', path: '/', resourceId: 'root', modified: '2024-01-01T00:00:00+00:00' }]]);
  const published = new Map<string, string>();
  const links = new Map<string, string>();

  const ensureDir = (dirPath: string) => {
    if (entries.has(dirPath)) return;
    ensureDir(parentOf(dirPath));
    entries.set(dirPath, { type: 'dir', path: dirPath, resourceId: `dir-${randomBytes(4).toString('hex')}`, modified: '2024-01-01T00:00:00+00:00' });
  };

  /** A resource as the API shows it; public ones get paths relative to the published root. */
  const view = (entry: Entry, publicRoot: string | null, publicKey: string | null) => {
    const shownPath = publicRoot === null ? `disk:${entry.path}` : entry.path.slice(publicRoot.length) || '/';
    const ext = nameOf(entry.path).split('.').pop() ?? '';
    return {
      type: entry.type,
      name: entry.path === '/' ? 'disk' : nameOf(entry.path),
      path: shownPath,
      resource_id: entry.resourceId,
      created: entry.modified,
      modified: entry.modified,
      ...(publicKey ? { public_key: publicKey } : {}),
      ...(entry.type === 'file' ? { size: entry.size, md5: entry.md5, mime_type: MIME[ext] ?? 'application/octet-stream', media_type: MIME[ext]?.startsWith('video/') ? 'video' : 'document' } : {}),
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
    links.set(id, entry.path);
    return { href: `${http.origin}/dl/${id}`, method: 'GET', templated: false };
  };

  const http = await listen(async (req, res, url) => {
    const request = record(req, url);
    fake.requests.push(request);
    const route = url.pathname;

    if (route.startsWith('/dl/')) {
      const diskPath = links.get(route.slice(4));
      const entry = diskPath ? entries.get(diskPath) : undefined;
      if (!entry?.file) return sendJson(res, 404, NOT_FOUND);
      return sendFile(req, res, entry.file);
    }

    if (route === '/v1/disk/public/resources' || route === '/v1/disk/public/resources/download') {
      const root = published.get(url.searchParams.get('public_key') ?? '');
      if (root === undefined) return sendJson(res, 404, NOT_FOUND);
      const relative = normalize(url.searchParams.get('path') ?? '/');
      const entry = entries.get(relative === '/' ? root : `${root === '/' ? '' : root}${relative}`);
      if (!entry) return sendJson(res, 404, NOT_FOUND);
      if (route.endsWith('/download')) return entry.type === 'file' ? sendJson(res, 200, signedHref(entry)) : sendJson(res, 404, NOT_FOUND);
      return sendJson(res, 200, listing(entry, root, url.searchParams.get('public_key'), url));
    }

    if (route === '/v1/disk/resources' || route === '/v1/disk/resources/download') {
      if (request.authorization !== `OAuth ${fake.token}`) return sendJson(res, 401, UNAUTHORIZED);
      const entry = entries.get(normalize(url.searchParams.get('path') ?? '/'));
      if (!entry) return sendJson(res, 404, NOT_FOUND);
      if (route.endsWith('/download')) return entry.type === 'file' ? sendJson(res, 200, signedHref(entry)) : sendJson(res, 404, NOT_FOUND);
      return sendJson(res, 200, listing(entry, null, null, url));
    }
    sendJson(res, 404, NOT_FOUND);
  });

  const fake: FakeYandexDisk = {
    origin: http.origin,
    apiBaseUrl: `${http.origin}/v1/disk`,
    token: `y0_${randomBytes(12).toString('hex')}`,
    requests: [],
    async addFile(diskPath, localFile, options = {}) {
      const target = normalize(diskPath);
      ensureDir(parentOf(target));
      const { size } = await stat(localFile);
      const md5 = createHash('md5').update(await readFile(localFile)).digest('hex');
      entries.set(target, { type: 'file', path: target, file: localFile, size, md5, resourceId: options.resourceId ?? `rid-${randomBytes(6).toString('hex')}`, modified: options.modified ?? '2024-03-01T10:00:00+00:00' });
    },
    publish(diskPath) {
      const key = `${http.origin}/d/${randomBytes(6).toString('hex')}`;
      published.set(key, normalize(diskPath));
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

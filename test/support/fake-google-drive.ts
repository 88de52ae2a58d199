import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

// A local Google Drive API v3 speaking the parts LEAP uses: files.list with the query language's
// `'<id>' in parents`, `name = '…'`, `mimeType = '…'`, `trashed = false` and
// `appProperties has { key='…' and value='…' }` joined by `and` (anything else is a 400), paging
// with pageToken; files.get (metadata, and alt=media with Range); files.create for folders;
// files.update (metadata PATCH, media PATCH); multipart uploads; and the resumable upload protocol
// (session POST, chunked PUTs with Content-Range, 308 + Range, `bytes */N` status queries). Items of
// shared drives are only visible with supportsAllDrives (and includeItemsFromAllDrives for lists).

export const FOLDER = 'application/vnd.google-apps.folder';
const QUANTUM = 256 * 1024;

export interface DriveItem {
  id: string;
  name: string;
  mimeType: string;
  parents: string[];
  data: Buffer | null;
  createdTime: string;
  modifiedTime: string;
  trashed: boolean;
  description?: string;
  appProperties: Record<string, string>;
  /** Set on items of a shared drive. */
  driveId?: string;
}

interface Session {
  total: number;
  chunks: Buffer[];
  size: number;
  resource: Partial<DriveItem>;
  fileId: string | null;
  puts: number;
}

export interface FakeGoogleDrive {
  rootUrl: string;
  items: Map<string, DriveItem>;
  sessions: Map<string, Session>;
  /** Every request as "METHOD path?uploadType", in order. */
  log: string[];
  /** Every files.list query. */
  queries: string[];
  /** The next n API requests answer 403 userRateLimitExceeded. */
  rateLimited: number;
  /** The n-th chunk PUT of a session (1-based) loses its connection after half of it arrived. */
  dropChunk: number | null;
  /** From the n-th chunk PUT of a session on, the upload endpoint answers 503 (status queries too). */
  outageAfterChunk: number | null;
  /** The next alt=media download sends this many bytes, then drops the connection. */
  cutDownloadAt: number | null;
  /** Serve corrupted bytes on the next download (same length). */
  corruptNextDownload: boolean;
  addFolder(name: string, parent?: string, extra?: Partial<DriveItem>): string;
  addFile(name: string, parent: string, data: Buffer, extra?: Partial<DriveItem>): string;
  /** The item at a path of names from `root` (e.g. `/Video/Uploads/a.mp4`), if exactly one. */
  at(path: string): DriveItem | undefined;
  childrenOf(id: string): DriveItem[];
  close(): Promise<void>;
}

const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');

export async function startFakeGoogleDrive(isValidToken: (token: string) => boolean): Promise<FakeGoogleDrive> {
  const items = new Map<string, DriveItem>();
  const now = () => new Date().toISOString();
  const newId = () => `1${randomBytes(12).toString('base64url')}`;
  const put = (item: Partial<DriveItem> & { name: string; mimeType: string }): DriveItem => {
    const full: DriveItem = { id: newId(), parents: ['root'], data: null, createdTime: now(), modifiedTime: now(), trashed: false, appProperties: {}, ...item };
    items.set(full.id, full);
    return full;
  };
  items.set('root', { id: 'root', name: 'My Drive', mimeType: FOLDER, parents: [], data: null, createdTime: now(), modifiedTime: now(), trashed: false, appProperties: {} });

  const fake: Omit<FakeGoogleDrive, 'rootUrl' | 'close'> = {
    items,
    sessions: new Map(),
    log: [],
    queries: [],
    rateLimited: 0,
    dropChunk: null,
    outageAfterChunk: null,
    cutDownloadAt: null,
    corruptNextDownload: false,
    addFolder: (name, parent = 'root', extra = {}) => put({ name, mimeType: FOLDER, parents: [parent], driveId: items.get(parent)?.driveId, ...extra }).id,
    addFile: (name, parent, data, extra = {}) => put({ name, mimeType: 'video/mp4', parents: [parent], data, driveId: items.get(parent)?.driveId, ...extra }).id,
    at(path) {
      let current: DriveItem | undefined = items.get('root');
      for (const name of path.split('/').filter(Boolean)) {
        const matches = [...items.values()].filter((i) => current && i.parents.includes(current.id) && i.name === name && !i.trashed);
        current = matches.length === 1 ? matches[0] : undefined;
      }
      return current;
    },
    childrenOf: (id) => [...items.values()].filter((i) => i.parents.includes(id) && !i.trashed),
  };

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => googleError(res, 500, 'backendError', String(error)));
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://fake');
    const uploadType = url.searchParams.get('uploadType');
    fake.log.push(`${req.method} ${url.pathname}${uploadType ? `?${uploadType}` : ''}`);
    const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
    if (!isValidToken(token)) {
      await drain(req);
      return googleError(res, 401, 'authError', 'Request had invalid authentication credentials.');
    }
    if (fake.rateLimited > 0) {
      fake.rateLimited -= 1;
      await drain(req);
      return googleError(res, 403, 'userRateLimitExceeded', 'User rate limit exceeded.');
    }
    const allDrives = url.searchParams.get('supportsAllDrives') === 'true';
    const visible = (item: DriveItem | undefined) => (item && (!item.driveId || allDrives) ? item : undefined);
    const route = `${req.method} ${url.pathname.replace(/\/files\/[^/]+$/, '/files/:id')}`;
    const id = decodeURIComponent(/\/files\/([^/]+)$/.exec(url.pathname)?.[1] ?? '');

    if (route === 'GET /drive/v3/files') return list(res, url);
    if (route === 'GET /drive/v3/files/:id') {
      const item = visible(items.get(id));
      if (!item || item.trashed) return googleError(res, 404, 'notFound', `File not found: ${id}.`);
      return url.searchParams.get('alt') === 'media' ? media(req, res, item) : json(res, 200, resource(item));
    }
    if (route === 'POST /drive/v3/files') {
      const body = JSON.parse((await read(req)).toString() || '{}') as Partial<DriveItem>;
      const parent = visible(items.get(body.parents?.[0] ?? 'root'));
      if (!parent) return googleError(res, 404, 'notFound', 'File not found: parent.');
      return json(res, 200, resource(put({ ...body, name: body.name ?? 'Untitled', mimeType: body.mimeType ?? 'application/octet-stream', parents: [parent.id], driveId: parent.driveId })));
    }
    if (route === 'PATCH /drive/v3/files/:id') {
      const item = visible(items.get(id));
      if (!item) return googleError(res, 404, 'notFound', `File not found: ${id}.`);
      Object.assign(item, JSON.parse((await read(req)).toString() || '{}') as Partial<DriveItem>, { modifiedTime: now() });
      return json(res, 200, resource(item));
    }
    if (route === 'POST /upload/drive/v3/files' && uploadType === 'resumable') return startSession(req, res);
    if (route === 'PUT /upload/drive/v3/files' && url.searchParams.get('upload_id')) return putChunk(req, res, url.searchParams.get('upload_id') ?? '');
    if ((route === 'POST /upload/drive/v3/files' || route === 'PATCH /upload/drive/v3/files/:id') && (uploadType === 'multipart' || uploadType === 'media')) {
      const body = await read(req);
      const [meta, data] = uploadType === 'multipart' ? multipart(req.headers['content-type'] ?? '', body) : [Buffer.from('{}'), body];
      const patch = JSON.parse(meta?.toString() || '{}') as Partial<DriveItem>;
      if (req.method === 'PATCH') {
        const item = visible(items.get(id));
        if (!item) return googleError(res, 404, 'notFound', `File not found: ${id}.`);
        Object.assign(item, patch, { data: data ?? item.data, modifiedTime: now() });
        return json(res, 200, resource(item));
      }
      const parent = visible(items.get(patch.parents?.[0] ?? 'root'));
      if (!parent) return googleError(res, 404, 'notFound', 'File not found: parent.');
      return json(res, 200, resource(put({ ...patch, name: patch.name ?? 'Untitled', mimeType: patch.mimeType ?? 'application/octet-stream', parents: [parent.id], data: data ?? Buffer.alloc(0), driveId: parent.driveId })));
    }
    await drain(req);
    googleError(res, 404, 'notFound', `no route ${route}`);
  }

  function list(res: ServerResponse, url: URL) {
    const q = url.searchParams.get('q') ?? '';
    fake.queries.push(q);
    const allDrives = url.searchParams.get('supportsAllDrives') === 'true' && url.searchParams.get('includeItemsFromAllDrives') === 'true';
    let test: (item: DriveItem) => boolean;
    try {
      test = parseQuery(q);
    } catch (error) {
      return googleError(res, 400, 'invalid', `Invalid Value: ${(error as Error).message}`, 'global', 'q');
    }
    const order = url.searchParams.get('orderBy') === 'createdTime' ? (a: DriveItem, b: DriveItem) => a.createdTime.localeCompare(b.createdTime) : (a: DriveItem, b: DriveItem) => a.name.localeCompare(b.name);
    const matching = [...items.values()].filter((i) => i.id !== 'root' && (!i.driveId || allDrives) && test(i)).sort(order);
    const size = Math.min(Number(url.searchParams.get('pageSize') ?? 100), 1000);
    const offset = Number(Buffer.from(url.searchParams.get('pageToken') ?? '', 'base64url').toString() || 0);
    const page = matching.slice(offset, offset + size);
    const next = offset + size < matching.length ? Buffer.from(String(offset + size)).toString('base64url') : undefined;
    json(res, 200, { kind: 'drive#fileList', ...(next ? { nextPageToken: next } : {}), incompleteSearch: false, files: page.map(resource) });
  }

  function media(req: IncomingMessage, res: ServerResponse, item: DriveItem) {
    if (!item.data) return googleError(res, 403, 'fileNotDownloadable', 'Only files with binary content can be downloaded.');
    let data = item.data;
    if (fake.corruptNextDownload) {
      fake.corruptNextDownload = false;
      data = Buffer.from(data.map((b) => b ^ 0xff));
    }
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    const end = range?.[2] ? Number(range[2]) : data.length - 1;
    if (start >= data.length) {
      res.writeHead(416, { 'content-range': `bytes */${data.length}` }).end();
      return;
    }
    const slice = data.subarray(start, end + 1);
    res.writeHead(range ? 206 : 200, { 'content-type': item.mimeType, 'content-length': String(slice.length), ...(range ? { 'content-range': `bytes ${start}-${end}/${data.length}` } : {}) });
    if (fake.cutDownloadAt !== null) {
      const cut = fake.cutDownloadAt;
      fake.cutDownloadAt = null;
      res.write(slice.subarray(0, cut), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    res.end(slice);
  }

  async function startSession(req: IncomingMessage, res: ServerResponse) {
    const resource = JSON.parse((await read(req)).toString() || '{}') as Partial<DriveItem>;
    const parent = items.get(resource.parents?.[0] ?? 'root');
    if (!parent || parent.mimeType !== FOLDER) return googleError(res, 404, 'notFound', 'File not found: parent.');
    const id = randomBytes(8).toString('hex');
    fake.sessions.set(id, { total: Number(req.headers['x-upload-content-length']), chunks: [], size: 0, resource: { ...resource, mimeType: resource.mimeType ?? String(req.headers['x-upload-content-type']) }, fileId: null, puts: 0 });
    res.writeHead(200, { location: `${rootUrl}upload/drive/v3/files?uploadType=resumable&upload_id=${id}` }).end();
  }

  async function putChunk(req: IncomingMessage, res: ServerResponse, id: string) {
    const session = fake.sessions.get(id);
    if (!session) {
      await drain(req);
      return googleError(res, 404, 'notFound', 'upload session not found');
    }
    const range = req.headers['content-range'] ?? '';
    if (fake.outageAfterChunk !== null && session.puts + 1 >= fake.outageAfterChunk) {
      await drain(req);
      return googleError(res, 503, 'backendError', 'Backend Error');
    }
    if (/^bytes \*\/(\d+)$/.test(range)) {
      await drain(req);
      return session.fileId ? json(res, 200, resource(items.get(session.fileId) as DriveItem)) : incomplete(res, session);
    }
    const match = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(range);
    if (!match || Number(match[1]) !== session.size || Number(match[3]) !== session.total) {
      await drain(req);
      return googleError(res, 400, 'badContentRange', `unexpected Content-Range ${range} (have ${session.size})`);
    }
    session.puts += 1;
    const body = await read(req);
    if (fake.dropChunk === session.puts) {
      // Keep what arrived, rounded down to the 256 KiB quantum, then drop the connection.
      const kept = body.subarray(0, Math.floor(body.length / 2 / QUANTUM) * QUANTUM);
      session.chunks.push(kept);
      session.size += kept.length;
      req.socket.destroy();
      return;
    }
    if (body.length !== Number(match[2]) - Number(match[1]) + 1) return googleError(res, 400, 'badContentRange', 'body length does not match Content-Range');
    if (Number(match[2]) + 1 < session.total && body.length % QUANTUM !== 0) return googleError(res, 400, 'badChunk', 'chunks must be multiples of 256 KiB');
    session.chunks.push(body);
    session.size += body.length;
    if (session.size < session.total) return incomplete(res, session);
    const parent = items.get(session.resource.parents?.[0] ?? 'root');
    const file = put({ ...session.resource, name: session.resource.name ?? 'Untitled', mimeType: session.resource.mimeType ?? 'application/octet-stream', parents: [parent?.id ?? 'root'], data: Buffer.concat(session.chunks), driveId: parent?.driveId });
    session.fileId = file.id;
    json(res, 200, resource(file));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const rootUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
  return Object.assign(fake, {
    rootUrl,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

function resource(item: DriveItem) {
  const isFile = item.data !== null;
  const dot = item.name.lastIndexOf('.');
  return {
    kind: 'drive#file',
    id: item.id,
    name: item.name,
    mimeType: item.mimeType,
    parents: item.parents,
    createdTime: item.createdTime,
    modifiedTime: item.modifiedTime,
    trashed: item.trashed,
    appProperties: item.appProperties,
    ...(item.description !== undefined ? { description: item.description } : {}),
    ...(item.driveId ? { driveId: item.driveId } : {}),
    ...(isFile && item.data ? { size: String(item.data.length), md5Checksum: md5(item.data), ...(dot > 0 ? { fileExtension: item.name.slice(dot + 1) } : {}) } : {}),
    webViewLink: item.mimeType === FOLDER ? `https://drive.google.com/drive/folders/${item.id}` : `https://drive.google.com/file/d/${item.id}/view?usp=drivesdk`,
  };
}

const LITERAL = String.raw`'((?:[^'\\]|\\.)*)'`;
const unquote = (text: string) => text.replace(/\\(.)/g, '$1');

/** The query language's clauses LEAP sends, joined by `and`; anything else throws. */
function parseQuery(q: string): (item: DriveItem) => boolean {
  const tests: Array<(item: DriveItem) => boolean> = [];
  const clauses: Array<[RegExp, (m: RegExpExecArray) => (item: DriveItem) => boolean]> = [
    [new RegExp(`^${LITERAL} in parents`), (m) => (item) => item.parents.includes(unquote(m[1] ?? ''))],
    [/^trashed = (true|false)/, (m) => (item) => item.trashed === (m[1] === 'true')],
    [new RegExp(`^(name|mimeType) = ${LITERAL}`), (m) => (item) => item[m[1] as 'name' | 'mimeType'] === unquote(m[2] ?? '')],
    [new RegExp(`^appProperties has \\{ key=${LITERAL} and value=${LITERAL} \\}`), (m) => (item) => item.appProperties[unquote(m[1] ?? '')] === unquote(m[2] ?? '')],
  ];
  let rest = q.trim();
  while (rest) {
    const found = clauses.map(([pattern, make]) => [pattern.exec(rest), make] as const).find(([m]) => m);
    if (!found?.[0]) throw new Error(`unsupported query near "${rest.slice(0, 40)}"`);
    tests.push(found[1](found[0]));
    rest = rest.slice(found[0][0].length);
    if (rest && !rest.startsWith(' and ')) throw new Error(`expected "and" near "${rest.slice(0, 40)}"`);
    rest = rest.replace(/^ and /, '');
  }
  return (item) => tests.every((t) => t(item));
}

function incomplete(res: ServerResponse, session: Session) {
  res.writeHead(308, session.size > 0 ? { range: `bytes=0-${session.size - 1}` } : {}).end();
}

/** The parts of a multipart/related body (metadata JSON, then the media), as bytes. */
function multipart(contentType: string, body: Buffer): Buffer[] {
  const boundary = /boundary=("?)([^";]+)\1/.exec(contentType)?.[2];
  if (!boundary) return [];
  const text = body.toString('latin1');
  return text
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((part) => Buffer.from(part.slice(part.indexOf('\r\n\r\n') + 4).replace(/\r\n$/, ''), 'latin1'));
}

async function read(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function drain(req: IncomingMessage): Promise<void> {
  for await (const _chunk of req);
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' }).end(JSON.stringify(body));
}

function googleError(res: ServerResponse, code: number, reason: string, message: string, domain = 'global', location?: string) {
  if (res.headersSent) return;
  json(res, code, { error: { code, message, errors: [{ message, domain, reason, ...(location ? { location, locationType: 'parameter' } : {}) }] } });
}

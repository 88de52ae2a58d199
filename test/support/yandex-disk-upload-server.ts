import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

// A local Yandex Disk REST API (cloud-api.yandex.net/v1/disk): folders (409 for missing parents and
// existing folders), upload links that honour `overwrite`, the upload host's PUT, publishing, and
// resource metadata; `OAuth <token>` auth and Yandex's error bodies; optional 429 rate limiting.

interface Entry {
  type: 'dir' | 'file';
  data?: Buffer;
  publicUrl?: string;
}

export interface FakeYandexDisk {
  apiUrl: string;
  disk: Map<string, Entry>;
  log: string[];
  /** The next n API calls answer 429 TooManyRequestsError. */
  rateLimited: number;
  close(): Promise<void>;
}

export async function startFakeYandexDisk(isValidToken: (token: string) => boolean): Promise<FakeYandexDisk> {
  const uploads = new Map<string, string>();
  const fake: Omit<FakeYandexDisk, 'apiUrl' | 'close'> = { disk: new Map([['disk:', { type: 'dir' }]]), log: [], rateLimited: 0 };
  const parent = (p: string) => (p.lastIndexOf('/') > 'disk:'.length ? p.slice(0, p.lastIndexOf('/')) : 'disk:');
  const normal = (p: string | null) => (p ?? '').replace(/^disk:\/?/, 'disk:/').replace(/\/+$/, '');

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => yandexError(res, 500, 'InternalServerError', String(error)));
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://fake');
    fake.log.push(`${req.method} ${url.pathname}`);
    if (url.pathname.startsWith('/upload-target/')) {
      const target = uploads.get(url.pathname.slice('/upload-target/'.length));
      if (!target || req.method !== 'PUT') return yandexError(res, 404, 'NotFound', 'upload link not found');
      const data = await read(req);
      if (Number(req.headers['content-length']) !== data.length) return yandexError(res, 400, 'BadRequest', 'length mismatch');
      fake.disk.set(target, { type: 'file', data });
      uploads.delete(url.pathname.slice('/upload-target/'.length));
      res.writeHead(201).end();
      return;
    }
    await read(req);
    const token = /^OAuth (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    if (!isValidToken(token)) return yandexError(res, 401, 'UnauthorizedError', 'Не авторизован.');
    if (fake.rateLimited > 0) {
      fake.rateLimited -= 1;
      res.setHeader('retry-after', '1');
      return yandexError(res, 429, 'TooManyRequestsError', 'Слишком много запросов.');
    }
    const p = normal(url.searchParams.get('path'));
    const route = `${req.method} ${url.pathname}`;
    if (route === 'PUT /v1/disk/resources') {
      if (fake.disk.has(p)) return yandexError(res, 409, 'DiskPathPointsToExistentDirectoryError', 'По указанному пути уже существует папка с таким именем.');
      if (fake.disk.get(parent(p))?.type !== 'dir') return yandexError(res, 409, 'DiskPathDoesntExistsError', 'Указанного пути не существует.');
      fake.disk.set(p, { type: 'dir' });
      return json(res, 201, { href: `${apiUrl}resources?path=${encodeURIComponent(p)}`, method: 'GET', templated: false });
    }
    if (route === 'GET /v1/disk/resources/upload') {
      if (fake.disk.get(parent(p))?.type !== 'dir') return yandexError(res, 409, 'DiskPathDoesntExistsError', 'Указанного пути не существует.');
      if (fake.disk.has(p) && url.searchParams.get('overwrite') !== 'true') return yandexError(res, 409, 'DiskResourceAlreadyExistsError', 'Ресурс уже существует');
      const id = randomBytes(8).toString('hex');
      uploads.set(id, p);
      return json(res, 200, { operation_id: id, href: `${origin}/upload-target/${id}`, method: 'PUT', templated: false });
    }
    if (route === 'PUT /v1/disk/resources/publish') {
      const entry = fake.disk.get(p);
      if (!entry) return yandexError(res, 404, 'DiskNotFoundError', 'Не удалось найти запрошенный ресурс.');
      entry.publicUrl = `https://yadi.sk/i/${randomBytes(6).toString('base64url')}`;
      return json(res, 200, { href: `${apiUrl}resources?path=${encodeURIComponent(p)}`, method: 'GET', templated: false });
    }
    if (route === 'GET /v1/disk/resources') {
      const entry = fake.disk.get(p);
      if (!entry) return yandexError(res, 404, 'DiskNotFoundError', 'Не удалось найти запрошенный ресурс.');
      return json(res, 200, { path: p, type: entry.type, ...(entry.data ? { size: entry.data.length } : {}), ...(entry.publicUrl ? { public_url: entry.publicUrl } : {}) });
    }
    yandexError(res, 404, 'NotFound', `no route ${route}`);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const apiUrl = `${origin}/v1/disk/`;
  return Object.assign(fake, { apiUrl, close: () => new Promise<void>((resolve) => server.close(() => resolve())) });
}

async function read(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

function yandexError(res: ServerResponse, status: number, error: string, description: string) {
  json(res, status, { message: description, description, error });
}

import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

// A local VK API (v5.131): POST /method/<name> with form parameters answering `{ response }` or
// `{ error: { error_code, error_msg } }` (HTTP 200 either way, as VK does), and upload servers that
// take multipart/form-data (`video_file`, `file`).

export interface FakeVkVideo {
  id: number;
  ownerId: number;
  params: Record<string, string>;
  bytes: Buffer | null;
  fileName: string | null;
  thumb: Buffer | null;
}

export interface FakeVk {
  apiUrl: string;
  videos: Map<number, FakeVkVideo>;
  calls: string[];
  /** Errors to answer the next API calls with, in order (e.g. { code: 6, msg: 'Too many requests per second' }). */
  failNext: Array<{ code: number; msg: string }>;
  close(): Promise<void>;
}

export async function startFakeVk(isValidToken: (token: string) => boolean): Promise<FakeVk> {
  let nextId = 456_239_000;
  const uploads = new Map<string, { kind: 'video' | 'thumb'; videoId?: number }>();
  const fake: Omit<FakeVk, 'apiUrl' | 'close'> = { videos: new Map(), calls: [], failNext: [] };

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => json(res, 500, { error: String(error) }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://fake');
    const body = await read(req);
    if (url.pathname.startsWith('/upload/')) {
      const slot = uploads.get(url.pathname.slice('/upload/'.length));
      if (!slot) return json(res, 200, { error: 'upload_url expired' });
      const part = formFile(req.headers['content-type'] ?? '', body);
      if (Number(req.headers['content-length']) !== body.length) return json(res, 200, { error: 'length mismatch' });
      if (slot.kind === 'video') {
        const video = fake.videos.get(slot.videoId ?? 0);
        if (!video || part?.field !== 'video_file') return json(res, 200, { error: 'bad upload' });
        video.bytes = part.data;
        video.fileName = part.fileName;
        uploads.delete(url.pathname.slice('/upload/'.length));
        return json(res, 200, { size: part.data.length, owner_id: video.ownerId, video_id: video.id, video_hash: 'abc' });
      }
      if (part?.field !== 'file') return json(res, 200, { error: 'bad upload' });
      return json(res, 200, { photo: part.data.toString('base64'), hash: 'h', server: 1 });
    }
    const method = url.pathname.replace(/^\/method\//, '');
    const params = Object.fromEntries(new URLSearchParams(body.toString()));
    fake.calls.push(method);
    if (!isValidToken(params.access_token ?? '')) return vkError(res, 5, 'User authorization failed: invalid access_token (4).');
    if (params.v !== '5.131') return vkError(res, 8, 'Invalid request: versions below 5.81 are deprecated');
    const injected = fake.failNext.shift();
    if (injected) return vkError(res, injected.code, injected.msg);
    const origin = `http://${req.headers.host}`;
    switch (method) {
      case 'video.save': {
        if (!params.name) return vkError(res, 100, 'One of the parameters specified was missing or invalid: name is undefined');
        const id = (nextId += 1);
        const ownerId = params.group_id ? -Number(params.group_id) : 777;
        fake.videos.set(id, { id, ownerId, params, bytes: null, fileName: null, thumb: null });
        const slot = randomBytes(6).toString('hex');
        uploads.set(slot, { kind: 'video', videoId: id });
        return json(res, 200, { response: { upload_url: `${origin}/upload/${slot}`, video_id: id, owner_id: ownerId, title: params.name, access_key: 'k' } });
      }
      case 'video.delete':
        fake.videos.delete(Number(params.video_id));
        return json(res, 200, { response: 1 });
      case 'video.getThumbUploadUrl': {
        const slot = randomBytes(6).toString('hex');
        uploads.set(slot, { kind: 'thumb' });
        return json(res, 200, { response: { upload_url: `${origin}/upload/${slot}` } });
      }
      case 'video.saveUploadedThumb': {
        const video = fake.videos.get(Number(params.video_id));
        const thumb = JSON.parse(params.thumb_json ?? '{}') as { photo?: string };
        if (!video || !thumb.photo) return vkError(res, 100, 'invalid thumb_json');
        video.thumb = Buffer.from(thumb.photo, 'base64');
        return json(res, 200, { response: { id: 1 } });
      }
      case 'video.edit': {
        const video = fake.videos.get(Number(params.video_id));
        if (!video) return vkError(res, 15, 'Access denied');
        video.params = { ...video.params, name: params.name ?? '', description: params.desc ?? '' };
        return json(res, 200, { response: 1 });
      }
      default:
        return vkError(res, 3, 'Unknown method passed');
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const apiUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/method/`;
  return Object.assign(fake, { apiUrl, close: () => new Promise<void>((resolve) => server.close(() => resolve())) });
}

/** The single file part of a multipart/form-data body. */
function formFile(contentType: string, body: Buffer): { field: string; fileName: string; data: Buffer } | null {
  const boundary = /boundary=(.+)$/.exec(contentType)?.[1];
  if (!boundary) return null;
  const start = body.indexOf(`--${boundary}\r\n`);
  const headerEnd = body.indexOf('\r\n\r\n', start);
  const end = body.lastIndexOf(`\r\n--${boundary}--`);
  if (start < 0 || headerEnd < 0 || end < 0) return null;
  const headers = body.subarray(start, headerEnd).toString();
  const field = /name="([^"]+)"/.exec(headers)?.[1] ?? '';
  const fileName = decodeURIComponent(/filename="([^"]*)"/.exec(headers)?.[1] ?? '');
  return { field, fileName, data: body.subarray(headerEnd + 4, end) };
}

async function read(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

function vkError(res: ServerResponse, code: number, msg: string) {
  json(res, 200, { error: { error_code: code, error_msg: msg, request_params: [] } });
}

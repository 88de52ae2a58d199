import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

// A local YouTube Data API v3 speaking the parts LEAP uses: the resumable upload protocol (session
// POST, chunked PUTs with Content-Range, 308 + Range, `bytes */N` status queries), multipart/related
// media uploads (captions.insert) and plain media uploads (thumbnails.set), playlistItems.insert,
// videos.update and captions.delete, with Google's error bodies (401, 403 quotaExceeded).

export interface FakeVideo {
  id: string;
  snippet: Record<string, unknown>;
  status: Record<string, unknown>;
  bytes: Buffer;
  notifySubscribers: string | null;
  captions: Array<{ id: string; snippet: Record<string, unknown>; body: string }>;
  thumbnail: Buffer | null;
  playlists: string[];
}

interface Session {
  total: number;
  received: Buffer[];
  size: number;
  resource: { snippet: Record<string, unknown>; status: Record<string, unknown> };
  notifySubscribers: string | null;
  videoId: string | null;
  puts: number;
}

export interface FakeYouTube {
  rootUrl: string;
  videos: Map<string, FakeVideo>;
  sessions: Map<string, Session>;
  /** Every request as "METHOD path", in order. */
  log: string[];
  /** The n-th chunk PUT of a session (1-based) loses its connection halfway. */
  dropChunk: number | null;
  /** From the n-th chunk PUT of a session on, the upload endpoint answers 503 (status queries too). */
  outageAfterChunk: number | null;
  quotaExceeded: boolean;
  /** The next n session starts answer 403 rateLimitExceeded. */
  rateLimited: number;
  close(): Promise<void>;
}

const QUANTUM = 256 * 1024;

export async function startFakeYouTube(isValidToken: (token: string) => boolean): Promise<FakeYouTube> {
  const fake: Omit<FakeYouTube, 'rootUrl' | 'close'> = { videos: new Map(), sessions: new Map(), log: [], dropChunk: null, outageAfterChunk: null, quotaExceeded: false, rateLimited: 0 };

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => googleError(res, 500, 'backendError', String(error)));
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://fake');
    fake.log.push(`${req.method} ${url.pathname}`);
    const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
    if (!isValidToken(token)) {
      await drain(req);
      return googleError(res, 401, 'authError', 'Request had invalid authentication credentials.');
    }
    const route = `${req.method} ${url.pathname}`;
    if (route === 'POST /upload/youtube/v3/videos' && url.searchParams.get('uploadType') === 'resumable') return startSession(req, res, url);
    if (route === 'PUT /upload/youtube/v3/videos' && url.searchParams.get('upload_id')) return putChunk(req, res, url.searchParams.get('upload_id') ?? '');
    if (route === 'POST /youtube/v3/playlistItems') {
      const body = JSON.parse((await read(req)).toString()) as { snippet: { playlistId: string; resourceId: { videoId: string } } };
      const video = fake.videos.get(body.snippet.resourceId.videoId);
      if (!video) return googleError(res, 404, 'videoNotFound', 'Video not found');
      video.playlists.push(body.snippet.playlistId);
      return json(res, 200, { kind: 'youtube#playlistItem', id: `PLI${randomBytes(4).toString('hex')}`, snippet: body.snippet });
    }
    if (route === 'POST /upload/youtube/v3/thumbnails/set') {
      const video = fake.videos.get(url.searchParams.get('videoId') ?? '');
      const body = await read(req);
      if (!video) return googleError(res, 404, 'videoNotFound', 'Video not found');
      video.thumbnail = body;
      return json(res, 200, { kind: 'youtube#thumbnailSetResponse', items: [{ default: { url: 'https://i.ytimg.com/x.jpg' } }] });
    }
    if (route === 'POST /upload/youtube/v3/captions' && url.searchParams.get('uploadType') === 'multipart') {
      const parts = multipart(req.headers['content-type'] ?? '', await read(req));
      const resource = JSON.parse(parts[0] ?? '{}') as { snippet: Record<string, unknown> & { videoId: string } };
      const video = fake.videos.get(resource.snippet.videoId);
      if (!video) return googleError(res, 404, 'videoNotFound', 'Video not found');
      const caption = { id: `CAP${randomBytes(4).toString('hex')}`, snippet: resource.snippet, body: parts[1] ?? '' };
      video.captions.push(caption);
      return json(res, 200, { kind: 'youtube#caption', id: caption.id, snippet: caption.snippet });
    }
    if (route === 'DELETE /youtube/v3/captions') {
      const id = url.searchParams.get('id');
      for (const video of fake.videos.values()) video.captions = video.captions.filter((c) => c.id !== id);
      res.writeHead(204).end();
      return;
    }
    if (route === 'PUT /youtube/v3/videos') {
      const body = JSON.parse((await read(req)).toString()) as { id: string; snippet: Record<string, unknown> };
      const video = fake.videos.get(body.id);
      if (!video) return googleError(res, 404, 'videoNotFound', 'Video not found');
      video.snippet = body.snippet;
      return json(res, 200, { kind: 'youtube#video', id: video.id, snippet: video.snippet });
    }
    await drain(req);
    googleError(res, 404, 'notFound', `no route ${route}`);
  }

  async function startSession(req: IncomingMessage, res: ServerResponse, url: URL) {
    const resource = JSON.parse((await read(req)).toString()) as Session['resource'];
    if (fake.rateLimited > 0) {
      fake.rateLimited -= 1;
      return googleError(res, 403, 'rateLimitExceeded', 'The request cannot be completed because you have exceeded your rate limit.', 'youtube.quota');
    }
    if (fake.quotaExceeded) return googleError(res, 403, 'quotaExceeded', 'The request cannot be completed because you have exceeded your quota.', 'youtube.quota');
    if (!resource.snippet?.title) return googleError(res, 400, 'invalidTitle', 'The request metadata specifies an invalid or empty video title.');
    const total = Number(req.headers['x-upload-content-length']);
    const id = randomBytes(8).toString('hex');
    fake.sessions.set(id, { total, received: [], size: 0, resource, notifySubscribers: url.searchParams.get('notifySubscribers'), videoId: null, puts: 0 });
    res.writeHead(200, { location: `${rootUrl}upload/youtube/v3/videos?uploadType=resumable&upload_id=${id}` }).end();
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
    const status = /^bytes \*\/(\d+)$/.exec(range);
    if (status) {
      await drain(req);
      return session.videoId ? json(res, 200, videoResource(session.videoId)) : incomplete(res, session);
    }
    const match = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(range);
    if (!match || Number(match[1]) !== session.size || Number(match[3]) !== session.total) {
      await drain(req);
      return googleError(res, 400, 'badContentRange', `unexpected Content-Range ${range} (have ${session.size})`);
    }
    session.puts += 1;
    if (fake.dropChunk === session.puts) {
      // Keep what arrived, rounded down to the 256 KiB quantum as Google does, then drop the connection.
      const body = await read(req);
      const kept = body.subarray(0, Math.floor(body.length / 2 / QUANTUM) * QUANTUM);
      session.received.push(kept);
      session.size += kept.length;
      req.socket.destroy();
      return;
    }
    const body = await read(req);
    if (body.length !== Number(match[2]) - Number(match[1]) + 1) return googleError(res, 400, 'badContentRange', 'body length does not match Content-Range');
    if (Number(match[2]) + 1 < session.total && body.length % QUANTUM !== 0) return googleError(res, 400, 'badChunk', 'chunks must be multiples of 256 KiB');
    session.received.push(body);
    session.size += body.length;
    if (session.size < session.total) return incomplete(res, session);
    const videoId = `vid${randomBytes(4).toString('hex')}`;
    session.videoId = videoId;
    fake.videos.set(videoId, {
      id: videoId,
      snippet: session.resource.snippet,
      status: session.resource.status,
      bytes: Buffer.concat(session.received),
      notifySubscribers: session.notifySubscribers,
      captions: [],
      thumbnail: null,
      playlists: [],
    });
    json(res, 201, videoResource(videoId));
  }

  function videoResource(id: string) {
    const video = fake.videos.get(id);
    return { kind: 'youtube#video', id, snippet: video?.snippet, status: { ...video?.status, uploadStatus: 'uploaded' } };
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

function incomplete(res: ServerResponse, session: Session) {
  res.writeHead(308, session.size > 0 ? { range: `bytes=0-${session.size - 1}` } : {}).end();
}

/** The media parts of a multipart/related body, as text, in order. */
function multipart(contentType: string, body: Buffer): string[] {
  const boundary = /boundary=([^;]+)/.exec(contentType)?.[1];
  if (!boundary) return [];
  return body
    .toString('utf8')
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((part) => part.slice(part.indexOf('\r\n\r\n') + 4).replace(/\r\n$/, ''));
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

function googleError(res: ServerResponse, code: number, reason: string, message: string, domain = 'youtube') {
  if (res.headersSent) return;
  json(res, code, { error: { code, message, errors: [{ message, domain, reason }], status: code === 401 ? 'UNAUTHENTICATED' : code === 403 ? 'PERMISSION_DENIED' : 'FAILED' } });
}

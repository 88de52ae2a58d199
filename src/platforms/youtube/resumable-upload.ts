import { RateLimitedError } from '../../lib/errors.js';
import { PlatformUnauthorizedError, PublishDeferredError, type PublishFile } from '../publisher.js';
import type { Readable } from 'node:stream';

// YouTube's resumable upload protocol (developers.google.com/youtube/v3/guides/using_resumable_upload_protocol):
// POST the metadata → session URI; PUT the bytes in chunks (multiples of 256 KiB) with Content-Range;
// 308 "Resume Incomplete" carries the Range the server has; after an interruption a PUT with
// `Content-Range: bytes */N` asks where to continue. googleapis does not chunk or resume, so this
// part speaks HTTP itself; the session URI is checkpointed so a retry continues the same upload.

export interface UploadSession {
  uri: string;
  total: number;
}

export interface VideoResource {
  id: string;
  [key: string]: unknown;
}

export class YouTubeApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string | null,
    message: string,
  ) {
    super(message);
    this.name = 'YouTubeApiError';
  }
}

/** The project's (or channel's) daily allowance is gone: wait for the reset. */
const QUOTA_REASONS = new Set(['quotaExceeded', 'dailyLimitExceeded', 'uploadLimitExceeded']);
/** Short-term throttling: retry in a while. */
const RATE_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded']);

/** Maps an error answer of any YouTube endpoint to the error vocabulary of publishers. */
export async function youtubeError(res: Response, retryAt: () => Date): Promise<Error> {
  const body = (await res.json().catch(() => null)) as { error?: { message?: string; errors?: Array<{ reason?: string }> } } | null;
  const reason = body?.error?.errors?.[0]?.reason ?? null;
  const message = body?.error?.message ?? `YouTube answered ${res.status}`;
  return classifyYouTubeError(res.status, reason, message, retryAt);
}

export function classifyYouTubeError(status: number, reason: string | null, message: string, retryAt: () => Date): Error {
  if (status === 401) return new PlatformUnauthorizedError(`YouTube refused the token: ${message}`);
  if (status === 403 && reason && QUOTA_REASONS.has(reason)) {
    return new PublishDeferredError(retryAt(), `YouTube quota exhausted (${reason}); deferred until the daily reset`);
  }
  if (status === 429 || (status === 403 && reason && RATE_REASONS.has(reason))) {
    return new RateLimitedError(60, `YouTube rate limit (${reason ?? status}); retry later`);
  }
  return new YouTubeApiError(status, reason, `YouTube API error ${status}${reason ? ` (${reason})` : ''}: ${message}`);
}

export interface ResumableUploadOptions {
  apiRoot: string;
  token: string;
  chunkBytes: number;
  file: PublishFile;
  open(file: PublishFile, range: { start: number; end: number }): Promise<Readable>;
  onProgress(sentBytes: number, total: number): void;
  retryAt: () => Date;
  /** In-process resumes after a dropped connection before giving up (a later retry resumes too). */
  maxResumes?: number;
}

export async function startUploadSession(options: ResumableUploadOptions, resource: object, query: Record<string, string>): Promise<UploadSession> {
  const url = new URL('upload/youtube/v3/videos', options.apiRoot);
  url.search = new URLSearchParams({ uploadType: 'resumable', part: 'snippet,status', ...query }).toString();
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${options.token}`,
      'content-type': 'application/json; charset=UTF-8',
      'x-upload-content-length': String(options.file.sizeBytes),
      'x-upload-content-type': options.file.contentType,
    },
    body: JSON.stringify(resource),
    signal: AbortSignal.timeout(60_000),
  });
  if (!res.ok) throw await youtubeError(res, options.retryAt);
  const uri = res.headers.get('location');
  if (!uri) throw new YouTubeApiError(res.status, null, 'YouTube did not return an upload session');
  return { uri, total: options.file.sizeBytes };
}

/** Bytes the server has, or the finished video; null when the session is gone (expired after a week). */
export async function querySession(session: UploadSession, options: Pick<ResumableUploadOptions, 'token' | 'retryAt'>): Promise<number | VideoResource | null> {
  const res = await fetch(session.uri, {
    method: 'PUT',
    headers: { authorization: `Bearer ${options.token}`, 'content-range': `bytes */${session.total}`, 'content-length': '0' },
    signal: AbortSignal.timeout(60_000),
  });
  if (res.status === 308) return receivedBytes(res);
  if (res.status === 200 || res.status === 201) return (await res.json()) as VideoResource;
  if (res.status === 404 || res.status === 410) return null;
  throw await youtubeError(res, options.retryAt);
}

/** Sends the bytes from `offset` on, resuming in place after dropped connections. */
export async function uploadFrom(session: UploadSession, offset: number, options: ResumableUploadOptions): Promise<VideoResource> {
  let sent = offset;
  let resumes = 0;
  for (;;) {
    const end = Math.min(sent + options.chunkBytes, session.total) - 1;
    let res: Response;
    try {
      const chunk = await readRange(options, sent, end);
      res = await fetch(session.uri, {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${options.token}`,
          'content-type': options.file.contentType,
          'content-range': `bytes ${sent}-${end}/${session.total}`,
        },
        body: chunk,
        signal: AbortSignal.timeout(600_000),
      });
    } catch (error) {
      // The connection dropped mid-chunk: ask the server what it kept and continue from there.
      if (resumes >= (options.maxResumes ?? 3)) throw error;
      resumes += 1;
      const state = await querySession(session, options);
      if (state === null) throw new YouTubeApiError(404, 'sessionExpired', 'the upload session expired');
      if (typeof state !== 'number') return state;
      sent = state;
      options.onProgress(sent, session.total);
      continue;
    }
    if (res.status === 200 || res.status === 201) {
      options.onProgress(session.total, session.total);
      return (await res.json()) as VideoResource;
    }
    if (res.status === 308) {
      sent = receivedBytes(res);
      options.onProgress(sent, session.total);
      continue;
    }
    if (res.status >= 500 && resumes < (options.maxResumes ?? 3)) {
      resumes += 1;
      await res.body?.cancel();
      const state = await querySession(session, options);
      if (state === null) throw new YouTubeApiError(404, 'sessionExpired', 'the upload session expired');
      if (typeof state !== 'number') return state;
      sent = state;
      continue;
    }
    throw await youtubeError(res, options.retryAt);
  }
}

function receivedBytes(res: Response): number {
  const range = res.headers.get('range');
  const match = range ? /bytes=0-(\d+)/.exec(range) : null;
  return match ? Number(match[1]) + 1 : 0;
}

/** One chunk in memory (at most chunkBytes), as fetch needs a sized body for Content-Range. */
async function readRange(options: ResumableUploadOptions, start: number, end: number): Promise<Uint8Array<ArrayBuffer>> {
  const body = new Uint8Array(new ArrayBuffer(end - start + 1));
  let filled = 0;
  for await (const chunk of await options.open(options.file, { start, end })) {
    body.set(chunk as Buffer, filled);
    filled += (chunk as Buffer).length;
  }
  return filled === body.length ? body : body.slice(0, filled);
}

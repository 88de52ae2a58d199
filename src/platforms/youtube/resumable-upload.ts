import { RateLimitedError } from '../../lib/errors.js';
import { queryResumable, uploadResumableFrom, type ResumableProtocol, type ResumableSession, type ResumableTransfer } from '../google-resumable.js';
import { PlatformUnauthorizedError, PublishDeferredError } from '../publisher.js';

// YouTube's resumable upload: POST the metadata → session URI, then the bytes through the shared
// Google protocol (../google-resumable.ts). The session URI is checkpointed by the publisher, so a
// retry continues the same upload.

export type UploadSession = ResumableSession;

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

export interface ResumableUploadOptions extends ResumableTransfer {
  apiRoot: string;
  retryAt: () => Date;
}

const protocolOf = (options: Pick<ResumableUploadOptions, 'retryAt'>): ResumableProtocol => ({
  fail: (res) => youtubeError(res, options.retryAt),
  expired: () => new YouTubeApiError(404, 'sessionExpired', 'the upload session expired'),
});

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
export function querySession(session: UploadSession, options: Pick<ResumableUploadOptions, 'token' | 'retryAt'>): Promise<number | VideoResource | null> {
  return queryResumable<VideoResource>(session, options.token, protocolOf(options));
}

/** Sends the bytes from `offset` on, resuming in place after dropped connections. */
export function uploadFrom(session: UploadSession, offset: number, options: ResumableUploadOptions): Promise<VideoResource> {
  return uploadResumableFrom<VideoResource>(session, offset, options, protocolOf(options));
}

import type { Readable } from 'node:stream';
import { CredentialError, RateLimitedError, ValidationError } from '../../lib/errors.js';
import { PlatformUnauthorizedError, type PublishFile } from '../publisher.js';
import { failureOf, RATE_REASONS, type GoogleApiFailure } from './drive-api.js';

// Drive's resumable upload (developers.google.com/workspace/drive/api/guides/manage-uploads#resumable):
// POST the file's metadata with uploadType=resumable → a session URI in Location; PUT the bytes in
// chunks (multiples of 256 KiB) with Content-Range; 308 "Resume Incomplete" carries the Range Drive
// has; `Content-Range: bytes */N` asks where to continue. The session URI is checkpointed by the
// publisher, so a retry after a crash continues the same upload instead of starting another.

export interface DriveUploadSession {
  uri: string;
  total: number;
}

export interface DriveFileResource {
  id: string;
  webViewLink?: string;
}

export interface DriveUploadOptions {
  apiRoot: string;
  token: string;
  chunkBytes: number;
  file: PublishFile;
  open(file: PublishFile, range: { start: number; end: number }): Promise<Readable>;
  onProgress(sentBytes: number, total: number): void;
  /** In-process resumes after a dropped connection or a 5xx before giving up (a later retry resumes too). */
  maxResumes?: number;
}

const RETURNED_FIELDS = 'id,name,webViewLink,md5Checksum,size';

/** Google's answer as a publisher error: 401 renews the token, throttling waits, a full Drive fails. */
export function driveError(failure: GoogleApiFailure, credentialId: string | null = null): Error {
  const detail = `${failure.reason ? ` (${failure.reason})` : ''}: ${failure.message}`;
  if (failure.status === 401) return new PlatformUnauthorizedError(`Google Drive refused the token${detail}`);
  if (failure.status === 429 || (failure.status === 403 && failure.reason && RATE_REASONS.has(failure.reason))) return new RateLimitedError(60, 'Google Drive rate limit reached; retry later');
  if (failure.status === 403 && failure.reason === 'storageQuotaExceeded') return new ValidationError('The Google Drive of this account is full');
  if (failure.status === 403) return new CredentialError(`Google Drive refused the request${detail}; check the account's access to the folder or reconnect it`, credentialId);
  if (failure.status === 404) return new ValidationError(`Google Drive cannot find the folder or file${detail}`);
  if (failure.status >= 400 && failure.status < 500) return new ValidationError(`Google Drive refused the request (HTTP ${failure.status}${detail})`);
  return new Error(`Google Drive answered HTTP ${failure.status}${detail}`);
}

export async function startDriveUpload(options: DriveUploadOptions, resource: object): Promise<DriveUploadSession> {
  const url = new URL('upload/drive/v3/files', options.apiRoot);
  url.search = new URLSearchParams({ uploadType: 'resumable', supportsAllDrives: 'true', fields: RETURNED_FIELDS }).toString();
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
  if (!res.ok) throw driveError(await failureOf(res));
  await res.body?.cancel();
  const uri = res.headers.get('location');
  if (!uri) throw new Error('Google Drive did not return an upload session');
  return { uri, total: options.file.sizeBytes };
}

/** Bytes Drive has, or the finished file; null when the session is gone (sessions expire after a week). */
export async function queryDriveUpload(session: DriveUploadSession, token: string): Promise<number | DriveFileResource | null> {
  const res = await fetch(session.uri, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-range': `bytes */${session.total}`, 'content-length': '0' },
    signal: AbortSignal.timeout(60_000),
  });
  if (res.status === 308) return receivedBytes(res);
  if (res.status === 200 || res.status === 201) return (await res.json()) as DriveFileResource;
  if (res.status === 404 || res.status === 410) {
    await res.body?.cancel();
    return null;
  }
  throw driveError(await failureOf(res));
}

/** Sends the bytes from `offset` on, resuming in place after dropped connections and 5xx answers. */
export async function uploadDriveFrom(session: DriveUploadSession, offset: number, options: DriveUploadOptions): Promise<DriveFileResource> {
  let sent = offset;
  let resumes = 0;
  const resume = async (cause: unknown): Promise<DriveFileResource | null> => {
    if (resumes >= (options.maxResumes ?? 3)) throw cause;
    resumes += 1;
    const state = await queryDriveUpload(session, options.token);
    if (state === null) throw new Error('the Google Drive upload session expired; a retry starts a new one');
    if (typeof state !== 'number') return state;
    sent = state;
    options.onProgress(sent, session.total);
    return null;
  };
  for (;;) {
    const end = Math.min(sent + options.chunkBytes, session.total) - 1;
    let res: Response;
    try {
      const chunk = await readRange(options, sent, end);
      res = await fetch(session.uri, {
        method: 'PUT',
        headers: { authorization: `Bearer ${options.token}`, 'content-type': options.file.contentType, 'content-range': `bytes ${sent}-${end}/${session.total}` },
        body: chunk,
        signal: AbortSignal.timeout(600_000),
      });
    } catch (error) {
      // The connection dropped mid-chunk: ask Drive what it kept and continue from there.
      const done = await resume(error);
      if (done) return done;
      continue;
    }
    if (res.status === 200 || res.status === 201) {
      options.onProgress(session.total, session.total);
      return (await res.json()) as DriveFileResource;
    }
    if (res.status === 308) {
      sent = receivedBytes(res);
      options.onProgress(sent, session.total);
      continue;
    }
    if (res.status >= 500) {
      await res.body?.cancel();
      const done = await resume(new Error(`Google Drive answered HTTP ${res.status} during the upload`));
      if (done) return done;
      continue;
    }
    throw driveError(await failureOf(res));
  }
}

function receivedBytes(res: Response): number {
  const match = /bytes=0-(\d+)/.exec(res.headers.get('range') ?? '');
  return match ? Number(match[1]) + 1 : 0;
}

/** One chunk in memory (at most chunkBytes), as fetch needs a sized body for Content-Range. */
async function readRange(options: DriveUploadOptions, start: number, end: number): Promise<Uint8Array<ArrayBuffer>> {
  const body = new Uint8Array(new ArrayBuffer(end - start + 1));
  let filled = 0;
  for await (const chunk of await options.open(options.file, { start, end })) {
    body.set(chunk as Buffer, filled);
    filled += (chunk as Buffer).length;
  }
  return filled === body.length ? body : body.slice(0, filled);
}

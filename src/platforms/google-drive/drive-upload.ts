import { CredentialError, RateLimitedError, ValidationError } from '../../lib/errors.js';
import { queryResumable, uploadResumableFrom, type ResumableProtocol, type ResumableSession, type ResumableTransfer } from '../google-resumable.js';
import { PlatformUnauthorizedError } from '../publisher.js';
import { failureOf, RATE_REASONS, type GoogleApiFailure } from './drive-api.js';

// Drive's resumable upload: POST the file's metadata with uploadType=resumable → a session URI in
// Location, then the bytes through the shared Google protocol (../google-resumable.ts). The session
// URI is checkpointed by the publisher, so a retry after a crash continues the same upload instead
// of starting another.

export type DriveUploadSession = ResumableSession;

export interface DriveFileResource {
  id: string;
  webViewLink?: string;
}

export interface DriveUploadOptions extends ResumableTransfer {
  apiRoot: string;
}

const DRIVE_PROTOCOL: ResumableProtocol = {
  fail: async (res) => driveError(await failureOf(res)),
  expired: () => new Error('the Google Drive upload session expired; a retry starts a new one'),
};

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
export function queryDriveUpload(session: DriveUploadSession, token: string): Promise<number | DriveFileResource | null> {
  return queryResumable<DriveFileResource>(session, token, DRIVE_PROTOCOL);
}

/** Sends the bytes from `offset` on, resuming in place after dropped connections and 5xx answers. */
export function uploadDriveFrom(session: DriveUploadSession, offset: number, options: DriveUploadOptions): Promise<DriveFileResource> {
  return uploadResumableFrom<DriveFileResource>(session, offset, options, DRIVE_PROTOCOL);
}

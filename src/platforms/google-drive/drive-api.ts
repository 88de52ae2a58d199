import { drive, type drive_v3 } from '@googleapis/drive';

// Google Drive API v3 (developers.google.com/workspace/drive/api/reference/rest/v3) as both the
// source adapter and the publisher use it: the googleapis client for metadata calls, Google's error
// bodies read into one shape, and the query language's string quoting.

export const FOLDER_MIME = 'application/vnd.google-apps.folder';

/** Fields of a file LEAP reads (sizes are int64 strings in v3). */
export const FILE_FIELDS = 'id,name,mimeType,md5Checksum,size,createdTime,modifiedTime,fileExtension,webViewLink,parents,appProperties';

export function driveApi(rootUrl: string): drive_v3.Drive {
  return drive({ version: 'v3', rootUrl });
}

/** Per-call options: the bearer token, no hidden retries (the pipeline retries), a time limit. */
export function callOptions(rootUrl: string, token: string, timeoutMs = 60_000) {
  // Media uploads build their URL from the per-call rootUrl, not the client's.
  return { headers: { authorization: `Bearer ${token}` }, retry: false, timeout: timeoutMs, rootUrl };
}

/** A Drive query string literal: backslashes and single quotes escaped. */
export function quoted(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

export interface GoogleApiFailure {
  status: number;
  reason: string | null;
  message: string;
}

/** Google's error answer behind a googleapis (gaxios) error; null for network failures and others. */
export function googleFailure(error: unknown): GoogleApiFailure | null {
  if (!(error instanceof Error)) return null;
  const gaxios = error as Error & { status?: number; response?: { status?: number; data?: unknown } };
  const status = gaxios.status ?? gaxios.response?.status;
  if (typeof status !== 'number') return null;
  const body = (gaxios.response?.data ?? null) as { error?: { message?: unknown; errors?: Array<{ reason?: unknown }> } } | null;
  const reason = body?.error?.errors?.[0]?.reason;
  const message = body?.error?.message;
  return { status, reason: typeof reason === 'string' ? reason : null, message: typeof message === 'string' ? message.slice(0, 200) : error.message.slice(0, 200) };
}

/** Per-user and per-project throttling (403 or 429): worth retrying later, not an auth problem. */
export const RATE_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded']);

/** Google's answer from a plain fetch (resumable uploads speak HTTP themselves). */
export async function failureOf(res: Response): Promise<GoogleApiFailure> {
  const body = (await res.json().catch(() => null)) as { error?: { message?: unknown; errors?: Array<{ reason?: unknown }> } } | null;
  const reason = body?.error?.errors?.[0]?.reason;
  const message = body?.error?.message;
  return { status: res.status, reason: typeof reason === 'string' ? reason : null, message: typeof message === 'string' ? message.slice(0, 200) : `HTTP ${res.status}` };
}

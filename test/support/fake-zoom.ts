import { randomBytes } from 'node:crypto';
import { listen, readBody, record, sendFile, sendJson, type RecordedRequest } from './http-fixtures.js';

// A local Zoom: the OAuth token endpoint (server-to-server account_credentials and user
// refresh_token grants, HTTP Basic client auth), GET /v2/users/{id}/recordings with Zoom's date
// range limit and next_page_token paging, and file downloads that need the bearer token.

export interface ZoomFileJson {
  id: string;
  file_type: string;
  file_extension?: string;
  file_size?: number;
  recording_type: string;
  status: 'completed' | 'processing';
  download_url?: string;
}

export interface ZoomMeetingJson {
  uuid: string;
  id: number;
  topic: string;
  start_time: string;
  /** Minutes. */
  duration: number;
  total_size?: number;
  host_id?: string;
  recording_files: ZoomFileJson[];
}

export interface FakeZoom {
  origin: string;
  apiBaseUrl: string;
  oauthBaseUrl: string;
  app: { accountId: string; clientId: string; clientSecret: string };
  meetings: ZoomMeetingJson[];
  requests: RecordedRequest[];
  /** Largest page the fake answers (Zoom: 300), small in tests to force paging. */
  pageSizeCap: number;
  /** Serves `file` at a download_url. */
  addFile(fileId: string, file: string): string;
  /** A user-OAuth refresh token the token endpoint accepts once (Zoom rotates them). */
  addRefreshToken(token: string): void;
  /** Every access token issued so far stops working (as after expiry). */
  revokeTokens(): void;
  /** The next download of `fileId` is cut after this many bytes. */
  cutNextDownload(fileId: string, afterBytes: number): void;
  /** The next download of `fileId` answers this status (e.g. 502). */
  failNextDownload(fileId: string, status: number): void;
  /** The next listing call answers this status (e.g. 500). */
  failNextListing(status: number): void;
  tokensIssued: number;
  close(): Promise<void>;
}

const DAY_MS = 24 * 3600 * 1000;

export async function startFakeZoom(): Promise<FakeZoom> {
  const validTokens = new Set<string>();
  const refreshTokens = new Set<string>();
  const files = new Map<string, string>();
  const cuts = new Map<string, number>();
  const downloadFailures = new Map<string, number>();
  let failListing: number | null = null;

  const issue = (withRefresh: boolean) => {
    const accessToken = `zat-${randomBytes(12).toString('hex')}`;
    validTokens.add(accessToken);
    fake.tokensIssued += 1;
    const refreshToken = withRefresh ? `zrt-${randomBytes(12).toString('hex')}` : undefined;
    if (refreshToken) refreshTokens.add(refreshToken);
    return { access_token: accessToken, token_type: 'bearer', expires_in: 3599, scope: 'cloud_recording:read:list_user_recordings', ...(refreshToken ? { refresh_token: refreshToken } : {}) };
  };
  const bearerOk = (authorization: string | null) => {
    const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    return token !== undefined && validTokens.has(token);
  };

  const http = await listen(async (req, res, url) => {
    const request = record(req, url);
    fake.requests.push(request);

    if (req.method === 'POST' && url.pathname === '/oauth/token') {
      const params = new URLSearchParams([...url.searchParams, ...new URLSearchParams(await readBody(req))]);
      const basic = `Basic ${Buffer.from(`${fake.app.clientId}:${fake.app.clientSecret}`).toString('base64')}`;
      if (request.authorization !== basic) return sendJson(res, 401, { reason: 'Invalid client_id or client_secret', error: 'invalid_client' });
      const grant = params.get('grant_type');
      if (grant === 'account_credentials') {
        if (params.get('account_id') !== fake.app.accountId) return sendJson(res, 400, { reason: 'Invalid account_id', error: 'invalid_request' });
        return sendJson(res, 200, issue(false));
      }
      if (grant === 'refresh_token') {
        const token = params.get('refresh_token') ?? '';
        if (!refreshTokens.delete(token)) return sendJson(res, 400, { reason: 'Invalid Token!', error: 'invalid_request' });
        return sendJson(res, 200, issue(true));
      }
      return sendJson(res, 400, { reason: 'Unsupported grant type', error: 'unsupported_grant_type' });
    }

    const listing = /^\/v2\/users\/([^/]+)\/recordings$/.exec(url.pathname);
    if (req.method === 'GET' && listing) {
      if (!bearerOk(request.authorization)) return sendJson(res, 401, { code: 124, message: 'Invalid access token.' });
      if (failListing !== null) {
        const status = failListing;
        failListing = null;
        return sendJson(res, status, { code: status, message: 'Internal error' });
      }
      if (listing[1] !== 'me') return sendJson(res, 404, { code: 1001, message: 'User does not exist: ' + decodeURIComponent(listing[1] ?? '') });
      const from = url.searchParams.get('from') ?? '';
      const to = url.searchParams.get('to') ?? '';
      if (!/^\d{4}-\d{2}-\d{2}$/.test(from) || !/^\d{4}-\d{2}-\d{2}$/.test(to)) return sendJson(res, 400, { code: 300, message: 'Invalid parameter: from/to' });
      // Zoom lists at most one month per call.
      if (Date.parse(to) - Date.parse(from) > 30 * DAY_MS) return sendJson(res, 400, { code: 300, message: 'The date range is limited to one month.' });
      const inRange = fake.meetings
        .filter((m) => m.start_time.slice(0, 10) >= from && m.start_time.slice(0, 10) <= to)
        .sort((a, b) => b.start_time.localeCompare(a.start_time));
      const pageSize = Math.min(Number(url.searchParams.get('page_size') ?? 30), 300, fake.pageSizeCap);
      const token = url.searchParams.get('next_page_token');
      const offset = token ? Number(Buffer.from(token, 'base64url').toString().split('|')[1]) : 0;
      const page = inRange.slice(offset, offset + pageSize);
      const next = offset + pageSize < inRange.length ? Buffer.from(`${from}${to}|${offset + pageSize}`).toString('base64url') : '';
      return sendJson(res, 200, { from, to, page_count: Math.ceil(inRange.length / pageSize), page_size: pageSize, total_records: inRange.length, next_page_token: next, meetings: page });
    }

    const download = /^\/rec\/download\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && download) {
      if (!bearerOk(request.authorization)) return sendJson(res, 401, { status: false, errorCode: 124, errorMessage: 'Invalid access token.' });
      const file = files.get(download[1] ?? '');
      if (!file) return sendJson(res, 404, { status: false, errorCode: 3301, errorMessage: 'This recording does not exist.' });
      const failure = downloadFailures.get(download[1] ?? '');
      if (failure !== undefined) {
        downloadFailures.delete(download[1] ?? '');
        return sendJson(res, failure, { status: false, errorCode: failure, errorMessage: 'Service unavailable' });
      }
      const cut = cuts.get(download[1] ?? '');
      cuts.delete(download[1] ?? '');
      return sendFile(req, res, file, cut !== undefined ? { cutAfterBytes: cut } : {});
    }
    sendJson(res, 404, { code: 404, message: 'Not found' });
  });

  const fake: FakeZoom = {
    origin: http.origin,
    apiBaseUrl: `${http.origin}/v2`,
    oauthBaseUrl: http.origin,
    app: { accountId: 'acct-leap-test', clientId: 'client-leap-test', clientSecret: `secret-${randomBytes(8).toString('hex')}` },
    meetings: [],
    requests: [],
    pageSizeCap: 300,
    tokensIssued: 0,
    addFile(fileId, file) {
      files.set(fileId, file);
      return `${http.origin}/rec/download/${fileId}`;
    },
    addRefreshToken: (token) => void refreshTokens.add(token),
    revokeTokens: () => validTokens.clear(),
    cutNextDownload: (fileId, afterBytes) => void cuts.set(fileId, afterBytes),
    failNextDownload: (fileId, status) => void downloadFailures.set(fileId, status),
    failNextListing: (status) => {
      failListing = status;
    },
    close: http.close,
  };
  return fake;
}

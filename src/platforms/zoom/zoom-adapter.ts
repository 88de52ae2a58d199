import path from 'node:path';
import { ConflictError, CredentialError } from '../../lib/errors.js';
import { downloadToFile, fetchJson, throwForStatus, withTokenRetry, type AuthRejectedError } from '../http.js';
import { metaNumber, metaString, type DownloadedFile, type DownloadProgress, type RemoteRecording, type SourceAdapter, type SourceAuth, type SourceMeta, type SyncWindow } from '../source-adapter.js';
import { dateWindows, recordingsPageSchema, toRemoteRecording } from './recordings.js';

// Zoom REST v2: cloud recordings of one user (`me` for the token's owner), listed in ≤ 30-day
// windows with next_page_token paging, downloaded from the file's download_url with the token.

export interface ZoomAdapterOptions {
  apiBaseUrl: string;
  /** `me`, or a user id / email for master-account tokens. */
  userId: string;
  credentialId: string | null;
  idleTimeoutMs: number;
  maxBytes: number;
}

const API_TIMEOUT_MS = 30_000;
const PAGE_SIZE = 300;

const providerMessage = (body: unknown): string => {
  const message = (body as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message.slice(0, 200) : '';
};

export class ZoomAdapter implements SourceAdapter {
  constructor(
    private readonly auth: SourceAuth,
    private readonly options: ZoomAdapterOptions,
  ) {}

  async list(window: SyncWindow): Promise<RemoteRecording[]> {
    const found = new Map<string, RemoteRecording>();
    for (const range of dateWindows(window.from, window.to)) {
      let pageToken = '';
      do {
        const query = new URLSearchParams({ from: range.from, to: range.to, page_size: String(PAGE_SIZE), trash: 'false', ...(pageToken ? { next_page_token: pageToken } : {}) });
        const url = `${this.options.apiBaseUrl.replace(/\/$/, '')}/users/${encodeURIComponent(this.options.userId)}/recordings?${query}`;
        const page = recordingsPageSchema.parse(await this.get(url, 'Zoom user'));
        for (const meeting of page.meetings) {
          const recording = toRemoteRecording(meeting);
          if (recording) found.set(recording.sourceKey, recording);
        }
        pageToken = page.next_page_token ?? '';
      } while (pageToken);
    }
    return [...found.values()];
  }

  async download(meta: SourceMeta, workDir: string, onProgress?: DownloadProgress): Promise<DownloadedFile> {
    const url = metaString(meta, 'downloadUrl');
    if (!url) throw new ConflictError('Zoom is still processing this recording; sync the source again later');
    const extension = metaString(meta, 'extension') ?? 'mp4';
    const file = path.join(workDir, `download.${extension}`);
    const expectedSize = metaNumber(meta, 'fileSize');
    await withTokenRetry(
      this.auth,
      (token) =>
        downloadToFile(url, file, {
          headers: { authorization: `Bearer ${token}` },
          expectedSize,
          idleTimeoutMs: this.options.idleTimeoutMs,
          maxBytes: this.options.maxBytes,
          onProgress: (received, total) => onProgress?.(total ? received / total : 0, `${received} bytes received`),
        }),
      (error) => this.rejected(error),
    );
    return { path: file, extension };
  }

  private async get(url: string, what: string): Promise<unknown> {
    return withTokenRetry(
      this.auth,
      async (token) => {
        const { status, body } = await fetchJson(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, timeoutMs: API_TIMEOUT_MS });
        if (status !== 200) throwForStatus(status, what, providerMessage(body));
        return body;
      },
      (error) => this.rejected(error),
    );
  }

  private rejected(error: AuthRejectedError): CredentialError {
    return new CredentialError(`Zoom rejected the account's token${error.providerMessage ? ` (${error.providerMessage})` : ''}; reconnect the account`, this.options.credentialId);
  }
}

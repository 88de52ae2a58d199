import { config } from '../../config.js';
import type { UrlGuardOptions } from '../../platforms/yt-dlp/url-guard.js';
import { vaultNotConnected, type SourceCredentials } from './source-credentials.js';

/** Endpoints, limits and the credentials port of ingest; defaults from config, tests override parts. */
export interface IngestOptions {
  zoom: { apiBaseUrl: string; oauthBaseUrl: string };
  yandexDisk: { apiBaseUrl: string };
  /** Root of the Google APIs; the Drive API lives under drive/v3. */
  googleDrive: { apiRoot: string };
  ytDlp: { binary: string; probeTimeoutMs: number };
  urlGuard: UrlGuardOptions;
  idleTimeoutMs: number;
  maxBytes: number;
  tempDir: string;
  blank: { minDurationSec: number; minSizeBytes: number };
  credentials: SourceCredentials;
}

export type IngestOverrides = Partial<IngestOptions>;

export function ingestOptions(overrides: IngestOverrides = {}): IngestOptions {
  const ingest = config.ingest;
  return {
    zoom: { apiBaseUrl: ingest.zoomApiBaseUrl, oauthBaseUrl: ingest.zoomOAuthBaseUrl },
    yandexDisk: { apiBaseUrl: ingest.yandexDiskApiBaseUrl },
    googleDrive: { apiRoot: ingest.googleDriveApiRoot },
    ytDlp: { binary: ingest.ytDlpPath, probeTimeoutMs: ingest.ytDlpProbeTimeoutMs },
    urlGuard: { allowHosts: ingest.urlAllowHosts },
    idleTimeoutMs: ingest.idleTimeoutMs,
    maxBytes: config.uploads.maxBytes,
    tempDir: config.media.tempDir,
    blank: ingest.blank,
    credentials: vaultNotConnected,
    ...overrides,
  };
}

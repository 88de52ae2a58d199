import type { InputSource } from '../../generated/prisma/client.js';
import { CredentialError } from '../../lib/errors.js';
import { GoogleDriveAdapter } from '../../platforms/google-drive/google-drive-adapter.js';
import type { SourceAdapter } from '../../platforms/source-adapter.js';
import { YandexDiskAdapter } from '../../platforms/yandex-disk/yandex-disk-adapter.js';
import { YtDlpAdapter } from '../../platforms/yt-dlp/yt-dlp-adapter.js';
import { ZoomAdapter } from '../../platforms/zoom/zoom-adapter.js';
import type { IngestOptions } from './ingest-options.js';
import { needsCredential, parseSourceConfig, type UrlSourceConfig } from './source-config.js';

// The adapter of a source: its type picks the platform, its config and account set it up.

export function ytDlpAdapter(options: IngestOptions, source: UrlSourceConfig | null = null): YtDlpAdapter {
  return new YtDlpAdapter({ ...options.ytDlp, idleTimeoutMs: options.idleTimeoutMs, maxBytes: options.maxBytes }, options.urlGuard, source);
}

export async function adapterFor(source: Pick<InputSource, 'tenantId' | 'type' | 'config' | 'credentialId'>, options: IngestOptions): Promise<SourceAdapter> {
  const parsed = parseSourceConfig(source.type, source.config);
  const common = { credentialId: source.credentialId, idleTimeoutMs: options.idleTimeoutMs, maxBytes: options.maxBytes };
  if (needsCredential(parsed) && !source.credentialId) throw new CredentialError('The source has no connected account; choose one');
  switch (parsed.type) {
    case 'ZOOM': {
      const auth = await options.credentials.authFor(source.tenantId, source.credentialId ?? '', 'ZOOM');
      return new ZoomAdapter(auth, { ...common, apiBaseUrl: options.zoom.apiBaseUrl, userId: parsed.config.userId });
    }
    case 'YANDEX_DISK': {
      const { publicUrl, folderPath, recursive, filePattern } = parsed.config;
      const target = publicUrl
        ? ({ kind: 'public', publicKey: publicUrl } as const)
        : ({ kind: 'folder', path: folderPath ?? '/', auth: await options.credentials.authFor(source.tenantId, source.credentialId ?? '', 'YANDEX_DISK') } as const);
      return new YandexDiskAdapter(target, { ...common, apiBaseUrl: options.yandexDisk.apiBaseUrl, recursive, filePattern: filePattern ? new RegExp(filePattern, 'iu') : null });
    }
    case 'GOOGLE_DRIVE': {
      const { folderId, recursive, filePattern, mimeTypes } = parsed.config;
      const auth = await options.credentials.authFor(source.tenantId, source.credentialId ?? '', 'GOOGLE_DRIVE');
      return new GoogleDriveAdapter(auth, { ...common, apiRoot: options.googleDrive.apiRoot, folderId, recursive, mimeTypes, filePattern: filePattern ? new RegExp(filePattern, 'iu') : null });
    }
    case 'URL':
      return ytDlpAdapter(options, parsed.config);
  }
}

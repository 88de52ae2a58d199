import path from 'node:path';
import { synthesizeMedia } from '../../src/media/synth.js';
import type { IngestOverrides } from '../../src/modules/sources/ingest-options.js';
import { vaultSourceCredentials, type SourceCredentials } from '../../src/modules/sources/source-credentials.js';
import { ZoomServerToServerAuth } from '../../src/platforms/zoom/auth.js';
import type { FakeYandexDisk } from './fake-yandex-disk.js';
import type { FakeZoom } from './fake-zoom.js';

// Ingest tests: a few seconds of generated lecture video, and the credentials port backed by the
// local providers (Zoom server-to-server tokens from the fake token endpoint, a Yandex OAuth token).

export async function makeLecture(dir: string, name = 'lecture.mp4', durationSec = 4): Promise<string> {
  const file = path.join(dir, name);
  await synthesizeMedia(file, {
    durationSec,
    sound: 'always',
    video: { codec: 'h264', width: 160, height: 120, fps: 10 },
    audio: { codec: 'aac', channels: 1 },
    muxer: name.endsWith('.webm') ? 'webm' : 'mp4',
    faststart: true,
  });
  return file;
}

export function localCredentials(providers: { zoom?: FakeZoom; yandex?: FakeYandexDisk }): SourceCredentials {
  return {
    async authFor(tenantId, credentialId, platform) {
      if (platform === 'ZOOM' && providers.zoom) return new ZoomServerToServerAuth(providers.zoom.app, providers.zoom.oauthBaseUrl, credentialId);
      if (platform === 'YANDEX_DISK' && providers.yandex) {
        const token = providers.yandex.token;
        return vaultSourceCredentials({ accessToken: async () => token }).authFor(tenantId, credentialId, platform);
      }
      throw new Error(`no local provider for ${platform}`);
    },
  };
}

export function ingestOverridesFor(providers: { zoom?: FakeZoom; yandex?: FakeYandexDisk }, extra: IngestOverrides = {}): IngestOverrides {
  return {
    ...(providers.zoom ? { zoom: { apiBaseUrl: providers.zoom.apiBaseUrl, oauthBaseUrl: providers.zoom.oauthBaseUrl } } : {}),
    ...(providers.yandex ? { yandexDisk: { apiBaseUrl: providers.yandex.apiBaseUrl } } : {}),
    credentials: localCredentials(providers),
    idleTimeoutMs: 10_000,
    ...extra,
  };
}

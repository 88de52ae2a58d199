import { config } from '../../config.js';
import { LocalStorage } from './local-storage.js';
import { S3Storage, type S3Settings } from './s3-storage.js';
import { FileUrlSigner } from './signed-urls.js';
import type { StorageBackend } from './backend.js';

// The storage backend chosen by configuration. The interface and key layout are in backend.ts.
export * from './backend.js';

export interface StorageSettings {
  backend: 'local' | 's3';
  localRoot: string;
  signer: FileUrlSigner;
  publicUrl: string | null;
  urlTtlSeconds: number;
  s3: S3Settings;
}

export function storageSettingsFromConfig(): StorageSettings {
  return {
    backend: config.storage.backend,
    localRoot: config.storage.localRoot,
    signer: FileUrlSigner.fromConfig(),
    publicUrl: config.http.publicUrl ?? null,
    urlTtlSeconds: config.storage.urlTtlSeconds,
    s3: config.storage.s3,
  };
}

export function createStorage(overrides: Partial<StorageSettings> = {}): StorageBackend {
  const settings = { ...storageSettingsFromConfig(), ...overrides };
  if (settings.backend === 's3') return new S3Storage(settings.s3, settings.urlTtlSeconds);
  return new LocalStorage(settings.localRoot, { signer: settings.signer, publicUrl: settings.publicUrl, urlTtlSeconds: settings.urlTtlSeconds });
}

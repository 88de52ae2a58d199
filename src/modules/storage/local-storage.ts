import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { NotFoundError } from '../../lib/errors.js';
import type { FileUrlSigner } from './signed-urls.js';
import {
  assertSafeKey,
  folderPrefix,
  streamToFile,
  type ByteRange,
  type DownloadUrl,
  type StorageBackend,
  type StoredObject,
} from './backend.js';

export interface LocalUrlSettings {
  signer: FileUrlSigner;
  /** Base of the API's own URLs (PUBLIC_URL); null gives root-relative URLs. */
  publicUrl: string | null;
  urlTtlSeconds: number;
}

/** Files under a root directory on the local disk (the default backend). */
export class LocalStorage implements StorageBackend {
  readonly kind = 'local';

  constructor(
    private readonly root: string,
    private readonly urls: LocalUrlSettings,
  ) {}

  private resolve(key: string): string {
    assertSafeKey(key);
    return path.join(this.root, key);
  }

  /** Writes next to the target and renames, so a reader never sees half a file. */
  private async writeAtomically(key: string, write: (partial: string) => Promise<void>): Promise<{ sizeBytes: number }> {
    const file = this.resolve(key);
    await mkdir(path.dirname(file), { recursive: true });
    const partial = `${file}.${process.pid}.${Date.now()}.partial`;
    try {
      await write(partial);
      await rename(partial, file);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
    return { sizeBytes: (await stat(file)).size };
  }

  put(key: string, body: Readable): Promise<{ sizeBytes: number }> {
    return this.writeAtomically(key, (partial) => pipeline(body, createWriteStream(partial)));
  }

  putFile(key: string, file: string): Promise<{ sizeBytes: number }> {
    return this.writeAtomically(key, (partial) => copyFile(file, partial));
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    const file = this.resolve(key);
    const found = await stat(file).catch(() => null);
    if (!found?.isFile()) throw new NotFoundError('File');
    return createReadStream(file, range ? { start: range.start, end: range.end } : {});
  }

  async getToFile(key: string, file: string): Promise<{ sizeBytes: number }> {
    await streamToFile(await this.get(key), file);
    return { sizeBytes: (await stat(file)).size };
  }

  async stat(key: string): Promise<{ sizeBytes: number } | null> {
    const found = await stat(this.resolve(key)).catch(() => null);
    return found?.isFile() ? { sizeBytes: found.size } : null;
  }

  async exists(key: string): Promise<boolean> {
    return (await this.stat(key)) !== null;
  }

  async list(prefix: string): Promise<StoredObject[]> {
    const folder = folderPrefix(prefix);
    const objects: StoredObject[] = [];
    const walk = async (dir: string, keyPrefix: string) => {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) await walk(full, `${keyPrefix}${entry.name}/`);
        else if (entry.isFile() && !entry.name.endsWith('.partial')) {
          objects.push({ key: `${keyPrefix}${entry.name}`, sizeBytes: (await stat(full)).size });
        }
      }
    };
    await walk(this.resolve(folder), folder);
    return objects.sort((a, b) => a.key.localeCompare(b.key));
  }

  async delete(key: string): Promise<void> {
    await rm(this.resolve(key), { force: true });
  }

  async deletePrefix(prefix: string): Promise<number> {
    const folder = folderPrefix(prefix);
    const freed = (await this.list(folder)).reduce((sum, o) => sum + o.sizeBytes, 0);
    await rm(this.resolve(folder), { recursive: true, force: true });
    return freed;
  }

  async downloadUrl(key: string, options: { expiresInSeconds?: number } = {}): Promise<DownloadUrl> {
    assertSafeKey(key);
    const expiresAt = new Date(Date.now() + (options.expiresInSeconds ?? this.urls.urlTtlSeconds) * 1000);
    const relative = this.urls.signer.signedPath(key, expiresAt);
    return { url: this.urls.publicUrl ? new URL(relative, this.urls.publicUrl).toString() : relative, expiresAt };
  }
}

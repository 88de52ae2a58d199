import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** An uploaded file received into a temp file: hashed and measured on the way, never held in memory. */
export interface StagedFile {
  /** Name as the client sent it: untrusted, checked before any use. */
  fileName: string;
  mimeType: string;
  /** The temp file with every byte, or null when receiving stopped (see `refusal`). */
  path: string | null;
  sizeBytes: number;
  sha256: string;
  /** The first bytes, for format sniffing without reopening the file. */
  head: Buffer;
  /** Why receiving stopped early, e.g. the size limit. */
  refusal: 'TOO_LARGE' | null;
}

export const HEAD_BYTES = 4096;

/**
 * Streams `body` into a new temp file under `tempDir`, hashing (SHA-256) and counting as it goes.
 * Past `maxBytes` nothing more is written (the rest of the body is read and dropped, so a multipart
 * parser behind it can go on) and the partial file is removed. Backpressure is kept, so memory use
 * is a few chunks whatever the size.
 */
export async function stageStream(
  body: Readable,
  meta: { fileName: string; mimeType: string },
  options: { tempDir: string; maxBytes: number },
): Promise<StagedFile> {
  await mkdir(options.tempDir, { recursive: true });
  const file = path.join(options.tempDir, `upload-${randomUUID()}`);
  const hash = createHash('sha256');
  const headChunks: Buffer[] = [];
  let headLength = 0;
  let sizeBytes = 0;
  let tooLarge = false;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      sizeBytes += chunk.length;
      if (tooLarge || sizeBytes > options.maxBytes) {
        tooLarge = true;
        return callback();
      }
      hash.update(chunk);
      if (headLength < HEAD_BYTES) {
        const part = chunk.subarray(0, HEAD_BYTES - headLength);
        headChunks.push(part);
        headLength += part.length;
      }
      callback(null, chunk);
    },
  });
  try {
    await pipeline(body, meter, createWriteStream(file));
  } catch (error) {
    await rm(file, { force: true });
    throw error;
  }
  const head = Buffer.concat(headChunks);
  if (tooLarge) {
    await rm(file, { force: true });
    return { ...meta, path: null, sizeBytes, sha256: '', head, refusal: 'TOO_LARGE' };
  }
  return { ...meta, path: file, sizeBytes, sha256: hash.digest('hex'), head, refusal: null };
}

export async function discardStagedFile(file: StagedFile): Promise<void> {
  if (file.path) await rm(file.path, { force: true });
}

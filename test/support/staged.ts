import { createHash, randomUUID } from 'node:crypto';
import { copyFile, open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { HEAD_BYTES, type StagedFile } from '../../src/modules/uploads/staged-file.js';

/** A fresh copy of `source` described as a received upload (storing an upload may move its temp file). */
export async function stagedCopy(source: string, dir: string, fileName = 'lecture.mp4'): Promise<StagedFile> {
  const copy = path.join(dir, `${randomUUID()}${path.extname(source)}`);
  await copyFile(source, copy);
  const data = await readFile(copy);
  const handle = await open(copy, 'r');
  try {
    const head = Buffer.alloc(Math.min(HEAD_BYTES, data.length));
    await handle.read(head, 0, head.length, 0);
    return { fileName, mimeType: 'video/mp4', path: copy, sizeBytes: data.length, sha256: createHash('sha256').update(data).digest('hex'), head, refusal: null };
  } finally {
    await handle.close();
  }
}

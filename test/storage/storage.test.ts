import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError } from '../../src/lib/errors.js';
import { LocalStorage } from '../../src/modules/storage/local-storage.js';
import { S3Storage } from '../../src/modules/storage/s3-storage.js';
import { FILES_ROUTE, FileUrlSigner, serveSignedFile } from '../../src/modules/storage/signed-urls.js';
import { recordingFileKey, recordingPrefix, type StorageBackend } from '../../src/modules/storage/storage.js';
import { startS3Server, type TestS3Server } from '../support/s3.js';

const MiB = 1024 * 1024;
const signer = new FileUrlSigner(randomBytes(32));

/** A stream of `size` random bytes in 64 KiB chunks, never held whole; `sha256` resolves at the end. */
function randomStream(size: number): { stream: Readable; sha256: Promise<string> } {
  const hash = createHash('sha256');
  let sent = 0;
  let resolveHash: (hex: string) => void = () => {};
  const sha256 = new Promise<string>((resolve) => (resolveHash = resolve));
  const stream = new Readable({
    read() {
      if (sent >= size) {
        resolveHash(hash.digest('hex'));
        this.push(null);
        return;
      }
      const chunk = randomBytes(Math.min(64 * 1024, size - sent));
      sent += chunk.length;
      hash.update(chunk);
      this.push(chunk);
    },
  });
  return { stream, sha256 };
}

async function sha256Of(stream: Readable): Promise<{ hex: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { hex: hash.digest('hex'), size };
}

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A tiny HTTP server with only the API's signed-file route, to resolve LOCAL download URLs. */
async function startFileServer(storage: StorageBackend): Promise<{ base: string; server: Server }> {
  const server = createServer((req, res) => {
    if (req.url?.startsWith(FILES_ROUTE)) void serveSignedFile(req, res, storage, signer);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

interface BackendUnderTest {
  storage: StorageBackend;
  /** Resolves a download URL (LOCAL ones are root-relative). */
  base: string;
  close(): Promise<void>;
}

const backends: Array<[string, () => Promise<BackendUnderTest>]> = [
  [
    'LOCAL',
    async () => {
      const root = await mkdtemp(path.join(tmpdir(), 'leap-local-storage-'));
      const storage = new LocalStorage(root, { signer, publicUrl: null, urlTtlSeconds: 60 });
      const files = await startFileServer(storage);
      return {
        storage,
        base: files.base,
        async close() {
          await new Promise((resolve) => files.server.close(resolve));
          await rm(root, { recursive: true, force: true });
        },
      };
    },
  ],
  [
    'S3',
    async () => {
      const s3: TestS3Server = await startS3Server();
      const storage = new S3Storage(s3.settings, 60);
      return { storage, base: 'http://unused.invalid', close: () => s3.close() };
    },
  ],
];

describe.each(backends)('storage backend %s', (_name, setup) => {
  let backend: BackendUnderTest;
  let storage: StorageBackend;
  let scratch: string;
  const tenantId = randomUUID();
  const recordingId = randomUUID();
  const key = (name: string) => recordingFileKey(tenantId, recordingId, name);

  beforeAll(async () => {
    backend = await setup();
    storage = backend.storage;
    scratch = await mkdtemp(path.join(tmpdir(), 'leap-storage-scratch-'));
  });
  afterAll(async () => {
    await backend.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it('stores a stream and reads it back, with stat and exists', async () => {
    const { sizeBytes } = await storage.put(key('edl.json'), Readable.from([Buffer.from('{"kept":'), Buffer.from('[]}')]));
    expect(sizeBytes).toBe(11);
    expect(await text(await storage.get(key('edl.json')))).toBe('{"kept":[]}');
    expect(await storage.stat(key('edl.json'))).toEqual({ sizeBytes: 11 });
    expect(await storage.exists(key('edl.json'))).toBe(true);
    expect(await storage.exists(key('missing.json'))).toBe(false);
    expect(await storage.stat(key('missing.json'))).toBeNull();
  });

  it('streams a 12 MiB body through (multipart on S3) without corrupting a byte', async () => {
    const { stream, sha256 } = randomStream(12 * MiB);
    const { sizeBytes } = await storage.put(key('source.mp4'), stream);
    expect(sizeBytes).toBe(12 * MiB);
    const back = await sha256Of(await storage.get(key('source.mp4')));
    expect(back).toEqual({ hex: await sha256, size: 12 * MiB });
  });

  it('stores a local file and downloads to a local file', async () => {
    const file = path.join(scratch, 'in.bin');
    const content = randomBytes(7 * MiB + 123);
    await writeFile(file, content);
    expect(await storage.putFile(key('video.mp4'), file)).toEqual({ sizeBytes: content.length });
    const out = path.join(scratch, 'nested', 'out.bin');
    expect(await storage.getToFile(key('video.mp4'), out)).toEqual({ sizeBytes: content.length });
    expect((await readFile(out)).equals(content)).toBe(true);
  });

  it('reads byte ranges', async () => {
    await storage.put(key('audio.ogg'), Readable.from([Buffer.from('0123456789')]));
    expect(await text(await storage.get(key('audio.ogg'), { start: 2, end: 5 }))).toBe('2345');
    expect(await text(await storage.get(key('audio.ogg'), { start: 7 }))).toBe('789');
  });

  it('answers NotFoundError for a missing key', async () => {
    await expect(storage.get(key('nothing.mp4'))).rejects.toBeInstanceOf(NotFoundError);
    await expect(storage.getToFile(key('nothing.mp4'), path.join(scratch, 'x'))).rejects.toBeInstanceOf(NotFoundError);
  });

  it('refuses unsafe keys', async () => {
    for (const bad of ['../escape', 'tenants/../../etc/passwd', '/absolute', 'a//b', 'a/./b', 'a\\b', '']) {
      await expect(storage.put(bad, Readable.from([Buffer.from('x')]))).rejects.toThrow(/unsafe storage key/);
      await expect(storage.get(bad)).rejects.toThrow(/unsafe storage key/);
    }
  });

  it('lists and deletes by folder prefix only, returning the bytes freed', async () => {
    const t = randomUUID();
    await storage.put(`tenants/${t}/recordings/rec-1/a.bin`, Readable.from([Buffer.alloc(100)]));
    await storage.put(`tenants/${t}/recordings/rec-1/deep/b.bin`, Readable.from([Buffer.alloc(50)]));
    await storage.put(`tenants/${t}/recordings/rec-10/c.bin`, Readable.from([Buffer.alloc(7)]));
    expect((await storage.list(`tenants/${t}/recordings/rec-1`)).map((o) => o.key)).toEqual([
      `tenants/${t}/recordings/rec-1/a.bin`,
      `tenants/${t}/recordings/rec-1/deep/b.bin`,
    ]);
    expect(await storage.deletePrefix(`tenants/${t}/recordings/rec-1`)).toBe(150);
    expect(await storage.list(`tenants/${t}/recordings/rec-1/`)).toEqual([]);
    expect(await storage.exists(`tenants/${t}/recordings/rec-10/c.bin`)).toBe(true);
    expect(await storage.deletePrefix(`tenants/${t}/`)).toBe(7);
    expect(await storage.deletePrefix(`tenants/${t}/`)).toBe(0);
  });

  it('deletes single objects, and deleting a missing one is not an error', async () => {
    await storage.put(key('poster.jpg'), Readable.from([Buffer.from('jpg')]));
    await storage.delete(key('poster.jpg'));
    expect(await storage.exists(key('poster.jpg'))).toBe(false);
    await storage.delete(key('poster.jpg'));
  });

  it('leaves nothing behind when the body fails half way', async () => {
    let sent = 0;
    const failing = new Readable({
      read() {
        sent += 1;
        if (sent > 100) this.destroy(new Error('client went away'));
        else this.push(Buffer.alloc(64 * 1024, 1));
      },
    });
    await expect(storage.put(key('broken.mp4'), failing)).rejects.toThrow();
    expect(await storage.exists(key('broken.mp4'))).toBe(false);
    expect((await storage.list(recordingPrefix(tenantId, recordingId))).map((o) => o.key)).not.toContain(key('broken.mp4'));
  });

  it('gives download URLs that fetch the bytes', async () => {
    await storage.put(key('subtitles.vtt'), Readable.from([Buffer.from('WEBVTT\n')]));
    const { url, expiresAt } = await storage.downloadUrl(key('subtitles.vtt'), { expiresInSeconds: 120 });
    expect(expiresAt.getTime()).toBeGreaterThan(Date.now() + 100_000);
    const res = await fetch(new URL(url, backend.base));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('WEBVTT\n');
    expect(res.headers.get('content-disposition')).toContain('subtitles.vtt');
  });
});

describe('LOCAL signed file URLs', () => {
  let root: string;
  let storage: LocalStorage;
  let base: string;
  let server: Server;
  const tenantId = randomUUID();
  const fileKey = recordingFileKey(tenantId, randomUUID(), 'video.mp4');

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'leap-signed-'));
    storage = new LocalStorage(root, { signer, publicUrl: null, urlTtlSeconds: 60 });
    ({ base, server } = await startFileServer(storage));
    await storage.put(fileKey, Readable.from([Buffer.from('0123456789')]));
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(root, { recursive: true, force: true });
  });

  const get = (pathAndQuery: string, headers: Record<string, string> = {}) => fetch(`${base}${pathAndQuery}`, { headers });

  it('serves ranges for players', async () => {
    const { url } = await storage.downloadUrl(fileKey);
    const res = await get(url, { range: 'bytes=3-5' });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe('bytes 3-5/10');
    expect(await res.text()).toBe('345');
    expect((await get(url, { range: 'bytes=-2' })).status).toBe(206);
    expect((await get(url, { range: 'bytes=20-' })).status).toBe(416);
    expect(res.headers.get('content-type')).toBe('video/mp4');
  });

  it('refuses tampered, re-targeted and expired links', async () => {
    const { url } = await storage.downloadUrl(fileKey);
    const parsed = new URL(url, base);
    const sig = parsed.searchParams.get('sig') ?? '';
    const exp = parsed.searchParams.get('exp') ?? '';
    expect((await get(`${parsed.pathname}?exp=${exp}&sig=${sig.slice(0, -2)}AA`)).status).toBe(403);
    expect((await get(`${parsed.pathname}?exp=${Number(exp) + 3600}&sig=${sig}`)).status).toBe(403);
    expect((await get(`${parsed.pathname}?exp=${exp}`)).status).toBe(403);
    const other = recordingFileKey(randomUUID(), randomUUID(), 'video.mp4');
    expect((await get(`${FILES_ROUTE}${other}?exp=${exp}&sig=${sig}`)).status).toBe(403);
    const expired = signer.signedPath(fileKey, new Date(Date.now() - 1000));
    expect((await get(expired)).status).toBe(403);
  });

  it('serves only tenant files and shared thumbnails by safe keys, never a path outside the root', async () => {
    const exp = Math.floor(Date.now() / 1000) + 60;
    const traversal = `${FILES_ROUTE}tenants/${tenantId}/..%2F..%2Fetc%2Fpasswd`;
    expect((await get(`${traversal}?exp=${exp}&sig=x`)).status).toBe(404);
    await storage.put('shared/thumbnails/a.png', Readable.from(['shared image']));
    await storage.put('shared/other/a.png', Readable.from(['not served']));
    expect((await get(signer.signedPath('shared/thumbnails/a.png', new Date(Date.now() + 60_000)))).status).toBe(200);
    expect((await get(signer.signedPath('shared/other/a.png', new Date(Date.now() + 60_000)))).status).toBe(404);
    const outside = signer.signedPath('etc/passwd', new Date(Date.now() + 60_000));
    expect((await get(outside)).status).toBe(404);
    const { url } = await storage.downloadUrl(fileKey);
    const post = await fetch(new URL(url, base), { method: 'POST' });
    expect(post.status).toBe(405);
  });
});

describe('S3 backend specifics', () => {
  let s3: TestS3Server;
  let storage: S3Storage;
  const commands: string[] = [];

  beforeAll(async () => {
    s3 = await startS3Server();
    storage = new S3Storage(s3.settings, 60);
    storage.client.middlewareStack.add(
      (next, context) => (args) => {
        commands.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize', name: 'recordCommands' },
    );
  });
  afterAll(() => s3.close());

  it('uses one PUT for small bodies and multipart uploads with bounded parts for large ones', async () => {
    const prefix = `tenants/${randomUUID()}/recordings/${randomUUID()}/`;
    commands.length = 0;
    await storage.put(`${prefix}small.json`, Readable.from([Buffer.from('{}')]));
    expect(commands).toEqual(['PutObjectCommand']);
    commands.length = 0;
    const { stream } = randomStream(11 * MiB);
    await storage.put(`${prefix}source.mp4`, stream);
    expect(commands.filter((c) => c === 'UploadPartCommand')).toHaveLength(3);
    expect(commands).toContain('CreateMultipartUploadCommand');
    expect(commands).toContain('CompleteMultipartUploadCommand');
  });

  it('aborts the multipart upload when the body fails', async () => {
    commands.length = 0;
    let sent = 0;
    const failing = new Readable({
      read() {
        sent += 1;
        if (sent > 120) this.destroy(new Error('client went away'));
        else this.push(randomBytes(64 * 1024));
      },
    });
    await expect(storage.put(`tenants/${randomUUID()}/recordings/x/source.mp4`, failing)).rejects.toThrow();
    expect(commands).toContain('AbortMultipartUploadCommand');
  });
});

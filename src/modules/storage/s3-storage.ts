import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { PassThrough, Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  paginateListObjectsV2,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { NotFoundError } from '../../lib/errors.js';
import { contentTypeOf } from '../../media/formats.js';
import {
  assertSafeKey,
  folderPrefix,
  streamToFile,
  type ByteRange,
  type DownloadUrl,
  type PutOptions,
  type StorageBackend,
  type StoredObject,
} from './backend.js';

export interface S3Settings {
  endpoint: string | undefined;
  region: string;
  bucket: string;
  accessKeyId: string | undefined;
  secretAccessKey: string | undefined;
  forcePathStyle: boolean;
  /** Multipart part size; S3's minimum is 5 MiB, and an upload has at most 10 000 parts. */
  partSizeBytes: number;
  /** Parts in flight per upload (memory: partSize × concurrency). */
  uploadConcurrency: number;
}

const MAX_PARTS = 10_000;
const DELETE_BATCH = 1000;

function isNotFound(error: unknown): boolean {
  return error instanceof S3ServiceException && (error.name === 'NoSuchKey' || error.name === 'NotFound' || error.$metadata.httpStatusCode === 404);
}

/** Any S3-compatible service (AWS, Yandex Object Storage, MinIO …), same keys as LOCAL. */
export class S3Storage implements StorageBackend {
  readonly kind = 's3';
  readonly client: S3Client;

  constructor(
    private readonly settings: S3Settings,
    private readonly urlTtlSeconds: number,
  ) {
    this.client = new S3Client({
      region: settings.region,
      endpoint: settings.endpoint,
      forcePathStyle: settings.forcePathStyle,
      credentials:
        settings.accessKeyId && settings.secretAccessKey
          ? { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey }
          : undefined,
      // Newer SDKs add streaming CRC trailers (aws-chunked) to every upload; many S3-compatible
      // services do not understand them. Checksums only where the API requires them.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  private get bucket(): string {
    return this.settings.bucket;
  }

  /** Single PUT below the part size, multipart above it; at most partSize × concurrency in memory. */
  private async upload(key: string, body: Readable, options: PutOptions, knownSize?: number): Promise<void> {
    assertSafeKey(key);
    const partSize = Math.max(this.settings.partSizeBytes, knownSize ? Math.ceil(knownSize / (MAX_PARTS - 1)) : 0);
    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentType: options.contentType ?? contentTypeOf(key),
        ...(knownSize !== undefined && knownSize < partSize ? { ContentLength: knownSize } : {}),
      },
      partSize,
      queueSize: this.settings.uploadConcurrency,
      leavePartsOnError: false,
    });
    await upload.done();
  }

  async put(key: string, body: Readable, options: PutOptions = {}): Promise<{ sizeBytes: number }> {
    let sizeBytes = 0;
    const counter = new PassThrough();
    counter.on('data', (chunk: Buffer) => {
      sizeBytes += chunk.length;
    });
    body.on('error', (error) => counter.destroy(error));
    body.pipe(counter);
    await this.upload(key, counter, options);
    return { sizeBytes };
  }

  async putFile(key: string, file: string, options: PutOptions = {}): Promise<{ sizeBytes: number }> {
    const { size } = await stat(file);
    await this.upload(key, createReadStream(file), options, size);
    return { sizeBytes: size };
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    assertSafeKey(key);
    try {
      const result = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Range: range ? `bytes=${range.start}-${range.end ?? ''}` : undefined,
        }),
      );
      if (!(result.Body instanceof Readable)) throw new Error('S3 GetObject returned no stream body');
      return result.Body;
    } catch (error) {
      if (isNotFound(error)) throw new NotFoundError('File');
      throw error;
    }
  }

  async getToFile(key: string, file: string): Promise<{ sizeBytes: number }> {
    await streamToFile(await this.get(key), file);
    return { sizeBytes: (await stat(file)).size };
  }

  async stat(key: string): Promise<{ sizeBytes: number } | null> {
    assertSafeKey(key);
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { sizeBytes: head.ContentLength ?? 0 };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.stat(key)) !== null;
  }

  async list(prefix: string): Promise<StoredObject[]> {
    const folder = folderPrefix(prefix);
    const objects: StoredObject[] = [];
    for await (const page of paginateListObjectsV2({ client: this.client }, { Bucket: this.bucket, Prefix: folder })) {
      for (const object of page.Contents ?? []) {
        if (object.Key) objects.push({ key: object.Key, sizeBytes: object.Size ?? 0 });
      }
    }
    return objects.sort((a, b) => a.key.localeCompare(b.key));
  }

  async delete(key: string): Promise<void> {
    assertSafeKey(key);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async deletePrefix(prefix: string): Promise<number> {
    const objects = await this.list(prefix);
    for (let i = 0; i < objects.length; i += DELETE_BATCH) {
      const batch = objects.slice(i, i + DELETE_BATCH);
      const result = await this.client.send(
        new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((o) => ({ Key: o.key })), Quiet: true } }),
      );
      const failed = result.Errors ?? [];
      if (failed.length > 0) throw new Error(`S3 could not delete ${failed.length} objects, e.g. ${failed[0]?.Key}: ${failed[0]?.Message}`);
    }
    return objects.reduce((sum, o) => sum + o.sizeBytes, 0);
  }

  async downloadUrl(key: string, options: { expiresInSeconds?: number; fileName?: string } = {}): Promise<DownloadUrl> {
    assertSafeKey(key);
    const expiresIn = options.expiresInSeconds ?? this.urlTtlSeconds;
    const fileName = options.fileName ?? key.slice(key.lastIndexOf('/') + 1);
    const url = await getSignedUrl(
      this.client,
      new GetObjectCommand({ Bucket: this.bucket, Key: key, ResponseContentDisposition: `inline; filename="${fileName.replace(/["\\\r\n]/g, '_')}"` }),
      { expiresIn },
    );
    return { url, expiresAt: new Date(Date.now() + expiresIn * 1000) };
  }
}

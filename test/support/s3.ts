import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import type { S3Settings } from '../../src/modules/storage/s3-storage.js';

export interface TestS3Server {
  settings: S3Settings;
  close(): Promise<void>;
}

/**
 * A real S3-protocol server (s3rver) on 127.0.0.1 with an empty bucket, started by the test itself.
 * s3rver knows the access key pair S3RVER/S3RVER.
 */
export async function startS3Server(bucket = 'leap-test'): Promise<TestS3Server> {
  const directory = await mkdtemp(path.join(tmpdir(), 'leap-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
  const address = await server.run();
  return {
    settings: {
      endpoint: `http://127.0.0.1:${address.port}`,
      region: 'us-east-1',
      bucket,
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
      forcePathStyle: true,
      // The smallest part size S3 allows, so multipart uploads happen with files of a few MiB.
      partSizeBytes: 5 * 1024 * 1024,
      uploadConcurrency: 2,
    },
    async close() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

import { randomBytes } from 'node:crypto';
import type { GraphQLResponse, TestApp } from './app.js';

export const UPLOAD = /* GraphQL */ `
  mutation Upload($file: Upload!, $displayName: String) {
    createRecordingFromUpload(file: $file, displayName: $displayName) {
      __typename
      ... on Recording {
        id
        displayName
        status
        sourceType
        durationSec
        sizeBytes
        checksumSha256
        probe { container durationSec sizeBytes videoCodec audioCodec width height fps sampleRate channels }
        files { kind name url expiresAt }
      }
      ... on Error { code message }
      ... on ValidationError { issues { path message } }
    }
  }
`;

export interface UploadedRecording {
  __typename: string;
  id: string;
  displayName: string;
  status: string;
  sourceType: string;
  durationSec: number;
  sizeBytes: number;
  checksumSha256: string;
  probe: { container: string; durationSec: number; sizeBytes: number; videoCodec: string | null; audioCodec: string | null; width: number | null; height: number | null; fps: number | null; sampleRate: number | null; channels: number | null };
  files: Array<{ kind: string; name: string; url: string; expiresAt: string }>;
  code?: string;
  message?: string;
  issues?: Array<{ path: string; message: string }>;
}

export interface FilePart {
  /** Sent as is in the part header (only `"` and line breaks would break the header itself). */
  fileName: string;
  contentType?: string;
  /** Chunks of the file; an async iterable lets a test pace the upload. */
  data: Buffer | AsyncIterable<Buffer>;
}

/**
 * A GraphQL multipart request body (operations, map, then the file) as a stream, so tests control
 * the exact bytes, names and pacing, and the server sees a chunked upload like a real client's.
 */
export function multipartBody(operations: unknown, map: Record<string, string[]> | null, file: FilePart | null): { boundary: string; body: AsyncIterable<Buffer> } {
  const boundary = `----leap-test-${randomBytes(8).toString('hex')}`;
  const field = (name: string, value: string) =>
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`, 'utf8');
  async function* body(): AsyncIterable<Buffer> {
    yield field('operations', JSON.stringify(operations));
    if (map) yield field('map', JSON.stringify(map));
    if (file) {
      yield Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="${file.fileName}"\r\nContent-Type: ${file.contentType ?? 'application/octet-stream'}\r\n\r\n`,
        'utf8',
      );
      if (Buffer.isBuffer(file.data)) {
        for (let offset = 0; offset < file.data.length; offset += 256 * 1024) yield file.data.subarray(offset, offset + 256 * 1024);
      } else {
        for await (const chunk of file.data) yield chunk;
      }
      yield Buffer.from('\r\n');
    }
    yield Buffer.from(`--${boundary}--\r\n`);
  }
  return { boundary, body: body() };
}

/** fetch() options that stream a multipart body (chunked, as browsers and SDKs send large files). */
export function multipartRequest(
  token: string | undefined,
  operations: unknown,
  map: Record<string, string[]> | null,
  file: FilePart | null,
  signal?: AbortSignal,
): RequestInit & { duplex: 'half' } {
  const { boundary, body } = multipartBody(operations, map, file);
  const chunks = body[Symbol.asyncIterator]();
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
  });
  return {
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: stream,
    duplex: 'half',
    signal,
  };
}

export async function postMultipart<T>(
  app: TestApp,
  token: string | undefined,
  operations: unknown,
  map: Record<string, string[]> | null,
  file: FilePart | null,
): Promise<GraphQLResponse<T>> {
  const res = await fetch(app.url, multipartRequest(token, operations, map, file));
  const parsed = (await res.json()) as Omit<GraphQLResponse<T>, 'status' | 'headers'>;
  return { status: res.status, headers: res.headers, ...parsed };
}

/** Uploads one file with createRecordingFromUpload. */
export async function uploadRecording(app: TestApp, token: string | undefined, file: FilePart, displayName?: string): Promise<GraphQLResponse<{ createRecordingFromUpload: UploadedRecording }>> {
  return postMultipart(app, token, { query: UPLOAD, variables: { file: null, displayName } }, { 0: ['variables.file'] }, file);
}

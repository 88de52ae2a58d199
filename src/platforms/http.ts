import { createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { NotFoundError, ServiceUnavailableError, ValidationError } from '../lib/errors.js';

// HTTP for the ingest adapters: JSON calls with a time limit, and resumable file downloads. Status
// codes are sorted into the pipeline's two kinds of failure: DomainErrors (retrying cannot help) and
// plain Errors (5xx, 429, timeouts, resets: the pipeline retries them).

/** The provider refused the token (401/403); the adapter refreshes once, then reports a CredentialError. */
export class AuthRejectedError extends Error {
  constructor(
    readonly status: number,
    readonly providerMessage: string,
  ) {
    super(`authorization rejected (HTTP ${status})`);
    this.name = 'AuthRejectedError';
  }
}

/** A transient failure worth retrying (status ≥ 500, 429, network). Deliberately not a DomainError. */
export class TransientHttpError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransientHttpError';
  }
}

export interface JsonResponse {
  status: number;
  body: unknown;
}

/** For API callers, who cannot wait for a retry: a transient provider failure becomes a typed ServiceUnavailableError. */
export async function unavailableAsTyped<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof TransientHttpError) throw new ServiceUnavailableError(`${error.message}; try again later`);
    throw error;
  }
}

/** Sends a request and parses the JSON answer; network failures and timeouts become TransientHttpError. */
export async function fetchJson(url: string, init: RequestInit & { timeoutMs: number }): Promise<JsonResponse> {
  const { timeoutMs, ...rest } = init;
  let res: Response;
  try {
    res = await fetch(url, { ...rest, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new TransientHttpError(`request to ${new URL(url).host} failed: ${causeOf(error)}`);
  }
  const text = await res.text().catch(() => '');
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = { message: text.slice(0, 200) };
  }
  return { status: res.status, body };
}

function causeOf(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'timed out';
    return cause instanceof Error ? cause.message : error.message;
  }
  return String(error);
}

/** Throws the error an unsuccessful status stands for; `what` names the thing asked for. */
export function throwForStatus(status: number, what: string, providerMessage: string): never {
  if (status === 401 || status === 403) throw new AuthRejectedError(status, providerMessage);
  if (status === 404 || status === 410) throw new NotFoundError(what);
  if (status === 429 || status >= 500) throw new TransientHttpError(`${what}: the provider answered HTTP ${status}${providerMessage ? ` (${providerMessage})` : ''}`);
  throw new ValidationError(`${what}: the provider refused the request (HTTP ${status}${providerMessage ? `: ${providerMessage}` : ''})`);
}

export interface DownloadOptions {
  headers?: Record<string, string>;
  /** Size announced by the provider; a shorter file is an interrupted transfer (resumed on retry). */
  expectedSize?: number | null;
  /** Abort when no byte arrives for this long. */
  idleTimeoutMs: number;
  maxBytes: number;
  onProgress?: (receivedBytes: number, totalBytes: number | null) => void;
}

/**
 * Downloads `url` into `file`. When `file` already holds part of it, asks for the rest with
 * `Range: bytes=N-`: 206 appends, 200 starts over, 416 drops the partial file (the retry restarts).
 * An interrupted transfer keeps what arrived, so the next attempt resumes from there.
 */
export async function downloadToFile(url: string, file: string, options: DownloadOptions): Promise<{ sizeBytes: number }> {
  const have = await stat(file).then((s) => s.size, () => 0);
  const controller = new AbortController();
  let idle = setTimeout(() => controller.abort(), options.idleTimeoutMs);
  const touch = () => {
    clearTimeout(idle);
    idle = setTimeout(() => controller.abort(), options.idleTimeoutMs);
  };
  try {
    let res: Response;
    try {
      res = await fetch(url, { headers: { ...options.headers, ...(have > 0 ? { range: `bytes=${have}-` } : {}) }, signal: controller.signal });
    } catch (error) {
      throw new TransientHttpError(`download from ${new URL(url).host} failed: ${causeOf(error)}`);
    }
    if (res.status === 416) {
      await res.body?.cancel();
      await rm(file, { force: true });
      throw new TransientHttpError('the partial download no longer fits the remote file; starting over');
    }
    if (res.status !== 200 && res.status !== 206) {
      const text = await res.text().catch(() => '');
      throwForStatus(res.status, 'Source file', text.slice(0, 200));
    }
    const resumed = res.status === 206 && contentRangeStart(res.headers.get('content-range')) === have;
    if (res.status === 206 && !resumed) {
      await res.body?.cancel();
      await rm(file, { force: true });
      throw new TransientHttpError('the server resumed at an unexpected offset; starting over');
    }
    const offset = resumed ? have : 0;
    const length = Number(res.headers.get('content-length'));
    const total = Number.isFinite(length) && length > 0 ? offset + length : (options.expectedSize ?? null);
    if (total !== null && total > options.maxBytes) {
      await res.body?.cancel();
      await rm(file, { force: true });
      throw new ValidationError(`The source file is larger than the ${options.maxBytes} bytes limit`);
    }
    let received = offset;
    let tooLarge = false;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        touch();
        received += chunk.length;
        if (received > options.maxBytes) {
          tooLarge = true;
          return callback(new Error('too large'));
        }
        options.onProgress?.(received, total);
        callback(null, chunk);
      },
    });
    if (!res.body) throw new TransientHttpError('the provider sent no body');
    try {
      await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), meter, createWriteStream(file, { flags: resumed ? 'a' : 'w' }));
    } catch (error) {
      if (tooLarge) {
        await rm(file, { force: true });
        throw new ValidationError(`The source file is larger than the ${options.maxBytes} bytes limit`);
      }
      throw new TransientHttpError(`download interrupted after ${received} bytes: ${causeOf(error)}`);
    }
    const expected = options.expectedSize ?? (Number.isFinite(length) && length > 0 ? offset + length : null);
    if (expected !== null && received < expected) throw new TransientHttpError(`download ended early: ${received} of ${expected} bytes`);
    return { sizeBytes: received };
  } finally {
    clearTimeout(idle);
  }
}

function contentRangeStart(header: string | null): number | null {
  const match = /^bytes (\d+)-\d+\/(?:\d+|\*)$/.exec(header ?? '');
  return match ? Number(match[1]) : null;
}

/** Runs `call` with the current token; on AuthRejectedError refreshes once and tries again. */
export async function withTokenRetry<T>(auth: { accessToken(): Promise<string>; refresh?(): Promise<string> }, call: (token: string) => Promise<T>, onRejected: (error: AuthRejectedError) => Error): Promise<T> {
  try {
    return await call(await auth.accessToken());
  } catch (error) {
    if (!(error instanceof AuthRejectedError)) throw error;
    if (!auth.refresh) throw onRejected(error);
    const token = await auth.refresh();
    try {
      return await call(token);
    } catch (again) {
      if (again instanceof AuthRejectedError) throw onRejected(again);
      throw again;
    }
  }
}

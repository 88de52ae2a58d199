import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { CredentialError, RateLimitedError } from '../../lib/errors.js';
import { PlatformUnauthorizedError } from '../publisher.js';

// VK API over HTTP (dev.vk.com/ru/reference): POST {apiUrl}{method} with form parameters,
// `access_token` and `v`; answers `{ response }` or `{ error: { error_code, error_msg } }`.

export class VkApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'VkApiError';
  }
}

/** VK error codes (dev.vk.com/ru/reference/errors) in the publishers' vocabulary. */
export function vkError(code: number, message: string, credentialId: string | null): Error {
  if (code === 5 || code === 28) return new PlatformUnauthorizedError(`VK refused the token (${code}: ${message})`);
  if (code === 6 || code === 9 || code === 29) return new RateLimitedError(code === 9 ? 3600 : 2, `VK rate limit (${code}: ${message}); retry later`);
  if (code === 15 || code === 17 || code === 203 || code === 204) return new CredentialError(`VK denied access (${code}: ${message}); reconnect this account with the video and groups permissions`, credentialId);
  return new VkApiError(code, `VK API error ${code}: ${message}`);
}

export class VkApi {
  constructor(
    private readonly apiUrl: string,
    private readonly version: string,
    private readonly token: string,
    private readonly credentialId: string | null,
  ) {}

  async call<T>(method: string, params: Record<string, string | number | boolean | undefined>): Promise<T> {
    const body = new URLSearchParams({ access_token: this.token, v: this.version });
    for (const [key, value] of Object.entries(params)) if (value !== undefined) body.set(key, typeof value === 'boolean' ? (value ? '1' : '0') : String(value));
    const res = await fetch(new URL(method, this.apiUrl), { method: 'POST', body, signal: AbortSignal.timeout(60_000) });
    if (!res.ok) throw new Error(`VK answered HTTP ${res.status} to ${method}`);
    const payload = (await res.json()) as { response?: T; error?: { error_code: number; error_msg: string } };
    if (payload.error) throw vkError(payload.error.error_code, payload.error.error_msg, this.credentialId);
    return payload.response as T;
  }

  /** A multipart/form-data POST of one file to an upload server, streamed (never whole in memory). */
  async uploadFile<T>(url: string, field: string, file: { stream: Readable; sizeBytes: number; fileName: string; contentType: string }, timeoutMs: number): Promise<T> {
    const boundary = `----leap${randomBytes(12).toString('hex')}`;
    const name = file.fileName.replace(/["\r\n]/g, '_');
    const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${encodeURIComponent(name)}"\r\nContent-Type: ${file.contentType}\r\n\r\n`);
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    async function* parts() {
      yield head;
      yield* file.stream;
      yield tail;
    }
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(head.length + file.sizeBytes + tail.length) },
      body: Readable.from(parts()) as unknown as ReadableStream,
      duplex: 'half',
      signal: AbortSignal.timeout(timeoutMs),
    } as RequestInit);
    if (!res.ok) throw new Error(`VK upload server answered HTTP ${res.status}`);
    const payload = (await res.json()) as T & { error?: unknown; error_code?: number; error_msg?: string };
    if (payload.error_code) throw vkError(payload.error_code, payload.error_msg ?? 'upload failed', this.credentialId);
    if (payload.error) throw new VkApiError(0, `VK upload failed: ${JSON.stringify(payload.error).slice(0, 200)}`);
    return payload;
  }
}

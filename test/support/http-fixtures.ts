import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// Small pieces shared by the fake provider servers: start/stop, JSON answers, and file downloads with
// HTTP Range (206 / 416), optionally cut off mid-body to test resuming.

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  authorization: string | null;
  range: string | null;
}

export async function listen(handler: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void): Promise<{ server: Server; origin: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    Promise.resolve(handler(req, res, url)).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { message: String(error) });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function record(req: IncomingMessage, url: URL): RecordedRequest {
  return { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, authorization: req.headers.authorization ?? null, range: req.headers.range ?? null };
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) }).end(text);
}

export async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += String(chunk);
  return body;
}

/**
 * Serves `file` honouring `Range: bytes=N-`. With `cutAfterBytes`, the connection is destroyed once
 * that many body bytes were sent (a dropped transfer).
 */
export async function sendFile(req: IncomingMessage, res: ServerResponse, file: string, options: { contentType?: string; cutAfterBytes?: number } = {}): Promise<void> {
  const { size } = await stat(file);
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  const start = range ? Number(range[1]) : 0;
  if (range && start >= size) {
    res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
    return;
  }
  const headers = { 'content-type': options.contentType ?? 'video/mp4', 'accept-ranges': 'bytes', 'content-length': String(size - start) };
  if (range) res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${size - 1}/${size}` });
  else res.writeHead(200, headers);
  if (req.method === 'HEAD') return void res.end();
  const end = options.cutAfterBytes !== undefined ? Math.min(size - 1, start + options.cutAfterBytes - 1) : size - 1;
  const stream = createReadStream(file, { start, end });
  stream.pipe(res, { end: options.cutAfterBytes === undefined });
  await new Promise<void>((resolve) => stream.on('end', resolve));
  if (options.cutAfterBytes !== undefined) {
    // Let the bytes leave, then drop the connection before the promised length is reached.
    await new Promise((resolve) => setTimeout(resolve, 50));
    res.destroy();
  }
}

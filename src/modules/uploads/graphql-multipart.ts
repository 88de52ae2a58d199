import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import busboy from 'busboy';
import { z } from 'zod';
import { discardStagedFile, stageStream, type StagedFile } from './staged-file.js';

// GraphQL multipart requests (github.com/jaydenseric/graphql-multipart-request-spec) handled in the
// Node HTTP layer, because Yoga's own parser buffers whole files in memory. Fields `operations` and
// `map` come first; each file part is streamed into a temp file (hashed, size-limited) and its
// placeholder in the variables is replaced by an opaque token. The operation then runs through Yoga
// as a plain JSON request, with the staged files in the server context under those tokens.

export interface GraphQLRequestBody {
  query?: unknown;
  operationName?: unknown;
  variables?: Record<string, unknown>;
  extensions?: unknown;
}

export interface MultipartOptions {
  maxFileBytes: number;
  tempDir: string;
  /** Checked before the body is read: files of a caller who may not upload are discarded unread. */
  authorize(req: IncomingMessage): Promise<boolean>;
  /** Runs the operation; `uploads` maps the tokens placed in its variables to staged files. */
  execute(req: IncomingMessage, body: GraphQLRequestBody, uploads: ReadonlyMap<string, StagedFile>): Promise<Response>;
}

/** Room for the `operations` and `map` fields and multipart framing, on top of the file itself. */
const FIELD_BYTES = 1024 * 1024;
/** How much of an oversized file is read and dropped, so its sender still gets a typed answer. */
const DRAIN_BYTES = 64 * 1024 * 1024;
const MAX_FILES = 1;

const mapSchema = z.record(z.string(), z.array(z.string()).min(1).max(10));
const operationsSchema = z.object({
  query: z.unknown(),
  operationName: z.unknown().optional(),
  variables: z.record(z.string(), z.unknown()).nullish(),
  extensions: z.unknown().optional(),
});

export function isMultipartRequest(req: IncomingMessage): boolean {
  return req.method === 'POST' && /^multipart\/form-data\b/i.test(req.headers['content-type'] ?? '');
}

class BadRequest extends Error {}

function sendError(res: ServerResponse, status: number, code: string, message: string, close = false): void {
  if (res.headersSent) return;
  res
    .writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...(close ? { connection: 'close' } : {}) })
    .end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
}

/** Puts `value` at a `variables.a.0.b` path of the operation; only paths inside `variables`. */
export function setVariablePath(operation: GraphQLRequestBody, objectPath: string, value: string): void {
  const [root, ...segments] = objectPath.split('.');
  if (root !== 'variables' || segments.length === 0) throw new BadRequest(`map path ${objectPath} is not inside variables`);
  let target: unknown = (operation.variables ??= {});
  for (const [i, segment] of segments.entries()) {
    if (segment === '__proto__' || segment === 'constructor' || segment === 'prototype') throw new BadRequest('invalid map path');
    const last = i === segments.length - 1;
    if (Array.isArray(target)) {
      const index = Number(segment);
      if (!Number.isInteger(index) || index < 0 || index >= target.length) throw new BadRequest(`map path ${objectPath} does not exist`);
      if (last) target[index] = value;
      else target = target[index];
    } else if (target && typeof target === 'object') {
      const record = target as Record<string, unknown>;
      if (!Object.hasOwn(record, segment)) throw new BadRequest(`map path ${objectPath} does not exist`);
      if (last) record[segment] = value;
      else target = record[segment];
    } else {
      throw new BadRequest(`map path ${objectPath} does not exist`);
    }
  }
}

export async function handleMultipartRequest(req: IncomingMessage, res: ServerResponse, options: MultipartOptions): Promise<void> {
  const cap = options.maxFileBytes * MAX_FILES + FIELD_BYTES + DRAIN_BYTES;
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > cap) {
    sendError(res, 413, 'PAYLOAD_TOO_LARGE', `Upload larger than ${options.maxFileBytes} bytes`, true);
    req.destroy();
    return;
  }
  const authorized = await options.authorize(req);

  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: req.headers,
      // Names as sent (UTF-8, paths kept) so that hostile ones are refused rather than quietly rewritten.
      preservePath: true,
      defParamCharset: 'utf8',
      limits: { fields: 4, fieldSize: FIELD_BYTES, files: MAX_FILES, parts: 8, fileSize: options.maxFileBytes + 1 },
    });
  } catch {
    return sendError(res, 400, 'BAD_REQUEST', 'Malformed multipart request');
  }

  // Filled by the parser's callbacks.
  const form: { operations: GraphQLRequestBody | null; map: Record<string, string[]> | null; error: string | null } = {
    operations: null,
    map: null,
    error: null,
  };
  const staging = new Map<string, Promise<StagedFile>>();
  const fail = (message: string) => {
    form.error ??= message;
  };

  parser.on('field', (name, value, info) => {
    if (info.valueTruncated) return fail(`field ${name} is too large`);
    try {
      if (name === 'operations') {
        const parsed: unknown = JSON.parse(value);
        if (Array.isArray(parsed)) return fail('Batched operations are not supported in multipart requests');
        form.operations = operationsSchema.parse(parsed) as GraphQLRequestBody;
      } else if (name === 'map') {
        form.map = mapSchema.parse(JSON.parse(value));
      }
    } catch {
      fail(`field ${name} is not valid JSON of the expected shape`);
    }
  });

  parser.on('file', (name, stream, info) => {
    if (!form.map || !form.operations) {
      fail('operations and map must come before the files');
      stream.resume();
      return;
    }
    if (!Object.hasOwn(form.map, name) || staging.has(name) || !authorized) {
      stream.resume();
      return;
    }
    const meta = { fileName: info.filename ?? '', mimeType: info.mimeType };
    staging.set(name, stageStream(stream, meta, { tempDir: options.tempDir, maxBytes: options.maxFileBytes }));
  });

  let received = 0;
  let overCap = false;
  const done = new Promise<void>((resolve, reject) => {
    parser.on('close', resolve);
    parser.on('error', (error: Error) => reject(new BadRequest(`Malformed multipart request: ${error.message}`)));
    req.on('close', () => {
      if (req.complete || overCap) return;
      // The client went away mid-upload: stop the parser, which ends (and removes) any staged file.
      parser.destroy(new Error('request aborted'));
      reject(new Error('request aborted'));
    });
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > cap && !overCap) {
        overCap = true;
        req.unpipe(parser);
        parser.destroy(new Error('request too large'));
      }
    });
  });
  req.pipe(parser);

  // Temp files are removed before the answer goes out, so a client never sees a file outlive its request.
  const settled: StagedFile[] = [];
  let reply: () => void;
  try {
    try {
      await done;
    } finally {
      for (const result of await Promise.allSettled(staging.values())) {
        if (result.status === 'fulfilled') settled.push(result.value);
      }
    }
    if (form.error) throw new BadRequest(form.error);
    const { operations: operation, map } = form;
    if (!operation || !map) throw new BadRequest('operations and map fields are required');
    // Every mapped file gets a token, received or not: a caller refused before reading (or a file
    // that never came) then meets the usual authorization or "no file" answer, not a null variable.
    const uploads = new Map<string, StagedFile>();
    for (const [name, paths] of Object.entries(map)) {
      const token = `upload:${randomUUID()}`;
      const file = await staging.get(name);
      if (file) uploads.set(token, file);
      for (const objectPath of paths) setVariablePath(operation, objectPath, token);
    }
    const response = await options.execute(req, operation, uploads);
    const body = Buffer.from(await response.arrayBuffer());
    reply = () => res.writeHead(response.status, Object.fromEntries(response.headers)).end(body);
  } catch (error) {
    if (overCap) {
      reply = () => {
        sendError(res, 413, 'PAYLOAD_TOO_LARGE', `Upload larger than ${options.maxFileBytes} bytes`, true);
        req.destroy();
      };
    } else if (error instanceof BadRequest) {
      reply = () => {
        // The rest of the body may be unread: answer, then close the connection.
        sendError(res, 400, 'BAD_REQUEST', error.message, true);
        req.unpipe(parser);
        req.resume();
      };
    } else if (req.destroyed || req.readableAborted) {
      reply = () => res.destroy();
    } else {
      await Promise.all(settled.map(discardStagedFile));
      throw error;
    }
  }
  await Promise.all(settled.map(discardStagedFile));
  reply();
}

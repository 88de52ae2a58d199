import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import busboy from 'busboy';
import { probeMedia } from '../../src/media/probe.js';

// A local server speaking the OpenAI REST protocol the SDK uses: POST /v1/audio/transcriptions
// (multipart, verbose_json with words and segments) and POST /v1/chat/completions (JSON), Bearer
// auth, errors as {error:{message,type,param,code}}, 429 with Retry-After, and malformed bodies.

export interface RecordedRequest {
  path: string;
  authorization: string | undefined;
  /** Multipart fields (repeated ones joined with ","), or the JSON body of a chat call. */
  fields: Record<string, string>;
  json: unknown;
  fileName: string | null;
  fileBytes: number;
  at: number;
}

/** A scripted answer; `raw` sends the text as is (for malformed JSON). */
export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  raw?: string;
}

export interface FakeOpenAi {
  /** The SDK's baseURL (ends in /v1). */
  baseUrl: string;
  apiKey: string;
  requests: RecordedRequest[];
  /** Answers used before the default ones, first in first out. */
  transcriptionReplies: Reply[];
  chatReplies: Reply[];
  /** Most transcription requests that were being answered at the same time. */
  maxTranscriptionsInFlight: number;
  close(): Promise<void>;
}

export const openAiError = (status: number, message: string, type: string, code: string | null): Reply => ({
  status,
  body: { error: { message, type, param: null, code } },
});

/**
 * The default transcription: the uploaded audio's real duration (ffprobe), one word per second
 * (`w0`, `w1`, … numbered per request) and a segment per 3 words, as verbose_json.
 */
async function defaultTranscription(audio: Buffer, fileName: string): Promise<Reply> {
  const dir = await mkdtemp(path.join(tmpdir(), 'fake-openai-'));
  try {
    const file = path.join(dir, fileName);
    await writeFile(file, audio);
    const { durationSec } = await probeMedia(file);
    const words = Array.from({ length: Math.floor(durationSec) }, (_, i) => ({ word: ` w${i}`, start: i + 0.1, end: i + 0.6 }));
    const segments = [];
    for (let i = 0; i < words.length; i += 3) {
      const group = words.slice(i, i + 3);
      segments.push({ id: i / 3, seek: 0, start: group[0]!.start, end: group.at(-1)!.end, text: group.map((w) => w.word).join(''), tokens: [], temperature: 0, avg_logprob: -0.2, compression_ratio: 1.2, no_speech_prob: 0.01 });
    }
    return { body: { task: 'transcribe', language: 'english', duration: durationSec, text: words.map((w) => w.word).join(''), words, segments } };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function readMultipart(req: IncomingMessage): Promise<{ fields: Record<string, string>; file: Buffer | null; fileName: string | null }> {
  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = {};
    const parts: Buffer[] = [];
    let fileName: string | null = null;
    const parser = busboy({ headers: req.headers });
    parser.on('field', (name, value) => {
      fields[name] = fields[name] === undefined ? value : `${fields[name]},${value}`;
    });
    parser.on('file', (_name, stream, info) => {
      fileName = info.filename ?? 'audio';
      stream.on('data', (chunk: Buffer) => parts.push(chunk));
    });
    parser.on('close', () => resolve({ fields, file: fileName ? Buffer.concat(parts) : null, fileName }));
    parser.on('error', reject);
    req.pipe(parser);
  });
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

function send(res: ServerResponse, reply: Reply): void {
  const status = reply.status ?? 200;
  res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': `req_${Date.now()}`, ...reply.headers });
  res.end(reply.raw ?? JSON.stringify(reply.body ?? {}));
}

/** A chat completion whose message content is `content`. */
export function chatReply(content: string, model = 'fake-chat'): Reply {
  return {
    body: {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content } }],
      usage: { prompt_tokens: 100, completion_tokens: 50, total_tokens: 150 },
    },
  };
}

export async function startFakeOpenAi(apiKey = 'sk-test-fake-key-123'): Promise<FakeOpenAi> {
  const requests: RecordedRequest[] = [];
  const transcriptionReplies: Reply[] = [];
  const chatReplies: Reply[] = [];
  let inFlight = 0;
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const record: RecordedRequest = { path: url.pathname, authorization: req.headers.authorization, fields: {}, json: null, fileName: null, fileBytes: 0, at: Date.now() };
      requests.push(record);
      if (req.headers.authorization !== `Bearer ${apiKey}`) {
        req.resume();
        return send(res, openAiError(401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key'));
      }
      if (req.method === 'POST' && url.pathname === '/v1/audio/transcriptions') {
        inFlight++;
        fake.maxTranscriptionsInFlight = Math.max(fake.maxTranscriptionsInFlight, inFlight);
        try {
          const { fields, file, fileName } = await readMultipart(req);
          Object.assign(record, { fields, fileName, fileBytes: file?.length ?? 0 });
          if (!file || !fields.model) return send(res, openAiError(400, "you must provide a 'file' and a 'model'", 'invalid_request_error', null));
          const scripted = transcriptionReplies.shift();
          return send(res, scripted ?? (await defaultTranscription(file, fileName ?? 'audio.ogg')));
        } finally {
          inFlight--;
        }
      }
      if (req.method === 'POST' && url.pathname === '/v1/chat/completions') {
        record.json = await readJson(req);
        const scripted = chatReplies.shift();
        return send(res, scripted ?? openAiError(500, 'no scripted chat reply', 'server_error', null));
      }
      req.resume();
      send(res, openAiError(404, `Invalid URL (${req.method} ${url.pathname})`, 'invalid_request_error', null));
    })().catch((error: unknown) => send(res, openAiError(500, String(error), 'server_error', null)));
  });
  const fake: FakeOpenAi = {
    baseUrl: '',
    apiKey,
    requests,
    transcriptionReplies,
    chatReplies,
    maxTranscriptionsInFlight: 0,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  Object.assign(fake, { baseUrl: `http://127.0.0.1:${port}/v1` });
  return fake;
}

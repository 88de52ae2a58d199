import { Readable } from 'node:stream';
import { z } from 'zod';
import type { Transcript } from '../../ai/types.js';
import { ConflictError } from '../../lib/errors.js';
import { recordingFileKey, type StorageBackend } from '../storage/storage.js';

// The files the AI stages keep next to a recording's media (fixed names, SPEC §7).

export const TRANSCRIPT_FILE = 'transcript.json';
export const SUBTITLE_FILES = { srt: 'subtitles.srt', vtt: 'subtitles.vtt' } as const;

const timed = z.object({ start: z.number(), end: z.number(), text: z.string() });
const transcriptSchema = z.object({
  language: z.string(),
  durationSec: z.number(),
  words: z.array(timed),
  segments: z.array(timed),
  provider: z.string(),
  model: z.string(),
  flagged: z.boolean(),
  flagReasons: z.array(z.string()),
  createdAt: z.string(),
});

export const transcriptKey = (tenantId: string, recordingId: string) => recordingFileKey(tenantId, recordingId, TRANSCRIPT_FILE);

/** Writes `body` at `key`; returns how much storage grew (a replaced file counts as the difference). */
export async function putText(storage: StorageBackend, key: string, body: string, contentType: string): Promise<number> {
  const previous = await storage.stat(key);
  const { sizeBytes } = await storage.put(key, Readable.from([Buffer.from(body, 'utf8')]), { contentType });
  return sizeBytes - (previous?.sizeBytes ?? 0);
}

export async function readTranscript(storage: StorageBackend, tenantId: string, recordingId: string): Promise<Transcript | null> {
  const key = transcriptKey(tenantId, recordingId);
  if (!(await storage.exists(key))) return null;
  const chunks: Buffer[] = [];
  for await (const chunk of await storage.get(key)) chunks.push(chunk as Buffer);
  let json: unknown;
  try {
    json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    json = null;
  }
  const parsed = transcriptSchema.safeParse(json);
  if (!parsed.success) throw new ConflictError('The stored transcript is unreadable; transcribe the recording again');
  return parsed.data;
}

/** The transcript a later stage needs, or a ConflictError (retrying cannot make one appear). */
export async function requireTranscript(storage: StorageBackend, tenantId: string, recordingId: string): Promise<Transcript> {
  const transcript = await readTranscript(storage, tenantId, recordingId);
  if (!transcript) throw new ConflictError('The recording has no transcript yet');
  return transcript;
}

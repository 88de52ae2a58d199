import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type OpenAI from 'openai';
import { toFile } from 'openai';
import { z } from 'zod';
import { ValidationError } from '../lib/errors.js';
import { probeMedia, splitAudioAtSilences } from '../media/index.js';
import { mapWithConcurrency, mergeChunkResults } from './chunking.js';
import { DEFAULT_MAX_UPLOAD_BYTES, openAiClient, providerError } from './endpoints.js';
import type { AiEndpoint, RecognisedSpeech, TranscriptionProvider, TranscriptionRequest } from './types.js';
import { languageCode } from './words.js';

/** The parts of a `verbose_json` transcription we use (OpenAI, Groq, Fireworks, speaches agree). */
const verboseTranscription = z.object({
  language: z.string().nullish(),
  duration: z.coerce.number().nullish(),
  words: z.array(z.object({ word: z.string(), start: z.coerce.number(), end: z.coerce.number() })).nullish(),
  segments: z.array(z.object({ text: z.string(), start: z.coerce.number(), end: z.coerce.number() })).nullish(),
});

/** Whisper reads about 224 prompt tokens; longer prompts are cut by the API anyway. */
const MAX_PROMPT_CHARS = 800;

/**
 * Whisper-style transcription over any OpenAI-compatible endpoint: `verbose_json` with word and
 * segment timestamps. Audio above the provider's upload limit is split at silences and the pieces
 * are transcribed `concurrency` at a time.
 */
export class OpenAiTranscriptionProvider implements TranscriptionProvider {
  readonly provider: string;
  readonly model: string;
  private readonly client: OpenAI;
  private readonly maxUploadBytes: number;

  constructor(
    private readonly endpoint: AiEndpoint,
    private readonly options: { concurrency: number; maxUploadBytes?: number; maxRetries?: number; timeoutMs?: number },
  ) {
    this.provider = endpoint.provider;
    this.model = endpoint.model;
    this.client = openAiClient(endpoint, options);
    this.maxUploadBytes = options.maxUploadBytes ?? endpoint.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  }

  async transcribe(request: TranscriptionRequest): Promise<RecognisedSpeech> {
    const { size } = await stat(request.file);
    if (size <= this.maxUploadBytes) {
      request.onProgress?.(0, 'transcribing');
      const result = await this.transcribeFile(request.file, request);
      request.onProgress?.(1);
      return { ...result, durationSec: result.durationSec || request.durationSec };
    }
    request.onProgress?.(0, 'splitting audio at silences');
    const info = await probeMedia(request.file);
    const chunks = await splitAudioAtSilences(request.file, info, { maxBytes: this.maxUploadBytes, outDir: request.workDir });
    let done = 0;
    const results = await mapWithConcurrency(chunks, this.options.concurrency, async (chunk) => {
      const result = await this.transcribeFile(chunk.file, request);
      done++;
      request.onProgress?.(done / chunks.length, `transcribed ${done} of ${chunks.length} parts`);
      return result;
    });
    return mergeChunkResults(chunks, results);
  }

  private async transcribeFile(file: string, request: TranscriptionRequest): Promise<RecognisedSpeech> {
    // A Buffer, not a stream: the SDK can only retry requests whose body it can resend.
    const upload = await toFile(await readFile(file), path.basename(file));
    let response: unknown;
    try {
      response = await this.client.audio.transcriptions.create({
        file: upload,
        model: this.model,
        response_format: 'verbose_json',
        timestamp_granularities: ['word', 'segment'],
        temperature: 0,
        ...(request.language === 'auto' ? {} : { language: request.language }),
        ...(request.prompt ? { prompt: request.prompt.slice(0, MAX_PROMPT_CHARS) } : {}),
      });
    } catch (error) {
      throw providerError(error, this.endpoint, 'transcription');
    }
    const parsed = verboseTranscription.safeParse(response);
    if (!parsed.success || !parsed.data.words) {
      throw new ValidationError(`${this.provider} returned no word timestamps for model "${this.model}" (it needs verbose_json with timestamp_granularities)`);
    }
    const body = parsed.data;
    return {
      language: languageCode(body.language),
      durationSec: body.duration ?? 0,
      words: (body.words ?? []).map((w) => ({ text: w.word, start: w.start, end: w.end })),
      segments: (body.segments ?? []).map((s) => ({ text: s.text.trim(), start: s.start, end: s.end })),
    };
  }
}

/** Course name first, then up to 50 distinct vocabulary terms. */
export function transcriptionPrompt(courseName: string, vocabulary: readonly string[]): string {
  const seen = new Set<string>();
  const terms: string[] = [];
  for (const term of vocabulary) {
    const clean = term.trim();
    const key = clean.toLowerCase();
    if (!clean || seen.has(key) || key === courseName.trim().toLowerCase()) continue;
    seen.add(key);
    terms.push(clean);
    if (terms.length === 50) break;
  }
  const name = courseName.trim();
  return [name ? `${name}.` : '', terms.length ? `${terms.join(', ')}.` : ''].filter(Boolean).join(' ');
}

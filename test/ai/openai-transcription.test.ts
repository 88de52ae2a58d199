import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenAiTranscriptionProvider, transcriptionPrompt } from '../../src/ai/openai-transcription.js';
import type { AiEndpoint, TranscriptionRequest } from '../../src/ai/types.js';
import { CredentialError, ValidationError } from '../../src/lib/errors.js';
import { extractAsrAudio, probeMedia } from '../../src/media/index.js';
import { mediaScratch } from '../support/media.js';
import { openAiError, startFakeOpenAi, type FakeOpenAi } from '../support/openai-server.js';

// The real provider code over HTTP against test/support/openai-server.ts.

let fake: FakeOpenAi;
let scratch: Awaited<ReturnType<typeof mediaScratch>>;
let shortAudio: string;
let longAudio: string;
/** Speech (tone) in 5 s runs with 1 s pauses: 0–5, 6–11, 12–17, 18–23, 24–29 of 30 s. */
const SOUND = [0, 6, 12, 18, 24].map((s) => ({ start: s, end: s + 5 }));

beforeAll(async () => {
  fake = await startFakeOpenAi();
  scratch = await mediaScratch('ai-transcription');
  const toAsr = async (name: string, durationSec: number, sound: typeof SOUND | 'always') => {
    const wav = await scratch.make(`${name}.wav`, { durationSec, sound, audio: { codec: 'pcm_s16le', sampleRate: 16000 }, muxer: 'wav' });
    const ogg = path.join(scratch.dir, `${name}.ogg`);
    await extractAsrAudio(wav, await probeMedia(wav), ogg);
    return ogg;
  };
  shortAudio = await toAsr('short', 4, 'always');
  longAudio = await toAsr('long', 30, SOUND);
});
afterAll(async () => {
  await fake.close();
  await scratch.cleanup();
});

const endpoint = (overrides: Partial<AiEndpoint> = {}): AiEndpoint => ({ provider: 'fake', baseUrl: fake.baseUrl, apiKey: fake.apiKey, model: 'whisper-1', ...overrides });

async function request(file: string, overrides: Partial<TranscriptionRequest> = {}): Promise<TranscriptionRequest> {
  const workDir = await mkdtemp(path.join(tmpdir(), 'ai-work-'));
  return { file, durationSec: (await probeMedia(file)).durationSec, language: 'en', prompt: 'Physics 101. entropy, Boltzmann.', workDir, ...overrides };
}

describe('OpenAI-compatible transcription', () => {
  it('sends verbose_json with word and segment timestamps, language, prompt and the key; parses words and segments', async () => {
    const before = fake.requests.length;
    const provider = new OpenAiTranscriptionProvider(endpoint(), { concurrency: 2, maxRetries: 0 });
    const result = await provider.transcribe(await request(shortAudio));
    const sent = fake.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.authorization).toBe(`Bearer ${fake.apiKey}`);
    expect(sent[0]!.fields).toMatchObject({
      model: 'whisper-1',
      response_format: 'verbose_json',
      'timestamp_granularities[]': 'word,segment',
      language: 'en',
      prompt: 'Physics 101. entropy, Boltzmann.',
    });
    expect(sent[0]!.fileBytes).toBe((await stat(shortAudio)).size);
    expect(result.language).toBe('en');
    expect(result.words.map((w) => w.text.trim())).toEqual(['w0', 'w1', 'w2', 'w3']);
    expect(result.segments[0]).toMatchObject({ start: 0.1, end: 2.6, text: 'w0 w1 w2' });
  });

  it('omits the language for auto detection', async () => {
    const before = fake.requests.length;
    await new OpenAiTranscriptionProvider(endpoint(), { concurrency: 1, maxRetries: 0 }).transcribe(await request(shortAudio, { language: 'auto', prompt: '' }));
    expect(fake.requests[before]!.fields.language).toBeUndefined();
    expect(fake.requests[before]!.fields.prompt).toBeUndefined();
  });

  it('splits audio above the upload limit at silences, transcribes the parts concurrently and shifts their times', async () => {
    const before = fake.requests.length;
    fake.maxTranscriptionsInFlight = 0;
    const maxUploadBytes = 40_000;
    const progress: number[] = [];
    const provider = new OpenAiTranscriptionProvider(endpoint(), { concurrency: 2, maxUploadBytes, maxRetries: 0 });
    const req = await request(longAudio, { onProgress: (f) => progress.push(f) });
    const result = await provider.transcribe(req);
    await rm(req.workDir, { recursive: true, force: true });
    const sent = fake.requests.slice(before);
    expect((await stat(longAudio)).size).toBeGreaterThan(maxUploadBytes);
    expect(sent.length).toBeGreaterThan(1);
    for (const r of sent) expect(r.fileBytes).toBeLessThanOrEqual(maxUploadBytes);
    // Words of every part, in order, in whole-file time, ending near the end of the file.
    const starts = result.words.map((w) => w.start);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    expect(starts.at(-1)!).toBeGreaterThan(26);
    expect(result.words.every((w) => w.end <= 30.01)).toBe(true);
    // Each part starts where the fake's first word is (start + 0.1): cuts lie inside the pauses.
    const partStarts = result.words.filter((w) => w.text.trim() === 'w0').map((w) => w.start - 0.1);
    expect(partStarts).toHaveLength(sent.length);
    for (const cut of partStarts.slice(1)) expect(SOUND.some((s) => cut > s.end - 0.05 && cut < s.end + 1.05)).toBe(true);
    expect(result.durationSec).toBeCloseTo(30, 0);
    expect(progress.at(-1)).toBe(1);
    // Bounded concurrency: parts overlapped, never more than two at once.
    expect(fake.maxTranscriptionsInFlight).toBe(2);
  });

  it('retries HTTP 429 after the Retry-After delay', async () => {
    fake.transcriptionReplies.push({ ...openAiError(429, 'Rate limit reached for requests', 'requests', 'rate_limit_exceeded'), headers: { 'retry-after': '1' } });
    const before = fake.requests.length;
    const provider = new OpenAiTranscriptionProvider(endpoint(), { concurrency: 1, maxRetries: 2 });
    const result = await provider.transcribe(await request(shortAudio));
    const sent = fake.requests.slice(before);
    expect(sent).toHaveLength(2);
    expect(sent[1]!.at - sent[0]!.at).toBeGreaterThanOrEqual(950);
    expect(result.words).toHaveLength(4);
  });

  it('gives up on 429 after its retries with a plain (retryable) error', async () => {
    for (let i = 0; i < 2; i++) fake.transcriptionReplies.push({ ...openAiError(429, 'Rate limit reached', 'requests', 'rate_limit_exceeded'), headers: { 'retry-after-ms': '10' } });
    const provider = new OpenAiTranscriptionProvider(endpoint(), { concurrency: 1, maxRetries: 1 });
    const error = await provider.transcribe(await request(shortAudio)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(ValidationError);
    expect(String(error)).toMatch(/HTTP 429/);
  });

  it('answers a bad key with a CredentialError that does not contain the key', async () => {
    const provider = new OpenAiTranscriptionProvider(endpoint({ apiKey: 'sk-wrong-secret-999' }), { concurrency: 1, maxRetries: 0 });
    const error = await provider.transcribe(await request(shortAudio)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialError);
    expect(String((error as Error).message)).not.toContain('sk-wrong-secret-999');
  });

  it('rejects a response without word timestamps and a refused request as ValidationError', async () => {
    fake.transcriptionReplies.push({ body: { text: 'hello there' } });
    const provider = new OpenAiTranscriptionProvider(endpoint(), { concurrency: 1, maxRetries: 0 });
    await expect(provider.transcribe(await request(shortAudio))).rejects.toThrow(/no word timestamps/);
    fake.transcriptionReplies.push(openAiError(400, 'Invalid file format.', 'invalid_request_error', null));
    await expect(provider.transcribe(await request(shortAudio))).rejects.toBeInstanceOf(ValidationError);
  });

  it('fails on a malformed body with a retryable error, not a typed one', async () => {
    fake.transcriptionReplies.push({ raw: '{"text": "trunc' });
    const provider = new OpenAiTranscriptionProvider(endpoint(), { concurrency: 1, maxRetries: 0 });
    const error = await provider.transcribe(await request(shortAudio)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(ValidationError);
  });

  it('builds the prompt from the course name and at most 50 distinct terms', () => {
    const terms = Array.from({ length: 60 }, (_, i) => `term${i}`);
    const prompt = transcriptionPrompt('Thermodynamics', ['Entropy', 'entropy', ' ', 'thermodynamics', ...terms]);
    expect(prompt.startsWith('Thermodynamics. Entropy, term0')).toBe(true);
    expect(prompt.split(', ')).toHaveLength(50);
  });
});

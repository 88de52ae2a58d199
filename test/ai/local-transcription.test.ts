import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkTranscript } from '../../src/ai/hallucination-guard.js';
import { LocalTranscriptionProvider, parsePocketsphinxOutput } from '../../src/ai/local-transcription.js';
import { ValidationError } from '../../src/lib/errors.js';
import { extractAsrAudio, probeMedia } from '../../src/media/index.js';
import { mediaScratch } from '../support/media.js';

// The offline recogniser (pocketsphinx) on speech synthesised on the fly with espeak-ng.

let scratch: Awaited<ReturnType<typeof mediaScratch>>;
let speech: string;
let silence: string;

async function asAsrAudio(wav: string, name: string): Promise<string> {
  const ogg = path.join(scratch.dir, name);
  await extractAsrAudio(wav, await probeMedia(wav), ogg);
  return ogg;
}

beforeAll(async () => {
  scratch = await mediaScratch('ai-local-asr');
  const wav = path.join(scratch.dir, 'speech.wav');
  await promisify(execFile)('espeak-ng', ['-v', 'en-us', '-s', '140', '-w', wav, 'Hello world. The weather is good today. We study the climate of the world.']);
  speech = await asAsrAudio(wav, 'speech.ogg');
  silence = await asAsrAudio(await scratch.make('silence.wav', { durationSec: 3, sound: [], audio: { codec: 'pcm_s16le', sampleRate: 16000 }, muxer: 'wav' }), 'silence.ogg');
}, 60_000);
afterAll(() => scratch.cleanup());

const request = async (file: string, language: 'auto' | 'en' | 'ru' = 'auto') => ({
  file,
  durationSec: (await probeMedia(file)).durationSec,
  language,
  prompt: '',
  workDir: await mkdtemp(path.join(tmpdir(), 'ai-local-')),
});

describe('local transcription (pocketsphinx, English)', () => {
  it('recognises words with timestamps inside the audio, in order', async () => {
    const provider = new LocalTranscriptionProvider();
    const req = await request(speech);
    const result = await provider.transcribe(req);
    expect(provider.model).toBe('pocketsphinx-en-us');
    expect(result.language).toBe('en');
    expect(result.words.length).toBeGreaterThanOrEqual(5);
    for (const [i, w] of result.words.entries()) {
      expect(w.text).toMatch(/^[a-z']+$/);
      expect(w.end).toBeGreaterThan(w.start);
      expect(w.end).toBeLessThanOrEqual(req.durationSec + 0.05);
      if (i > 0) expect(w.start).toBeGreaterThanOrEqual(result.words[i - 1]!.end);
    }
    // Synthetic speech is hard for it; "world" (said twice) is what it reliably gets.
    expect(result.words.map((w) => w.text)).toContain('world');
  }, 120_000);

  it('finds no words in silence, and the guard flags that', async () => {
    const result = await new LocalTranscriptionProvider().transcribe(await request(silence));
    expect(result.words).toEqual([]);
    expect(checkTranscript(result.words, [], result.durationSec)).toEqual({ flagged: true, reasons: ['no speech was recognised'] });
  }, 120_000);

  it('refuses Russian (English model only)', async () => {
    await expect(new LocalTranscriptionProvider().transcribe(await request(speech, 'ru'))).rejects.toBeInstanceOf(ValidationError);
  });

  it('parses pocketsphinx -time output, dropping markers, fillers and pronunciation variants', () => {
    const out = 'hello world\n<s> 0.000 0.140 0.999\nhello 0.150 0.500 0.9\n<sil> 0.51 0.6 1\n[NOISE] 0.6 0.7 1\nworld(2) 0.700 1.100 0.8\n</s> 1.1 1.3 1\n';
    expect(parsePocketsphinxOutput(out)).toEqual([
      { text: 'hello', start: 0.15, end: 0.5 },
      { text: 'world', start: 0.7, end: 1.1 },
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { ConfigEndpointResolver } from '../../src/ai/endpoints.js';
import { checkTranscript } from '../../src/ai/hallucination-guard.js';
import { languageCode, segmentWords } from '../../src/ai/words.js';
import { loadConfig } from '../../src/config.js';
import { ValidationError } from '../../src/lib/errors.js';
import { planAudioChunks } from '../../src/media/audio-chunks.js';

const aiSettings = (env: Record<string, string>) => loadConfig({ NODE_ENV: 'test', ...env }).ai;

describe('endpoint resolution from platform settings', () => {
  it('is null (offline providers) without API keys or when `local` is asked for', async () => {
    const resolver = new ConfigEndpointResolver(aiSettings({}));
    expect(await resolver.resolve('t', 'transcription')).toBeNull();
    expect(await resolver.resolve('t', 'topics')).toBeNull();
    const configured = new ConfigEndpointResolver(aiSettings({ TRANSCRIPTION_API_KEY: 'k', LLM_API_KEY: 'k' }));
    expect(await configured.resolve('t', 'topics', { provider: 'local' })).toBeNull();
  });

  it('fills base URL, model and upload limit from the provider preset; hints pick the model', async () => {
    const resolver = new ConfigEndpointResolver(aiSettings({ TRANSCRIPTION_PROVIDER: 'fireworks', TRANSCRIPTION_API_KEY: 'fw', LLM_API_KEY: 'ds' }));
    expect(await resolver.resolve('t', 'transcription')).toEqual({
      provider: 'fireworks',
      baseUrl: 'https://audio-turbo.api.fireworks.ai/v1',
      apiKey: 'fw',
      model: 'whisper-v3-turbo',
      maxUploadBytes: 1024 * 1024 * 1024,
    });
    expect(await resolver.resolve('t', 'topics', { model: 'deepseek-reasoner' })).toMatchObject({ baseUrl: 'https://api.deepseek.com', model: 'deepseek-reasoner' });
    const openai = new ConfigEndpointResolver(aiSettings({ TRANSCRIPTION_API_KEY: 'sk', TRANSCRIPTION_MAX_UPLOAD_MB: '2' }));
    expect(await openai.resolve('t', 'transcription')).toMatchObject({ model: 'whisper-1', maxUploadBytes: 2 * 1024 * 1024 });
  });

  it('refuses an unknown provider without base URL and model', async () => {
    const resolver = new ConfigEndpointResolver(aiSettings({ TRANSCRIPTION_PROVIDER: 'speaches', TRANSCRIPTION_API_KEY: 'x' }));
    await expect(resolver.resolve('t', 'transcription')).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('hallucination guard', () => {
  const words = (n: number, every: number, text = (i: number) => `word${i}`) => Array.from({ length: n }, (_, i) => ({ text: text(i), start: i * every, end: i * every + 0.3 }));

  it('passes ordinary speech', () => {
    const w = words(1200, 0.5);
    expect(checkTranscript(w, segmentWords(w), 600)).toEqual({ flagged: false, reasons: [] });
  });

  it('flags few distinct words, implausible speech rates and overlong words', () => {
    expect(checkTranscript(words(600, 1, (i) => `w${i % 20}`), [], 600).reasons.join()).toMatch(/only 20 distinct words/);
    expect(checkTranscript(words(10, 60), [], 600).reasons.join()).toMatch(/implausibly slow speech/);
    expect(checkTranscript(words(5000, 0.1), [], 600).reasons.join()).toMatch(/implausibly fast speech/);
    const long = Array.from({ length: 60 }, (_, i) => ({ text: `w${i}`, start: i * 10, end: i * 10 + 8 }));
    expect(checkTranscript(long, [], 600).reasons.join()).toMatch(/words last 8\.0 s on average/);
  });
});

describe('audio chunk planning', () => {
  it('cuts in the middle of the latest silence in each window and covers the whole file', () => {
    const silences = [{ start: 4, end: 5 }, { start: 9, end: 10 }, { start: 16, end: 17 }];
    expect(planAudioChunks(silences, 20, 10)).toEqual([{ start: 0, end: 9.5 }, { start: 9.5, end: 16.5 }, { start: 16.5, end: 20 }]);
    // A silence in the first half of a window is not used (chunks would get tiny): hard cut.
    expect(planAudioChunks([{ start: 2, end: 3 }], 12, 10)).toEqual([{ start: 0, end: 10 }, { start: 10, end: 12 }]);
  });

  it('falls back to hard cuts without silences; a short file is one chunk', () => {
    expect(planAudioChunks([], 25, 10)).toEqual([{ start: 0, end: 10 }, { start: 10, end: 20 }, { start: 20, end: 25 }]);
    expect(planAudioChunks([], 5, 10)).toEqual([{ start: 0, end: 5 }]);
  });
});

describe('word normalisation', () => {
  it('segments at sentence ends and pauses and merges tiny groups', () => {
    const w = [
      { text: 'One', start: 0, end: 0.3 },
      { text: 'two', start: 0.4, end: 0.7 },
      { text: 'three.', start: 0.8, end: 1.1 },
      { text: 'Four', start: 1.2, end: 1.5 },
      { text: 'five', start: 1.6, end: 1.9 },
      { text: 'six', start: 2.0, end: 2.3 },
      { text: 'seven', start: 3.5, end: 3.8 },
    ];
    expect(segmentWords(w).map((s) => s.text)).toEqual(['One two three.', 'Four five six seven']);
    expect([languageCode('english'), languageCode('ru'), languageCode('en-US'), languageCode('klingon')]).toEqual(['en', 'ru', 'en', null]);
  });
});

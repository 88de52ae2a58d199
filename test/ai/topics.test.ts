import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalTopicsProvider } from '../../src/ai/local-topics.js';
import { OpenAiTopicsProvider } from '../../src/ai/openai-topics.js';
import { findLongPauses, MIN_TOPIC_SEC, toStoredTopics, topicBounds, validateTopics } from '../../src/ai/topic-rules.js';
import type { Granularity, ProposedTopic, TopicsRequest, Transcript, TranscriptWord } from '../../src/ai/types.js';
import { segmentWords } from '../../src/ai/words.js';
import { AiOutputError, CredentialError } from '../../src/lib/errors.js';
import { chatReply, startFakeOpenAi, type FakeOpenAi } from '../support/openai-server.js';

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** A transcript of sections with their own vocabulary (plus shared filler), a word every 0.4 s. */
function lectureTranscript(sections: Array<{ sec: number; vocabulary: string[] }>, seed = 7, gapAfter: Record<number, number> = {}): Transcript {
  const rand = prng(seed);
  const filler = ['the', 'and', 'we', 'see', 'that', 'this', 'is', 'very', 'important', 'here', 'now', 'look'];
  const words: TranscriptWord[] = [];
  let t = 0.5;
  sections.forEach((section, index) => {
    const end = t + section.sec;
    let n = 0;
    while (t < end - 0.5) {
      const pool = rand() < 0.45 ? section.vocabulary : filler;
      let text = pool[Math.floor(rand() * pool.length)]!;
      if (++n % 9 === 0) text += '.';
      words.push({ text, start: t, end: t + 0.3 });
      t += 0.4;
    }
    t = end + (gapAfter[index] ?? 0);
  });
  return { language: 'en', durationSec: t, words, segments: segmentWords(words), provider: 'test', model: 'test', flagged: false, flagReasons: [], createdAt: new Date().toISOString() };
}

const ASTRONOMY = ['planet', 'orbit', 'telescope', 'galaxy', 'star', 'gravity', 'comet'];
const COOKING = ['flour', 'butter', 'oven', 'dough', 'sugar', 'bake', 'recipe'];
const FINANCE = ['interest', 'bank', 'loan', 'inflation', 'credit', 'market', 'bond'];

function request(transcript: Transcript, granularity: Granularity = 'long', questionsCount = 3): TopicsRequest {
  const pauses = findLongPauses(transcript.segments);
  return { transcript, courseName: 'General Studies', granularity, bounds: topicBounds(transcript.durationSec, granularity, pauses), pauses, questionsCount };
}

describe('topic rules', () => {
  it('bounds follow the inventory formulas', () => {
    expect(topicBounds(90 * 60, 'long')).toMatchObject({ minTopics: 8, maxTopics: 30 });
    expect(topicBounds(90 * 60, 'medium')).toMatchObject({ minTopics: 5, maxTopics: 22 });
    expect(topicBounds(90 * 60, 'short')).toMatchObject({ minTopics: 3, maxTopics: 18 });
    expect(topicBounds(90 * 60, 'long').minSpacingSec).toBe(4.5 * 60);
    // Too short for three one-minute topics: as many as fit.
    expect(topicBounds(150, 'long')).toMatchObject({ minTopics: 2, maxTopics: 2 });
  });

  it('stored topics are ordered, contiguous, inside the duration and accepted when valid (random proposals)', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const rand = prng(seed);
      const duration = 300 + rand() * 7200;
      const bounds = topicBounds(duration, (['short', 'medium', 'long'] as const)[seed % 3]!);
      const count = bounds.minTopics + Math.floor(rand() * (bounds.maxTopics - bounds.minTopics + 1));
      const starts = new Set<number>([0]);
      while (starts.size < count) starts.add(Math.floor(rand() * (duration - MIN_TOPIC_SEC)));
      const proposal: ProposedTopic[] = [...starts].map((start, i) => ({ title: `Topic ${i}`, start }));
      const stored = toStoredTopics(proposal, duration, []);
      stored.forEach((topic, i) => {
        expect(topic.start).toBeGreaterThanOrEqual(0);
        expect(topic.end).toBeLessThanOrEqual(duration + 1e-3);
        expect(topic.end).toBeGreaterThan(topic.start);
        if (i > 0) expect(topic.start).toBe(stored[i - 1]!.end);
      });
      const sorted = [...proposal].sort((a, b) => a.start - b.start);
      const tooShort = sorted.some((t, i) => (sorted[i + 1]?.start ?? duration) - t.start < MIN_TOPIC_SEC);
      expect(validateTopics(sorted, duration, bounds, []).length === 0, `seed ${seed}`).toBe(!tooShort);
      if (proposal.length > 1 && proposal[0]!.start < proposal[1]!.start) {
        const shuffled = [proposal[1]!, proposal[0]!, ...proposal.slice(2)];
        expect(validateTopics(shuffled, duration, bounds, []).some((i) => /not after/.test(i.message))).toBe(true);
      }
    }
  });

  it('flags out-of-range starts, a wrong count and a missing break', () => {
    const pauses = [{ start: 1200, end: 1800 }];
    const bounds = topicBounds(3600, 'long', pauses);
    const issues = validateTopics([{ title: 'A', start: 0 }, { title: 'B', start: 4000 }], 3600, bounds, pauses).map((i) => i.message);
    expect(issues.some((m) => /outside/.test(m))).toBe(true);
    expect(issues.some((m) => /no break topic/.test(m))).toBe(true);
    expect(issues.some((m) => /between \d+ and \d+ are required/.test(m))).toBe(true);
  });

  it('finds pauses of at least 8 minutes between segments', () => {
    const transcript = lectureTranscript([{ sec: 300, vocabulary: ASTRONOMY }, { sec: 300, vocabulary: COOKING }], 3, { 0: 9 * 60 });
    const pauses = findLongPauses(transcript.segments);
    expect(pauses).toHaveLength(1);
    expect(pauses[0]!.end - pauses[0]!.start).toBeGreaterThanOrEqual(8 * 60);
    // Half a minute of speech before the gap: no break (the topic before it would be too short).
    const early = lectureTranscript([{ sec: 30, vocabulary: ASTRONOMY }, { sec: 300, vocabulary: COOKING }], 3, { 0: 9 * 60 });
    expect(findLongPauses(early.segments)).toEqual([]);
  });
});

describe('local topics (TextTiling)', () => {
  it('finds the section boundaries of a three-subject lecture and names sections by their keywords', async () => {
    const transcript = lectureTranscript([
      { sec: 240, vocabulary: ASTRONOMY },
      { sec: 240, vocabulary: COOKING },
      { sec: 240, vocabulary: FINANCE },
    ]);
    const req = request(transcript);
    const result = await new LocalTopicsProvider().propose(req);
    expect(validateTopics(result.topics, transcript.durationSec, req.bounds, req.pauses)).toEqual([]);
    const starts = result.topics.map((t) => t.start);
    for (const boundary of [240.5, 480.5]) expect(starts.some((s) => Math.abs(s - boundary) <= 30), `boundary ${boundary}: ${starts.join(', ')}`).toBe(true);
    const titleOf = (at: number) => [...result.topics].reverse().find((t) => t.start <= at)!.title.toLowerCase();
    expect(ASTRONOMY.some((w) => titleOf(100).includes(w))).toBe(true);
    expect(COOKING.some((w) => titleOf(360).includes(w))).toBe(true);
    expect(FINANCE.some((w) => titleOf(600).includes(w))).toBe(true);
    expect(result.questions).toHaveLength(3);
    expect(result.summary.split(/[.!?…]/).filter((s) => s.trim()).length).toBeGreaterThanOrEqual(1);
    expect(result.mainTopic.split(' ').length).toBeLessThanOrEqual(5);
    // Deterministic.
    expect(await new LocalTopicsProvider().propose(req)).toEqual(result);
  });

  it('always proposes valid topics (random lectures: lengths, subjects, pauses, granularities)', async () => {
    const subjects = [ASTRONOMY, COOKING, FINANCE, ['dna', 'cell', 'protein', 'gene', 'enzyme'], ['poem', 'verse', 'rhyme', 'novel']];
    for (let seed = 1; seed <= 80; seed++) {
      const rand = prng(seed * 7919);
      const sections = Array.from({ length: 1 + Math.floor(rand() * 5) }, () => ({ sec: 60 + rand() * 900, vocabulary: subjects[Math.floor(rand() * subjects.length)]! }));
      const gaps: Record<number, number> = rand() < 0.5 ? { [Math.floor(rand() * sections.length)]: 8 * 60 + rand() * 600 } : {};
      const transcript = lectureTranscript(sections, seed, gaps);
      const req = request(transcript, (['short', 'medium', 'long'] as const)[seed % 3]!, 1 + (seed % 10));
      const result = await new LocalTopicsProvider().propose(req);
      expect(validateTopics(result.topics, transcript.durationSec, req.bounds, req.pauses), `seed ${seed}`).toEqual([]);
      expect(result.questions, `seed ${seed}`).toHaveLength(req.questionsCount);
      expect(new Set(result.topics.map((t) => t.title)).size, `seed ${seed}`).toBeGreaterThanOrEqual(result.topics.filter((t) => !t.isBreak).length);
    }
  });

  it('inserts a break at a long pause', async () => {
    const transcript = lectureTranscript([{ sec: 300, vocabulary: ASTRONOMY }, { sec: 300, vocabulary: COOKING }], 5, { 0: 10 * 60 });
    const req = request(transcript, 'medium', 5);
    const result = await new LocalTopicsProvider().propose(req);
    expect(validateTopics(result.topics, transcript.durationSec, req.bounds, req.pauses)).toEqual([]);
    const breaks = result.topics.filter((t) => t.isBreak);
    expect(breaks).toHaveLength(1);
    expect(breaks[0]!.title).toBe('Break');
    expect(breaks[0]!.start).toBeCloseTo(req.pauses[0]!.start, 3);
    expect(result.questions).toHaveLength(5);
  });
});

describe('OpenAI-compatible topics', () => {
  let fake: FakeOpenAi;
  beforeAll(async () => {
    fake = await startFakeOpenAi();
  });
  afterAll(() => fake.close());

  const transcript = lectureTranscript([{ sec: 240, vocabulary: ASTRONOMY }, { sec: 240, vocabulary: COOKING }, { sec: 240, vocabulary: FINANCE }]);
  const provider = () => new OpenAiTopicsProvider({ provider: 'deepseek', baseUrl: fake.baseUrl, apiKey: fake.apiKey, model: 'deepseek-chat' }, { maxRetries: 0 });
  const answer = (topics: Array<[string, string]>, questions = 3) =>
    JSON.stringify({
      summary: 'The lecture covers stars, baking and money.',
      main_topic: 'Stars, baking and money',
      topics: topics.map(([start, title]) => ({ start, title })),
      questions: Array.from({ length: questions }, (_, i) => `Question ${i + 1}?`),
    });
  const GOOD: Array<[string, string]> = [['00:00:00', 'Planets and their orbits'], ['00:04:00', 'Baking bread at home'], ['00:08:00', 'How bank loans work']];

  it('asks for JSON output in the transcript language and accepts a valid answer', async () => {
    fake.chatReplies.push(chatReply(answer(GOOD), 'deepseek-chat-v3'));
    const before = fake.requests.length;
    const result = await provider().propose(request(transcript));
    const body = fake.requests[before]!.json as { model: string; response_format: unknown; messages: Array<{ content: string }> };
    expect(body.model).toBe('deepseek-chat');
    expect(body.response_format).toEqual({ type: 'json_object' });
    expect(body.messages[1]!.content).toMatch(/Write everything in English/);
    expect(body.messages[1]!.content).toMatch(/00:00:00 /);
    expect(result.topics.map((t) => t.start)).toEqual([0, 240, 480]);
    expect(result).toMatchObject({ model: 'deepseek-chat-v3', mainTopic: 'Stars, baking and money', usage: { totalTokens: 150 } });
  });

  it('repairs an invalid answer in one round-trip that lists the problems', async () => {
    fake.chatReplies.push(chatReply(answer([['00:00:00', 'Everything'], ['00:00:30', 'Too soon']], 1)), chatReply(answer(GOOD)));
    const before = fake.requests.length;
    const result = await provider().propose(request(transcript));
    const repair = fake.requests[before + 1]!.json as { messages: Array<{ role: string; content: string }> };
    expect(repair.messages.at(-2)!.role).toBe('assistant');
    expect(repair.messages.at(-1)!.content).toMatch(/at least 60 s/);
    expect(repair.messages.at(-1)!.content).toMatch(/exactly 3 are required/);
    expect(result.topics).toHaveLength(3);
  });

  it('repairs malformed JSON, and fails with AiOutputError when the second answer is bad too', async () => {
    fake.chatReplies.push(chatReply('{"summary": "unterminated'), chatReply(answer(GOOD)));
    await expect(provider().propose(request(transcript))).resolves.toMatchObject({ questions: ['Question 1?', 'Question 2?', 'Question 3?'] });
    fake.chatReplies.push(chatReply('not json at all'), chatReply(answer([['00:00:00', 'Only one']])));
    const error = await provider().propose(request(transcript)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AiOutputError);
    expect((error as AiOutputError).problems.join(' ')).toMatch(/1 topics; between 3 and \d+ are required/);
  });

  it('maps a rejected key to CredentialError', async () => {
    const bad = new OpenAiTopicsProvider({ provider: 'deepseek', baseUrl: fake.baseUrl, apiKey: 'sk-nope', model: 'deepseek-chat' }, { maxRetries: 0 });
    await expect(bad.propose(request(transcript))).rejects.toBeInstanceOf(CredentialError);
  });
});

import { describe, expect, it } from 'vitest';
import { buildCues, SUBTITLE_LIMITS, toSrt, toVtt } from '../../src/ai/subtitles.js';
import type { TranscriptWord } from '../../src/ai/types.js';

// Property tests over generated word sequences (seeded PRNG, so failures reproduce).

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyzабвгдежзиклмнопрстуфхцчшщэюя';
const PUNCT = ['', '', '', '', ',', '.', '?', '!', ';', '…'];

function generateWords(seed: number): TranscriptWord[] {
  const rand = prng(seed);
  const count = 1 + Math.floor(rand() * 300);
  const words: TranscriptWord[] = [];
  let t = rand() * 3;
  for (let i = 0; i < count; i++) {
    const length = 1 + Math.floor(rand() * (rand() < 0.05 ? 20 : 9));
    let text = Array.from({ length }, () => LETTERS[Math.floor(rand() * LETTERS.length)]).join('');
    text += PUNCT[Math.floor(rand() * PUNCT.length)];
    const duration = 0.08 + rand() * (rand() < 0.02 ? 9 : 0.7);
    words.push({ text: `${i}:${text}`, start: t, end: t + duration });
    const gap = rand() < 0.1 ? rand() * 3 : rand() * 0.2;
    t += duration + gap;
  }
  return words;
}

describe('subtitle cues', () => {
  it('keep every word exactly once, in order, within the line, cue and duration limits (500 sequences)', () => {
    for (let seed = 1; seed <= 500; seed++) {
      const words = generateWords(seed);
      const cues = buildCues(words);
      const flattened = cues.flatMap((c) => c.lines.join(' ').split(' '));
      expect(flattened, `seed ${seed}`).toEqual(words.map((w) => w.text));
      expect(cues.reduce((n, c) => n + c.wordCount, 0)).toBe(words.length);
      cues.forEach((cue, i) => {
        const where = `seed ${seed} cue ${i}`;
        expect(cue.lines.length, where).toBeGreaterThanOrEqual(1);
        expect(cue.lines.length, where).toBeLessThanOrEqual(SUBTITLE_LIMITS.maxLines);
        for (const line of cue.lines) {
          // Only a single word longer than a line may exceed it.
          if (line.includes(' ')) expect(line.length, where).toBeLessThanOrEqual(SUBTITLE_LIMITS.maxLineChars);
        }
        const duration = cue.end - cue.start;
        expect(duration, where).toBeLessThanOrEqual(SUBTITLE_LIMITS.maxCueSec + 1e-9);
        expect(duration, where).toBeGreaterThan(0);
        const next = cues[i + 1];
        if (next) {
          expect(cue.end, where).toBeLessThanOrEqual(next.start + 1e-9);
          // At least a second on screen unless the next cue starts sooner.
          if (duration < SUBTITLE_LIMITS.minCueSec - 1e-9) expect(cue.end, where).toBeCloseTo(next.start, 9);
        } else {
          expect(duration, where).toBeGreaterThanOrEqual(SUBTITLE_LIMITS.minCueSec - 1e-9);
        }
      });
    }
  });

  it('cuts at sentence ends and pauses', () => {
    const words: TranscriptWord[] = [
      { text: 'Hello', start: 0, end: 0.5 },
      { text: 'everyone.', start: 0.6, end: 1.2 },
      { text: 'Today', start: 1.3, end: 1.6 },
      { text: 'we', start: 1.7, end: 1.8 },
      { text: 'start.', start: 1.9, end: 2.5 },
      { text: 'After', start: 4, end: 4.3 },
      { text: 'a', start: 4.4, end: 4.5 },
      { text: 'pause', start: 4.6, end: 5 },
    ];
    expect(buildCues(words).map((c) => c.lines.join(' '))).toEqual(['Hello everyone.', 'Today we start.', 'After a pause']);
  });

  it('writes SRT and VTT', () => {
    const cues = buildCues([
      { text: 'Tom', start: 1.5, end: 1.9 },
      { text: '&', start: 2, end: 2.1 },
      { text: '<Jerry>', start: 2.2, end: 3.0 },
    ]);
    expect(toSrt(cues)).toBe('1\n00:00:01,500 --> 00:00:03,000\nTom & <Jerry>\n');
    expect(toVtt(cues)).toBe('WEBVTT\n\n00:00:01.500 --> 00:00:03.000\nTom &amp; &lt;Jerry&gt;\n');
  });
});

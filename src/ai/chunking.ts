import type { Interval } from '../media/plan.js';
import type { RecognisedSpeech } from './types.js';

/** Runs `work` over `items` with at most `limit` in flight; results keep the input order. */
export async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index]!, index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  return results;
}

/**
 * Joins per-chunk results into one, in the time of the whole file: every time is shifted by its
 * chunk's start and kept inside the chunk (a recogniser may run a little past a chunk's end).
 */
export function mergeChunkResults(chunks: readonly Interval[], results: readonly RecognisedSpeech[]): RecognisedSpeech {
  const clamp = (t: number, chunk: Interval) => Math.min(chunk.end, Math.max(chunk.start, chunk.start + t));
  const merged: RecognisedSpeech = { language: null, durationSec: chunks.at(-1)?.end ?? 0, words: [], segments: [] };
  results.forEach((result, i) => {
    const chunk = chunks[i]!;
    merged.language ??= result.language;
    for (const w of result.words) merged.words.push({ text: w.text, start: clamp(w.start, chunk), end: clamp(w.end, chunk) });
    for (const s of result.segments) merged.segments.push({ text: s.text, start: clamp(s.start, chunk), end: clamp(s.end, chunk) });
  });
  return merged;
}

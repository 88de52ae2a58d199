import type { TranscriptSegment, TranscriptWord } from './types.js';

// Signs that a recogniser made text up (quiet audio makes Whisper repeat itself or invent credits;
// the recording-440 post-mortem, inventory §13). A flagged transcript must not be auto-published.

export const GUARD_LIMITS = {
  /** Share of segments whose text repeats an earlier segment. */
  maxRepeatedSegmentRatio: 0.5,
  /** Distinct words expected in a recording of at least `uniqueWordsAfterSec`. */
  minUniqueWords: 50,
  uniqueWordsAfterSec: 300,
  /** Speech rate outside this range is not a lecture (judged after a minute of audio). */
  minWordsPerMinute: 4,
  maxWordsPerMinute: 350,
  /** A "word" lasting longer than this on average is a recogniser artefact. */
  maxAverageWordSec: 5,
} as const;

export interface GuardVerdict {
  flagged: boolean;
  reasons: string[];
}

const normalize = (text: string) => text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();

export function checkTranscript(words: readonly TranscriptWord[], segments: readonly TranscriptSegment[], durationSec: number, limits = GUARD_LIMITS): GuardVerdict {
  const reasons: string[] = [];
  if (words.length === 0) {
    return { flagged: true, reasons: ['no speech was recognised'] };
  }
  if (segments.length >= 4) {
    const seen = new Set<string>();
    let repeated = 0;
    for (const s of segments) {
      const key = normalize(s.text);
      if (seen.has(key)) repeated++;
      else seen.add(key);
    }
    const ratio = repeated / segments.length;
    if (ratio > limits.maxRepeatedSegmentRatio) reasons.push(`${Math.round(ratio * 100)} % of segments repeat earlier ones`);
  }
  const unique = new Set(words.map((w) => normalize(w.text)).filter(Boolean)).size;
  if (durationSec >= limits.uniqueWordsAfterSec && unique < limits.minUniqueWords) {
    reasons.push(`only ${unique} distinct words in ${Math.round(durationSec / 60)} min`);
  }
  if (durationSec >= 60) {
    const perMinute = words.length / (durationSec / 60);
    if (perMinute < limits.minWordsPerMinute) reasons.push(`implausibly slow speech: ${perMinute.toFixed(1)} words per minute`);
    if (perMinute > limits.maxWordsPerMinute) reasons.push(`implausibly fast speech: ${Math.round(perMinute)} words per minute`);
  }
  const averageWordSec = words.reduce((sum, w) => sum + (w.end - w.start), 0) / words.length;
  if (averageWordSec > limits.maxAverageWordSec) reasons.push(`words last ${averageWordSec.toFixed(1)} s on average`);
  return { flagged: reasons.length > 0, reasons };
}

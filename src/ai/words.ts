import type { TranscriptSegment, TranscriptWord } from './types.js';

// Normalising recogniser output: clean, ordered words with positive durations, and sentence-like
// segments for providers that give none (rules of the original, inventory §2.6).

/** Trims text, drops empty words, orders by start, forces end > start (end = start + 0.1). */
export function normalizeWords(words: readonly TranscriptWord[]): TranscriptWord[] {
  return words
    .map((w) => ({ text: w.text.trim(), start: Math.max(0, w.start), end: w.end }))
    .filter((w) => w.text.length > 0 && Number.isFinite(w.start) && Number.isFinite(w.end))
    .map((w) => (w.end > w.start ? w : { ...w, end: w.start + 0.1 }))
    .sort((a, b) => a.start - b.start || a.end - b.end);
}

const SENTENCE_END = /[.!?…]["»”')\]]*$/;
const CLAUSE_END = /[,;:]["»”')\]]*$/;

/**
 * Groups words into segments: break after sentence-ending punctuation, on a pause > 0.4 s, on a
 * comma followed by a pause > 0.25 s, or before a segment would exceed 8 s — each only once the
 * group has ≥ 0.7 s or ≥ 3 words. Then tiny segments (< 3 words and < 1.2 s) join the previous one.
 */
export function segmentWords(words: readonly TranscriptWord[]): TranscriptSegment[] {
  const groups: TranscriptWord[][] = [];
  let current: TranscriptWord[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const next = words[i + 1];
    if (current.length > 0 && word.end - current[0]!.start > 8) {
      groups.push(current);
      current = [];
    }
    current.push(word);
    if (!next) break;
    const grown = current.length >= 3 || word.end - current[0]!.start >= 0.7;
    const pause = next.start - word.end;
    if (grown && (SENTENCE_END.test(word.text) || pause > 0.4 || (CLAUSE_END.test(word.text) && pause > 0.25))) {
      groups.push(current);
      current = [];
    }
  }
  if (current.length > 0) groups.push(current);

  const merged: TranscriptWord[][] = [];
  for (const group of groups) {
    const tiny = group.length < 3 && group[group.length - 1]!.end - group[0]!.start < 1.2;
    if (tiny && merged.length > 0) merged[merged.length - 1]!.push(...group);
    else merged.push([...group]);
  }
  return merged.map((group) => ({
    start: group[0]!.start,
    end: group[group.length - 1]!.end,
    text: group.map((w) => w.text).join(' '),
  }));
}

const LANGUAGE_NAMES: Record<string, string> = { english: 'en', russian: 'ru', german: 'de', french: 'fr', spanish: 'es', ukrainian: 'uk' };

/** Whisper APIs answer with names ("english") or codes ("en"); we store codes. */
export function languageCode(language: string | null | undefined): string | null {
  if (!language) return null;
  const lower = language.trim().toLowerCase();
  if (/^[a-z]{2}(?:[-_][a-z]+)?$/.test(lower)) return lower.slice(0, 2);
  return LANGUAGE_NAMES[lower] ?? null;
}

/** Plain text of a transcript, one segment per line. */
export function transcriptText(segments: readonly TranscriptSegment[]): string {
  return segments.map((s) => s.text).join('\n');
}

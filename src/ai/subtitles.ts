import type { TranscriptWord } from './types.js';

// Subtitle cues from word timestamps: ≤ 2 lines of ≤ 42 characters, 1–7 s on screen, cut at sentence
// ends, pauses and clause ends. Every word lands in exactly one cue, in order (the original dropped
// text beyond two lines, inventory §4). A single word longer than a line gets a line of its own.

export const SUBTITLE_LIMITS = {
  maxLineChars: 42,
  maxLines: 2,
  maxCueSec: 7,
  minCueSec: 1,
  /** Silence between words that ends a cue (once it has been on screen for minCueSec). */
  pauseSec: 0.5,
} as const;

export interface SubtitleCue {
  start: number;
  end: number;
  lines: string[];
  /** How many words of the input the cue holds (they are consecutive). */
  wordCount: number;
}

const SENTENCE_END = /[.!?…]["»”')\]]*$/;
const CLAUSE_END = /[,;:—–]["»”')\]]*$/;

/** The best split of `texts` into at most two lines within the limit, or null if it cannot fit. */
export function wrapLines(texts: readonly string[], limits = SUBTITLE_LIMITS): string[] | null {
  const joined = texts.join(' ');
  if (joined.length <= limits.maxLineChars || texts.length === 1) return [joined];
  if (limits.maxLines < 2) return null;
  let best: string[] | null = null;
  for (let i = 1; i < texts.length; i++) {
    const first = texts.slice(0, i).join(' ');
    const second = texts.slice(i).join(' ');
    if (first.length > limits.maxLineChars || second.length > limits.maxLineChars) continue;
    if (!best || Math.max(first.length, second.length) < Math.max(best[0]!.length, best[1]!.length)) best = [first, second];
  }
  return best;
}

export function buildCues(words: readonly TranscriptWord[], limits = SUBTITLE_LIMITS): SubtitleCue[] {
  const groups: TranscriptWord[][] = [];
  let current: TranscriptWord[] = [];
  for (const word of words) {
    if (current.length > 0) {
      const first = current[0]!;
      const last = current[current.length - 1]!;
      const shown = last.end - first.start;
      const tooLong = word.end - first.start > limits.maxCueSec;
      const overflows = wrapLines([...current, word].map((w) => w.text), limits) === null;
      const pause = word.start - last.end >= limits.pauseSec;
      const sentence = SENTENCE_END.test(last.text);
      // A clause end closes the cue only when it is already well filled.
      const clause = CLAUSE_END.test(last.text) && current.map((w) => w.text).join(' ').length >= limits.maxLineChars;
      if (tooLong || overflows || (shown >= limits.minCueSec && (pause || sentence || clause))) {
        groups.push(current);
        current = [];
      }
    }
    current.push(word);
  }
  if (current.length > 0) groups.push(current);

  return groups.map((group, i) => {
    const start = group[0]!.start;
    const nextStart = groups[i + 1]?.[0]!.start ?? Number.POSITIVE_INFINITY;
    // At least minCueSec on screen unless the next cue starts earlier; never more than maxCueSec.
    const end = Math.min(Math.max(group[group.length - 1]!.end, start + limits.minCueSec), nextStart, start + limits.maxCueSec);
    return { start, end: Math.max(end, start + 0.001), lines: wrapLines(group.map((w) => w.text), limits) ?? [group.map((w) => w.text).join(' ')], wordCount: group.length };
  });
}

function timestamp(seconds: number, separator: ',' | '.'): string {
  const ms = Math.max(0, Math.round(seconds * 1000));
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}${separator}${pad(ms % 1000, 3)}`;
}

export function toSrt(cues: readonly SubtitleCue[]): string {
  return cues.map((c, i) => `${i + 1}\n${timestamp(c.start, ',')} --> ${timestamp(c.end, ',')}\n${c.lines.join('\n')}\n`).join('\n');
}

/** WebVTT cue text is HTML-like: `&` and `<` must be escaped. */
const vttText = (line: string) => line.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function toVtt(cues: readonly SubtitleCue[]): string {
  return `WEBVTT\n\n${cues.map((c) => `${timestamp(c.start, '.')} --> ${timestamp(c.end, '.')}\n${c.lines.map(vttText).join('\n')}\n`).join('\n')}`;
}

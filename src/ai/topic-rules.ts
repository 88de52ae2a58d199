import type { Granularity, LongPause, ProposedTopic, StoredTopic, TopicBounds, TranscriptSegment } from './types.js';

// Topic count, breaks and validation (inventory §3). Providers propose titled start times; these
// rules decide whether a proposal is acceptable and turn it into stored topics with ends.

const GRANULARITY: Record<Granularity, { lenMin: number; lenMax: number; spacingMin: number; spacingMax: number; factor: number }> = {
  short: { lenMin: 5, lenMax: 40, spacingMin: 10, spacingMax: 18, factor: 0.12 },
  medium: { lenMin: 4, lenMax: 20, spacingMin: 6, spacingMax: 10, factor: 0.08 },
  long: { lenMin: 3, lenMax: 12, spacingMin: 4, spacingMax: 6, factor: 0.05 },
};

/** Every topic lasts at least this long. */
export const MIN_TOPIC_SEC = 60;
/** Silence between segments of at least this long becomes a "Break" topic. */
export const BREAK_MIN_SEC = 8 * 60;

/**
 * min = max(3, min(25, ⌈D/lenMax⌉)), max = max(min, min(30, ⌊D/lenMin⌋)), spacing = clamp(D·factor),
 * D in minutes of speech (breaks excluded). Short recordings get fewer: no topic is under a minute.
 */
export function topicBounds(durationSec: number, granularity: Granularity, pauses: readonly LongPause[] = []): TopicBounds {
  const g = GRANULARITY[granularity];
  const speechSec = Math.max(0, durationSec - pauses.reduce((sum, p) => sum + (p.end - p.start), 0));
  const minutes = speechSec / 60;
  let minTopics = Math.max(3, Math.min(25, Math.ceil(minutes / g.lenMax)));
  let maxTopics = Math.max(minTopics, Math.min(30, Math.floor(minutes / g.lenMin)));
  const feasible = Math.max(1, Math.floor(speechSec / MIN_TOPIC_SEC));
  minTopics = Math.min(minTopics, feasible);
  maxTopics = Math.min(maxTopics, feasible);
  const spacingMin = Math.min(Math.max(minutes * g.factor, g.spacingMin), g.spacingMax) * 60;
  // Never so wide that the minimum count cannot fit.
  return { minTopics, maxTopics, minSpacingSec: Math.min(spacingMin, Math.max(MIN_TOPIC_SEC, speechSec / minTopics)) };
}

/**
 * Gaps of ≥ 8 min between consecutive segments. A gap with less than a minute of speech before or
 * after it (up to the neighbouring gap) is left out: a break there would leave a topic too short.
 */
export function findLongPauses(segments: readonly TranscriptSegment[], minSec = BREAK_MIN_SEC): LongPause[] {
  const sorted = [...segments].sort((a, b) => a.start - b.start);
  const gaps: LongPause[] = [];
  let lastEnd: number | null = null;
  for (const s of sorted) {
    if (lastEnd !== null && s.start - lastEnd >= minSec) gaps.push({ start: lastEnd, end: s.start });
    lastEnd = Math.max(lastEnd ?? 0, s.end);
  }
  const speechEnd = lastEnd ?? 0;
  const kept: LongPause[] = [];
  gaps.forEach((gap, i) => {
    const before = gap.start - (kept.at(-1)?.end ?? 0);
    const after = (gaps[i + 1]?.start ?? speechEnd) - gap.end;
    if (before >= MIN_TOPIC_SEC && after >= MIN_TOPIC_SEC) kept.push(gap);
  });
  return kept;
}

export const breakTitle = (language: string) => (language === 'ru' ? 'Перерыв' : 'Break');

/** Breaks are matched by time (the title is free text): within a minute of a pause's start. */
const isBreakAt = (topic: ProposedTopic, pauses: readonly LongPause[]) => pauses.some((p) => Math.abs(topic.start - p.start) <= 60);

/**
 * Stored topics: ordered, ends at the next start (the last at the duration), breaks marked and
 * lasting to the end of their pause when the next topic starts later.
 */
export function toStoredTopics(topics: readonly ProposedTopic[], durationSec: number, pauses: readonly LongPause[]): StoredTopic[] {
  const sorted = [...topics].sort((a, b) => a.start - b.start);
  return sorted.map((topic, i) => ({
    title: topic.title.trim(),
    start: round(topic.start),
    end: round(sorted[i + 1]?.start ?? durationSec),
    isBreak: topic.isBreak ?? isBreakAt(topic, pauses),
  }));
}

export interface TopicIssue {
  index: number | null;
  message: string;
}

/**
 * What is wrong with a proposal: out of [0, duration), not strictly chronological, shorter than a
 * minute (unless it is the only one), a missing break, or a count (breaks excluded) outside the bounds.
 */
export function validateTopics(topics: readonly ProposedTopic[], durationSec: number, bounds: TopicBounds, pauses: readonly LongPause[]): TopicIssue[] {
  const issues: TopicIssue[] = [];
  topics.forEach((topic, i) => {
    if (!topic.title.trim()) issues.push({ index: i, message: `topic ${i + 1} has no title` });
    if (!(topic.start >= 0 && topic.start < durationSec)) {
      issues.push({ index: i, message: `topic ${i + 1} starts at ${clock(topic.start)}, outside 00:00:00–${clock(durationSec)}` });
    }
    const previous = topics[i - 1];
    if (previous && topic.start <= previous.start) issues.push({ index: i, message: `topic ${i + 1} (${clock(topic.start)}) is not after topic ${i} (${clock(previous.start)})` });
    const end = topics[i + 1]?.start ?? durationSec;
    // A lone topic is the whole recording, however short that is.
    if (topics.length > 1 && end - topic.start < MIN_TOPIC_SEC - 1e-6 && (!previous || topic.start > previous.start)) {
      issues.push({ index: i, message: `topic ${i + 1} lasts ${Math.max(0, Math.round(end - topic.start))} s; every topic must last at least ${MIN_TOPIC_SEC} s` });
    }
  });
  for (const pause of pauses) {
    if (!topics.some((t) => isBreakAt(t, [pause]))) issues.push({ index: null, message: `no break topic at the pause starting ${clock(pause.start)}` });
  }
  const count = topics.filter((t) => !(t.isBreak ?? isBreakAt(t, pauses))).length;
  if (count < bounds.minTopics || count > bounds.maxTopics) {
    issues.push({ index: null, message: `${count} topics; between ${bounds.minTopics} and ${bounds.maxTopics} are required (breaks not counted)` });
  }
  return issues;
}

/** HH:MM:SS */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  return [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60].map((n) => String(n).padStart(2, '0')).join(':');
}

/** Seconds from `HH:MM:SS`, `MM:SS` or a number; null when unreadable. */
export function parseClock(value: string | number): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  const match = /^\s*(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)\s*$/.exec(value);
  if (!match) return /^\s*\d+(?:\.\d+)?\s*$/.test(value) ? Number(value) : null;
  return Number(match[1] ?? 0) * 3600 + Number(match[2]) * 60 + Number(match[3]);
}

const round = (n: number) => Math.round(n * 1000) / 1000;

import type { Chapter } from '../publisher.js';
import { truncate } from '../../modules/metadata/platform-limits.js';

// YouTube turns timestamps in a description into chapters only when the first is 00:00, there
// are at least three, and each lasts at least 10 seconds (inventory §13: not enforced before).

export const MIN_CHAPTERS = 3;
export const MIN_CHAPTER_SECONDS = 10;
const DESCRIPTION_BYTES = 5000;

/** Chapters that satisfy YouTube's rules, or none. */
export function youtubeChapters(topics: Chapter[], durationSec: number | null): Chapter[] {
  const sorted = topics
    .filter((t) => Number.isFinite(t.start) && t.start >= 0 && t.title.trim() && (durationSec === null || t.start < durationSec))
    .sort((a, b) => a.start - b.start);
  const chapters: Chapter[] = [];
  for (const topic of sorted) {
    const start = chapters.length === 0 ? 0 : Math.floor(topic.start);
    const previous = chapters.at(-1);
    if (previous && start - previous.start < MIN_CHAPTER_SECONDS) continue;
    chapters.push({ start, title: topic.title.trim().replace(/\s+/g, ' ') });
  }
  const last = chapters.at(-1);
  if (last && durationSec !== null && durationSec - last.start < MIN_CHAPTER_SECONDS) chapters.pop();
  return chapters.length >= MIN_CHAPTERS ? chapters : [];
}

export function chapterTime(seconds: number, longVideo: boolean): string {
  const s = Math.floor(seconds);
  const hh = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return longVideo ? `${hh}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** The description with a chapter list appended, cut so the whole stays within 5000 bytes. */
export function withChapters(description: string, chapters: Chapter[]): string {
  if (chapters.length === 0 || /(^|\n)0?0:00\s/.test(description)) return description;
  const long = (chapters.at(-1)?.start ?? 0) >= 3600;
  const list = chapters.map((c) => `${chapterTime(c.start, long)} ${c.title.replaceAll('<', '＜').replaceAll('>', '＞')}`).join('\n');
  const listBytes = Buffer.byteLength(list, 'utf8') + 2;
  if (listBytes >= DESCRIPTION_BYTES) return description;
  const head = description.trim() ? truncate(description.trim(), { max: DESCRIPTION_BYTES - listBytes, unit: 'bytes' }).text : '';
  return head ? `${head}\n\n${list}` : list;
}

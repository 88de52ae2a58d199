import { describe, expect, it } from 'vitest';
import { chapterTime, withChapters, youtubeChapters } from '../../src/platforms/youtube/chapters.js';

describe('YouTube chapters', () => {
  it('starts at 00:00, keeps chapters at least 10 s apart and needs three', () => {
    const topics = [
      { title: 'Intro', start: 2 },
      { title: 'Too close', start: 9 },
      { title: 'Part one', start: 40 },
      { title: 'Part two', start: 45 },
      { title: 'Part three', start: 100 },
    ];
    expect(youtubeChapters(topics, 300)).toEqual([
      { start: 0, title: 'Intro' },
      { start: 40, title: 'Part one' },
      { start: 100, title: 'Part three' },
    ]);
    expect(youtubeChapters(topics.slice(0, 2), 300)).toEqual([]);
    // A last chapter shorter than 10 s (or past the end) is dropped, and with it the minimum of three.
    expect(youtubeChapters([{ title: 'a', start: 0 }, { title: 'b', start: 20 }, { title: 'c', start: 295 }], 300)).toEqual([]);
    expect(youtubeChapters([{ title: 'a', start: 0 }, { title: 'b', start: 20 }, { title: 'c', start: 40 }, { title: 'late', start: 400 }], 300)).toHaveLength(3);
  });

  it('formats times and appends the list within 5000 bytes', () => {
    expect(chapterTime(65, false)).toBe('01:05');
    expect(chapterTime(3725, true)).toBe('1:02:05');
    const chapters = [{ start: 0, title: 'A <b>' }, { start: 30, title: 'B' }, { start: 60, title: 'C' }];
    expect(withChapters('Summary', chapters)).toBe('Summary\n\n00:00 A ＜b＞\n00:30 B\n01:00 C');
    const long = withChapters('я'.repeat(3000), chapters);
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(5000);
    expect(long.endsWith('00:00 A ＜b＞\n00:30 B\n01:00 C')).toBe(true);
    // Already has timestamps (a template rendered them): left alone.
    expect(withChapters('00:00 Intro\n00:30 B', chapters)).toBe('00:00 Intro\n00:30 B');
    expect(withChapters('Summary', [])).toBe('Summary');
  });
});

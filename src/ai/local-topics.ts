import { breakTitle, MIN_TOPIC_SEC } from './topic-rules.js';
import { capitalize, cosine, isContentWord, termCounts, topTerms, words } from './text.js';
import type { ProposedTopic, ProposedTopics, TopicsProvider, TopicsRequest, Transcript } from './types.js';

// Offline topics: TextTiling-style lexical segmentation (Hearst 1997) of the transcript's words,
// keyword titles (TF-IDF over sections), an extractive summary and keyword questions. Deterministic,
// no model: it finds where the vocabulary changes, not what the lecture means (docs/ai.md).

/** Content tokens per pseudo-sentence, and pseudo-sentences per comparison block. */
const SENTENCE_TOKENS = 20;
const BLOCK_SENTENCES = 6;
/** Float slack in distance checks (times are sums of decimals). */
const EPSILON = 1e-6;

interface Token {
  term: string;
  surface: string;
  time: number;
}

interface Gap {
  time: number;
  depth: number;
}

export class LocalTopicsProvider implements TopicsProvider {
  readonly provider = 'local';

  propose(request: TopicsRequest): Promise<ProposedTopics> {
    const { transcript, bounds, pauses } = request;
    const tokens = contentTokens(transcript);
    const gaps = depthGaps(tokens);
    const wanted = Math.max(0, clampCount(naturalCount(gaps), bounds.minTopics, bounds.maxTopics) - 1 - pauses.length);
    const starts = chooseBoundaries(transcript, gaps, wanted, bounds.minSpacingSec, pauses);

    const breakStarts = new Set(pauses.map((p) => p.start));
    const sections = starts.map((start, i) => {
      const end = starts[i + 1] ?? transcript.durationSec;
      return { start, end, isBreak: breakStarts.has(start), tokens: tokens.filter((t) => t.time >= start && t.time < end) };
    });
    const content = sections.filter((s) => !s.isBreak);
    const surfaces = surfaceForms(tokens);
    const df = termCounts(content.flatMap((s) => [...new Set(s.tokens.map((t) => t.term))]));
    const keywords = content.map((s) => {
      const tf = termCounts(s.tokens.map((t) => t.term));
      const scores = new Map([...tf].map(([term, n]) => [term, n * Math.log(1 + content.length / (df.get(term) ?? 1))]));
      return topTerms(scores, 6).map((term) => surfaces.get(term) ?? term);
    });
    const language = transcript.language;
    const titles = new Set<string>();
    let part = 0;
    const topics: ProposedTopic[] = sections.map((section) => {
      if (section.isBreak) return { title: breakTitle(language), start: section.start, isBreak: true };
      const terms = keywords[part++]!;
      let title = keywordTitle(terms.slice(0, 3), language) || `${language === 'ru' ? 'Часть' : 'Part'} ${part}`;
      for (let extra = 3; titles.has(title) && extra < terms.length; extra++) title = keywordTitle([...terms.slice(0, 2), terms[extra]!], language);
      titles.add(title);
      return { title, start: section.start, isBreak: false };
    });

    const overall = termCounts(tokens.map((t) => t.term));
    const main = topTerms(overall, 2).map((term) => surfaces.get(term) ?? term);
    return Promise.resolve({
      summary: extractiveSummary(transcript, overall),
      mainTopic: keywordTitle(main, language) || (language === 'ru' ? 'Лекция' : 'Lecture'),
      topics,
      questions: keywordQuestions(keywords, main, request.questionsCount, language),
      model: 'texttiling-tfidf',
      usage: null,
    });
  }
}

function contentTokens(transcript: Transcript): Token[] {
  const tokens: Token[] = [];
  for (const word of transcript.words) {
    for (const w of words(word.text)) if (isContentWord(w)) tokens.push({ term: stem(w), surface: w, time: word.start });
  }
  return tokens;
}

/** A crude suffix strip so "topics"/"topic" or "лекции"/"лекция" count as one term. */
function stem(word: string): string {
  if (/^[a-z'’-]+$/.test(word)) return word.replace(/(?:ies|es|s|ing|ed)$/, (m) => (word.length - m.length >= 4 ? '' : m));
  return word.length > 5 ? word.slice(0, word.length - 2) : word;
}

/** The most frequent surface form of each term, for titles. */
function surfaceForms(tokens: readonly Token[]): Map<string, string> {
  const counts = new Map<string, Map<string, number>>();
  for (const t of tokens) {
    const forms = counts.get(t.term) ?? new Map<string, number>();
    forms.set(t.surface, (forms.get(t.surface) ?? 0) + 1);
    counts.set(t.term, forms);
  }
  return new Map([...counts].map(([term, forms]) => [term, topTerms(forms, 1)[0]!]));
}

/** Depth of every gap between pseudo-sentences: how far lexical cohesion dips there. */
function depthGaps(tokens: readonly Token[]): Gap[] {
  const sentences: Token[][] = [];
  for (let i = 0; i < tokens.length; i += SENTENCE_TOKENS) sentences.push(tokens.slice(i, i + SENTENCE_TOKENS));
  if (sentences.length < 2) return [];
  const raw: number[] = [];
  for (let i = 1; i < sentences.length; i++) {
    const left = termCounts(sentences.slice(Math.max(0, i - BLOCK_SENTENCES), i).flat().map((t) => t.term));
    const right = termCounts(sentences.slice(i, i + BLOCK_SENTENCES).flat().map((t) => t.term));
    raw.push(cosine(left, right));
  }
  const smooth = raw.map((_, i) => {
    const window = raw.slice(Math.max(0, i - 1), i + 2);
    return window.reduce((a, b) => a + b, 0) / window.length;
  });
  return smooth.map((score, i) => {
    let left = score;
    for (let j = i - 1; j >= 0 && smooth[j]! >= left; j--) left = smooth[j]!;
    let right = score;
    for (let j = i + 1; j < smooth.length && smooth[j]! >= right; j++) right = smooth[j]!;
    return { time: sentences[i + 1]![0]!.time, depth: left - score + (right - score) };
  });
}

/** Hearst's cut-off: sections = 1 + gaps deeper than mean − sd/2 that are local valleys. */
function naturalCount(gaps: readonly Gap[]): number {
  if (gaps.length === 0) return 1;
  const depths = gaps.map((g) => g.depth);
  const mean = depths.reduce((a, b) => a + b, 0) / depths.length;
  const sd = Math.sqrt(depths.reduce((a, b) => a + (b - mean) ** 2, 0) / depths.length);
  return 1 + gaps.filter((g, i) => g.depth > 0 && g.depth > mean - sd / 2 && g.depth >= (gaps[i - 1]?.depth ?? 0) && g.depth >= (gaps[i + 1]?.depth ?? 0)).length;
}

const clampCount = (n: number, min: number, max: number) => Math.min(max, Math.max(min, n));

/**
 * Topic starts: 0, the deepest valleys snapped to the nearest segment start (kept `minSpacing`
 * apart, relaxed to a minute when there are too few), then even fill if the text has no valleys.
 * Breaks start at their pause and the next topic at the pause's end.
 */
function chooseBoundaries(transcript: Transcript, gaps: readonly Gap[], wanted: number, minSpacing: number, pauses: TopicsRequest['pauses']): number[] {
  const duration = transcript.durationSec;
  const fixed = [0, ...pauses.flatMap((p) => [p.start, p.end])];
  const segmentStarts = [...new Set(transcript.segments.map((s) => s.start))].sort((a, b) => a - b);
  const snap = (time: number) => segmentStarts.reduce((best, s) => (Math.abs(s - time) < Math.abs(best - time) ? s : best), segmentStarts[0] ?? time);
  const chosen: number[] = [];
  const fits = (t: number, spacing: number) =>
    t >= spacing - EPSILON &&
    duration - t >= MIN_TOPIC_SEC - EPSILON &&
    [...fixed, ...chosen].every((c) => Math.abs(c - t) >= spacing - EPSILON) &&
    !pauses.some((p) => t > p.start && t < p.end);
  const ranked = [...gaps].filter((g) => g.depth > 0).sort((a, b) => b.depth - a.depth || a.time - b.time);
  for (const spacing of [Math.max(minSpacing, MIN_TOPIC_SEC), MIN_TOPIC_SEC]) {
    for (const gap of ranked) {
      if (chosen.length >= wanted) break;
      const t = snap(gap.time);
      if (fits(t, spacing)) chosen.push(t);
    }
  }
  // A transcript without enough lexical valleys: halve the longest sections (never a break).
  while (chosen.length < wanted) {
    const cuts = [...new Set([...fixed, ...chosen])].sort((a, b) => a - b);
    const sections = cuts
      .map((start, i) => ({ start, end: cuts[i + 1] ?? duration }))
      .filter((section) => !pauses.some((p) => p.start === section.start))
      .sort((a, b) => b.end - b.start - (a.end - a.start) || a.start - b.start);
    const split = sections.map((section) => middleCut(section, segmentStarts)).find((t) => t !== null);
    if (split === undefined || split === null) break;
    chosen.push(split);
  }
  return [...new Set([...fixed, ...chosen])].sort((a, b) => a - b);
}

/** The segment start nearest the middle of `section` leaving a minute on both sides (or the middle). */
function middleCut(section: { start: number; end: number }, segmentStarts: readonly number[]): number | null {
  if (section.end - section.start < 2 * MIN_TOPIC_SEC) return null;
  const middle = (section.start + section.end) / 2;
  const inside = segmentStarts.filter((s) => s - section.start >= MIN_TOPIC_SEC - EPSILON && section.end - s >= MIN_TOPIC_SEC - EPSILON);
  return inside.reduce<number | null>((best, s) => (best === null || Math.abs(s - middle) < Math.abs(best - middle) ? s : best), null) ?? middle;
}

function keywordTitle(terms: readonly string[], language: string): string {
  if (terms.length === 0) return '';
  const and = language === 'ru' ? 'и' : 'and';
  const list = terms.length === 1 ? terms[0]! : `${terms.slice(0, -1).join(', ')} ${and} ${terms.at(-1)!}`;
  return capitalize(list);
}

/** Up to 3 sentences with the most frequent content words, in their original order. */
function extractiveSummary(transcript: Transcript, overall: ReadonlyMap<string, number>): string {
  const sentences = transcript.segments
    .flatMap((s) => s.text.split(/(?<=[.!?…])\s+/))
    .map((text, index) => ({ text: text.trim(), index }))
    .filter((s) => words(s.text).length >= 5);
  const pool = sentences.length > 0 ? sentences : transcript.segments.map((s, index) => ({ text: s.text.trim(), index })).filter((s) => s.text);
  const scored = pool.map((s) => {
    const content = words(s.text).filter(isContentWord).map(stem);
    const score = content.reduce((sum, term) => sum + (overall.get(term) ?? 0), 0) / Math.sqrt(words(s.text).length || 1);
    return { ...s, score };
  });
  const picked = [...scored].sort((a, b) => b.score - a.score || a.index - b.index).slice(0, 3).sort((a, b) => a.index - b.index);
  return picked.map((s) => (/[.!?…]$/.test(s.text) ? s.text : `${s.text}.`)).map(capitalize).join(' ');
}

/** One question per section keyword, round-robin over sections; honest about being keyword-based. */
function keywordQuestions(keywords: readonly string[][], main: readonly string[], count: number, language: string): string[] {
  const ask = (term: string) => (language === 'ru' ? `Что говорится в лекции о понятии «${term}»?` : `What does the lecture say about "${term}"?`);
  const terms: string[] = [];
  for (let rank = 0; terms.length < count && rank < 6; rank++) {
    for (const section of keywords) {
      const term = section[rank];
      if (term && !terms.includes(term) && terms.length < count) terms.push(term);
    }
  }
  for (const term of main) if (terms.length < count && !terms.includes(term)) terms.push(term);
  const questions = terms.map(ask);
  for (let part = 1; questions.length < count; part++) {
    questions.push(language === 'ru' ? `Какова главная мысль части ${part}?` : `What is the main point of part ${part}?`);
  }
  return questions;
}

import { describe, expect, it } from 'vitest';
import { explainMatch, firstMatchingTemplate, type MatchSubject } from '../../src/modules/templates/matching.js';
import { hasPositiveRule, matchingRulesSchema, type MatchingRules } from '../../src/modules/templates/template-schemas.js';

const SOURCE_A = '11111111-1111-4111-8111-111111111111';
const SOURCE_B = '22222222-2222-4222-8222-222222222222';

const rules = (input: Record<string, unknown>): MatchingRules => matchingRulesSchema.parse(input);
const subject = (displayName: string, extra: Partial<MatchSubject> = {}): MatchSubject => ({
  displayName,
  inputSourceId: null,
  durationSec: null,
  ...extra,
});

describe('matching rules, one at a time', () => {
  const cases: Array<[string, Record<string, unknown>, MatchSubject, string, boolean]> = [
    // [label, rules, subject, deciding rule, matched]
    ['exact name, case-insensitive', { exactMatches: ['Algebra 101'] }, subject('algebra 101'), 'exactMatches', true],
    ['exact name ignores surrounding spaces', { exactMatches: ['Algebra 101'] }, subject('  Algebra 101 '), 'exactMatches', true],
    ['exact name is the whole name', { exactMatches: ['Algebra'] }, subject('Algebra 101'), 'noRule', false],
    ['exact name, case-sensitive', { exactMatches: ['Algebra 101'], caseSensitive: true }, subject('algebra 101'), 'noRule', false],
    ['keyword is a substring', { keywords: ['physics'] }, subject('Lecture: Physics II'), 'keywords', true],
    ['keyword, case-sensitive miss', { keywords: ['physics'], caseSensitive: true }, subject('Physics II'), 'noRule', false],
    ['keyword in Cyrillic, case-insensitive', { keywords: ['матанализ'] }, subject('Лекция: МАТАНАЛИЗ 3'), 'keywords', true],
    ['pattern searches anywhere', { patterns: ['^Lecture \\d+$'] }, subject('Lecture 12'), 'patterns', true],
    ['pattern, case-insensitive by default', { patterns: ['^lecture'] }, subject('LECTURE 1'), 'patterns', true],
    ['pattern, case-sensitive miss', { patterns: ['^lecture'], caseSensitive: true }, subject('LECTURE 1'), 'noRule', false],
    ['pattern with Unicode class', { patterns: ['^\\p{Lu}\\p{Ll}+ \\d$'] }, subject('Физика 1'), 'patterns', true],
    ['exclude keyword beats a keyword', { keywords: ['lecture'], excludeKeywords: ['test'] }, subject('Lecture test run'), 'excludeKeywords', false],
    ['exclude keyword is case-insensitive', { keywords: ['lecture'], excludeKeywords: ['TEST'] }, subject('lecture test'), 'excludeKeywords', false],
    ['exclude pattern beats an exact name', { exactMatches: ['Draft 1'], excludePatterns: ['^draft'] }, subject('Draft 1'), 'excludePatterns', false],
    ['source filter admits its source', { patterns: ['.*'], sourceIds: [SOURCE_A] }, subject('Any', { inputSourceId: SOURCE_A }), 'patterns', true],
    ['source filter refuses another source', { patterns: ['.*'], sourceIds: [SOURCE_A] }, subject('Any', { inputSourceId: SOURCE_B }), 'sourceIds', false],
    ['source filter refuses unknown source', { patterns: ['.*'], sourceIds: [SOURCE_A] }, subject('Any'), 'sourceIds', false],
    ['empty source filter admits any source', { patterns: ['.*'] }, subject('Any', { inputSourceId: SOURCE_B }), 'patterns', true],
    ['source ids alone never match', { sourceIds: [SOURCE_A] }, subject('Any', { inputSourceId: SOURCE_A }), 'noRule', false],
    ['duration inside the range', { keywords: ['x'], minDurationSec: 600, maxDurationSec: 7200 }, subject('x', { durationSec: 3600 }), 'keywords', true],
    ['duration bounds are inclusive', { keywords: ['x'], minDurationSec: 600, maxDurationSec: 7200 }, subject('x', { durationSec: 7200 }), 'keywords', true],
    ['duration below the minimum', { keywords: ['x'], minDurationSec: 600 }, subject('x', { durationSec: 599 }), 'duration', false],
    ['duration above the maximum', { keywords: ['x'], maxDurationSec: 600 }, subject('x', { durationSec: 601 }), 'duration', false],
    ['unknown duration fails a range', { keywords: ['x'], minDurationSec: 1 }, subject('x'), 'duration', false],
    ['no rules match nothing', {}, subject('Anything'), 'noRule', false],
  ];

  it.each(cases)('%s', (_label, input, candidate, rule, matched) => {
    const decision = explainMatch(rules(input), candidate);
    expect(decision.rule).toBe(rule);
    expect(decision.matched).toBe(matched);
  });
});

describe('rule order inside one template', () => {
  it('checks source, duration, exclusions, then exact, keywords, patterns', () => {
    const all = rules({
      exactMatches: ['intro to sets'],
      keywords: ['sets'],
      patterns: ['intro'],
      excludeKeywords: ['rehearsal'],
      excludePatterns: ['^\\[old\\]'],
      sourceIds: [SOURCE_A],
      minDurationSec: 60,
    });
    const from = (name: string, extra: Partial<MatchSubject> = {}) =>
      explainMatch(all, subject(name, { inputSourceId: SOURCE_A, durationSec: 120, ...extra }));
    expect(from('Intro to sets', { inputSourceId: SOURCE_B }).rule).toBe('sourceIds');
    expect(from('Intro to sets rehearsal', { durationSec: 10 }).rule).toBe('duration');
    expect(from('[old] intro to sets rehearsal').rule).toBe('excludeKeywords');
    expect(from('[old] Intro to sets').rule).toBe('excludePatterns');
    expect(from('Intro to sets')).toEqual({ matched: true, rule: 'exactMatches', value: 'intro to sets' });
    expect(from('Sets, part 2')).toEqual({ matched: true, rule: 'keywords', value: 'sets' });
    expect(from('An intro')).toEqual({ matched: true, rule: 'patterns', value: 'intro' });
  });
});

describe('first match among templates', () => {
  it('returns the first matching template in the given (creation) order', () => {
    const templates = [
      { name: 'none', matchingRules: rules({ keywords: ['chemistry'] }) },
      { name: 'first', matchingRules: rules({ keywords: ['lecture'] }) },
      { name: 'second', matchingRules: rules({ patterns: ['.*'] }) },
    ];
    expect(firstMatchingTemplate(templates, subject('Lecture 5'))?.name).toBe('first');
    expect(firstMatchingTemplate(templates, subject('Seminar'))?.name).toBe('second');
    expect(firstMatchingTemplate(templates.slice(0, 1), subject('Seminar'))).toBeNull();
    expect(firstMatchingTemplate([...templates].reverse(), subject('Lecture 5'))?.name).toBe('second');
  });
});

describe('matching rules validation', () => {
  it('trims and de-duplicates lists and fills defaults', () => {
    const parsed = rules({ keywords: [' a ', 'a', 'b'] });
    expect(parsed).toEqual({
      exactMatches: [],
      keywords: ['a', 'b'],
      patterns: [],
      sourceIds: [],
      excludeKeywords: [],
      excludePatterns: [],
      caseSensitive: false,
      minDurationSec: null,
      maxDurationSec: null,
    });
  });

  it('stores global source ids as raw ids', () => {
    const global = Buffer.from(`InputSource:${SOURCE_A}`).toString('base64');
    expect(rules({ sourceIds: [global, SOURCE_A] }).sourceIds).toEqual([SOURCE_A]);
  });

  const invalid: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ['a pattern that does not compile', { patterns: ['ok', '(unclosed'] }, 'patterns.1', /Invalid regular expression/],
    ['an exclude pattern that does not compile', { excludePatterns: ['[z-a]'] }, 'excludePatterns.0', /Invalid regular expression/],
    ['a catastrophic pattern', { patterns: ['(a+)+$'] }, 'patterns.0', /exponential/],
    ['a source id of another type', { sourceIds: [Buffer.from(`Template:${SOURCE_A}`).toString('base64')] }, 'sourceIds.0', /input source/],
    ['min above max', { minDurationSec: 10, maxDurationSec: 5 }, 'maxDurationSec', /minDurationSec/],
    ['an unknown key', { keyword: ['typo'] }, '', /Unrecognized key/],
  ];
  it.each(invalid)('refuses %s', (_label, input, path, message) => {
    const result = matchingRulesSchema.safeParse(input);
    expect(result.success).toBe(false);
    const issue = result.error?.issues.find((i) => i.path.join('.') === path);
    expect(issue?.message).toMatch(message);
  });

  it('counts only name rules as positive', () => {
    expect(hasPositiveRule(rules({ sourceIds: [SOURCE_A], minDurationSec: 1 }))).toBe(false);
    expect(hasPositiveRule(rules({ exactMatches: ['x'] }))).toBe(true);
    expect(hasPositiveRule(rules({ keywords: ['x'] }))).toBe(true);
    expect(hasPositiveRule(rules({ patterns: ['x'] }))).toBe(true);
  });
});

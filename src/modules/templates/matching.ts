import { patternFlags, type MatchingRules } from './template-schemas.js';

// Which template a recording belongs to (inventory §5.2). A template's rules are checked in this
// order: source filter (empty = any source) → duration range → exclude keywords → exclude patterns
// → exact names → keywords → patterns. Source and duration only narrow; a recording matches when
// one of the name rules accepts it. Among templates the first match in creation order wins.

export interface MatchSubject {
  displayName: string;
  inputSourceId: string | null;
  durationSec: number | null;
}

interface CompiledRules {
  rules: MatchingRules;
  normalize: (text: string) => string;
  exactMatches: string[];
  keywords: string[];
  excludeKeywords: string[];
  patterns: RegExp[];
  excludePatterns: RegExp[];
}

const compiled = new WeakMap<MatchingRules, CompiledRules>();

function compile(rules: MatchingRules): CompiledRules {
  let result = compiled.get(rules);
  if (result) return result;
  const normalize = rules.caseSensitive ? (text: string) => text : (text: string) => text.toLowerCase();
  const toRegExp = (pattern: string) => new RegExp(pattern, patternFlags(rules.caseSensitive));
  result = {
    rules,
    normalize,
    exactMatches: rules.exactMatches.map(normalize),
    keywords: rules.keywords.map(normalize),
    excludeKeywords: rules.excludeKeywords.map(normalize),
    patterns: rules.patterns.map(toRegExp),
    excludePatterns: rules.excludePatterns.map(toRegExp),
  };
  compiled.set(rules, result);
  return result;
}

/** Why the rules accept or refuse the subject: the first rule that decided. */
export type MatchDecision =
  | { matched: true; rule: 'exactMatches' | 'keywords' | 'patterns'; value: string }
  | { matched: false; rule: 'sourceIds' | 'duration' | 'excludeKeywords' | 'excludePatterns' | 'noRule'; value?: string };

export function explainMatch(rules: MatchingRules, subject: MatchSubject): MatchDecision {
  const c = compile(rules);
  if (rules.sourceIds.length > 0 && !(subject.inputSourceId && rules.sourceIds.includes(subject.inputSourceId.toLowerCase()))) {
    return { matched: false, rule: 'sourceIds' };
  }
  if (rules.minDurationSec !== null || rules.maxDurationSec !== null) {
    const duration = subject.durationSec;
    const inRange =
      duration !== null &&
      (rules.minDurationSec === null || duration >= rules.minDurationSec) &&
      (rules.maxDurationSec === null || duration <= rules.maxDurationSec);
    if (!inRange) return { matched: false, rule: 'duration' };
  }
  const name = c.normalize(subject.displayName.trim());
  const excludedBy = c.excludeKeywords.find((keyword) => name.includes(keyword));
  if (excludedBy !== undefined) return { matched: false, rule: 'excludeKeywords', value: excludedBy };
  const excludedByPattern = c.excludePatterns.find((pattern) => pattern.test(subject.displayName));
  if (excludedByPattern) return { matched: false, rule: 'excludePatterns', value: excludedByPattern.source };
  const exact = c.exactMatches.find((candidate) => candidate === name);
  if (exact !== undefined) return { matched: true, rule: 'exactMatches', value: exact };
  const keyword = c.keywords.find((candidate) => name.includes(candidate));
  if (keyword !== undefined) return { matched: true, rule: 'keywords', value: keyword };
  const pattern = c.patterns.find((candidate) => candidate.test(subject.displayName));
  if (pattern) return { matched: true, rule: 'patterns', value: pattern.source };
  return { matched: false, rule: 'noRule' };
}

export function matchesRules(rules: MatchingRules, subject: MatchSubject): boolean {
  return explainMatch(rules, subject).matched;
}

/** The first template (in the given order) whose rules accept the subject. */
export function firstMatchingTemplate<T extends { matchingRules: MatchingRules }>(templates: T[], subject: MatchSubject): T | null {
  return templates.find((template) => matchesRules(template.matchingRules, subject)) ?? null;
}

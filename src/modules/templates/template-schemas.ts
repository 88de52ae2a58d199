import safeRegex from 'safe-regex2';
import { z } from 'zod';
import { rowIdOf } from '../../lib/ids.js';

// Template inputs. Matching rules are typed here; the three configuration sections are checked by
// src/modules/config/config-validation.ts.

export const templateNameSchema = z.string().trim().min(3, 'Name must be at least 3 characters').max(255);
export const templateDescriptionSchema = z.string().trim().max(2000);

const dedupe = (items: string[]) => [...new Set(items)];
const ruleList = (max: number) => z.array(z.string().trim().min(1).max(max)).max(200).default([]).transform(dedupe);

/** Regex flags of matching patterns: Unicode always, case-insensitive unless the rules say otherwise. */
export const patternFlags = (caseSensitive: boolean) => (caseSensitive ? 'u' : 'iu');

/** Why a pattern cannot be used, or null. Patterns run on every synced recording, so they must be safe. */
export function patternProblem(pattern: string, caseSensitive: boolean): string | null {
  try {
    new RegExp(pattern, patternFlags(caseSensitive));
  } catch (error) {
    return `Invalid regular expression: ${error instanceof Error ? error.message.replace(/^Invalid regular expression: /, '') : String(error)}`;
  }
  if (!safeRegex(pattern)) return 'Regular expression may take exponential time (nested repetition); simplify it';
  return null;
}

export const matchingRulesSchema = z
  .object({
    /** Whole display name equals one of these. */
    exactMatches: ruleList(500),
    /** Display name contains one of these. */
    keywords: ruleList(200),
    /** Display name matches one of these regular expressions (JavaScript syntax, Unicode mode). */
    patterns: ruleList(300),
    /** Only recordings from these input sources (empty: any source). Raw ids or global ids; stored raw. */
    sourceIds: z.array(z.string()).max(100).default([]),
    excludeKeywords: ruleList(200),
    excludePatterns: ruleList(300),
    caseSensitive: z.boolean().default(false),
    /** Only recordings whose duration is known and within [min, max] seconds. */
    minDurationSec: z.number().min(0).nullish(),
    maxDurationSec: z.number().min(0).nullish(),
  })
  .strict()
  .transform((rules, ctx) => {
    for (const key of ['patterns', 'excludePatterns'] as const) {
      rules[key].forEach((pattern, i) => {
        const problem = patternProblem(pattern, rules.caseSensitive);
        if (problem) ctx.addIssue({ code: 'custom', path: [key, i], message: problem });
      });
    }
    const sourceIds = rules.sourceIds.map((value, i) => {
      const id = rowIdOf(value, 'InputSource');
      if (!id) ctx.addIssue({ code: 'custom', path: ['sourceIds', i], message: 'Not an input source id' });
      return id ?? value;
    });
    if (rules.minDurationSec != null && rules.maxDurationSec != null && rules.minDurationSec > rules.maxDurationSec) {
      ctx.addIssue({ code: 'custom', path: ['maxDurationSec'], message: 'Must not be less than minDurationSec' });
    }
    return {
      ...rules,
      sourceIds: dedupe(sourceIds),
      minDurationSec: rules.minDurationSec ?? null,
      maxDurationSec: rules.maxDurationSec ?? null,
    };
  });

export type MatchingRules = z.output<typeof matchingRulesSchema>;

/** Rules that select recordings by name; source and duration only narrow them down. */
export function hasPositiveRule(rules: MatchingRules): boolean {
  return rules.exactMatches.length + rules.keywords.length + rules.patterns.length > 0;
}

/** Stored rules, read leniently: rows written before validation existed must not break matching. */
export function readMatchingRules(stored: unknown): MatchingRules {
  const parsed = matchingRulesSchema.safeParse(stored ?? {});
  return parsed.success ? parsed.data : matchingRulesSchema.parse({});
}

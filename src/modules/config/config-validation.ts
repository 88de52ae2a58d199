import type { z } from 'zod';
import type { TenantDb } from '../../lib/db.js';
import { ValidationError, type FieldIssue } from '../../lib/errors.js';
import { rowIdOf } from '../../lib/ids.js';
import { templateProblem } from '../metadata/liquid.js';
import { buildContext, SAMPLE_FACTS, SAMPLE_NOW } from '../metadata/variables.js';
import { isPlainObject, type JsonObject } from './merge.js';

// Checks shared by everything that stores configuration (templates, recording overrides, presets):
// the zod shape, every metadata template (parses, renders on sample data, titles use a variable),
// and every output preset id (exists in this tenant; global ids are stored as raw ids).

export function issuesOf(error: z.ZodError, prefix: string): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter(Boolean).join('.'),
    message: issue.message,
  }));
}

/** Parses with `schema`, collecting issues under `prefix` instead of throwing. */
export function parseInto<S extends z.ZodType>(schema: S, value: unknown, prefix: string, issues: FieldIssue[]): z.output<S> | null {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  issues.push(...issuesOf(parsed.error, prefix));
  return null;
}

export function throwIfIssues(issues: FieldIssue[], message = 'The configuration is invalid'): void {
  if (issues.length === 0) return;
  const summary = issues.length === 1 && issues[0] ? `${issues[0].path}: ${issues[0].message}` : message;
  throw new ValidationError(summary, issues);
}

const sampleContext = { ...buildContext(SAMPLE_FACTS, { timezone: 'UTC', now: SAMPLE_NOW }), title: 'Sample title' };

/** Every string under a key ending in `Template` must be a usable template. */
export function checkTemplates(value: unknown, prefix: string, issues: FieldIssue[]): void {
  if (!isPlainObject(value)) return;
  for (const [key, item] of Object.entries(value)) {
    const path = `${prefix}.${key}`;
    if (typeof item === 'string' && key.endsWith('Template')) {
      const problem = templateProblem(item, sampleContext, { requireVariable: key === 'titleTemplate' && item.trim() !== '' });
      if (problem) issues.push({ path, message: problem });
    } else if (isPlainObject(item)) checkTemplates(item, path, issues);
  }
}

/** Replaces preset ids by raw row ids and reports ids that name no preset of this tenant. */
export async function normalizePresetIds(db: TenantDb, ids: string[] | null | undefined, path: string, issues: FieldIssue[]): Promise<string[] | null | undefined> {
  if (!ids || ids.length === 0) return ids;
  const raw = ids.map((id) => rowIdOf(id, 'OutputPreset'));
  const valid = raw.filter((id): id is string => id !== null);
  const found = new Set((await db.outputPreset.findMany({ where: { id: { in: valid } }, select: { id: true } })).map((p) => p.id));
  raw.forEach((id, i) => {
    if (!id || !found.has(id)) issues.push({ path: `${path}.${i}`, message: 'Unknown output preset' });
  });
  return raw.map((id, i) => id ?? ids[i] ?? '');
}

/** Drops null/undefined keys recursively: what gets stored is what the layer sets. */
export function compact(value: JsonObject): JsonObject {
  const result: JsonObject = {};
  for (const [key, item] of Object.entries(value)) {
    if (item === null || item === undefined) continue;
    result[key] = isPlainObject(item) ? compact(item) : item;
  }
  return result;
}

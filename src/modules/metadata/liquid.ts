import { Liquid } from 'liquidjs';
import { TEMPLATE_VARIABLES } from './variables.js';

// Metadata templates are Liquid, rendered in a sandbox: no file system (include/render/layout find
// nothing), own properties only, and limits on template size, render time and allocations. The
// seed's short form (`{display_name}`, `{record_time:DD.MM.YYYY hh:mm}`) is converted to Liquid
// before parsing, so both syntaxes work everywhere, also mixed in one template.

const LIMITS = {
  /** Characters parsed per template (the longest stored template is 5000). */
  parseLimit: 20_000,
  /** Milliseconds per render. */
  renderLimit: 250,
  /** Allocated string/array length per render. */
  memoryLimit: 2_000_000,
};

function createEngine(timezone: string, strictFilters: boolean): Liquid {
  const engine = new Liquid({
    templates: {},
    relativeReference: false,
    dynamicPartials: false,
    ownPropertyOnly: true,
    strictVariables: false,
    strictFilters,
    cache: false,
    timezoneOffset: timezone,
    ...LIMITS,
  });
  engine.registerFilter('split_path', (value: unknown, separator: unknown = '_') => String(value ?? '').split(String(separator)).join('/'));
  engine.registerFilter('part', (value: unknown, index: unknown = 0, separator: unknown = '_') => {
    const parts = String(value ?? '').split(String(separator));
    return parts[Number(index)] ?? '';
  });
  engine.registerFilter('leap_dt', (value: unknown, format: unknown = 'datetime') => formatLocalTimestamp(String(value ?? ''), String(format)));
  return engine;
}

const engines = new Map<string, Liquid>();

/** One lenient engine per time zone (the `date` filter needs it), and one strict one for checks. */
function engineFor(timezone: string): Liquid {
  let engine = engines.get(timezone);
  if (!engine) {
    engine = createEngine(timezone, false);
    if (engines.size < 500) engines.set(timezone, engine);
  }
  return engine;
}
const checkingEngine = createEngine('UTC', true);

// ───────────────────────────── legacy short form ─────────────────────────────

/** Liquid blocks are kept as they are; a single-brace placeholder of a known variable is converted. */
const TOKEN = /\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}|\{([a-zA-Z_][a-zA-Z0-9_]*)(?::([^{}]*))?\}/g;

/** Variables that are date-times in the short form; `{date:…}` formats the recording time. */
const DATETIME_SOURCES: Record<string, string> = {
  record_time: 'record_time',
  publish_time: 'publish_time',
  record_timestamp_local: 'record_time',
  publish_timestamp_local: 'publish_time',
  date: 'record_time',
};
/** Without a format the short form printed date-times as `YYYY-MM-DD HH:MM`. */
const DATETIME_DEFAULTS: Record<string, string> = {
  record_time: 'record_datetime_iso',
  publish_time: 'publish_datetime_iso',
};

const known = new Set<string>(TEMPLATE_VARIABLES);

export function legacyToLiquid(source: string): string {
  return source.replace(TOKEN, (token, name: string | undefined, format: string | undefined) => {
    if (!name || !known.has(name)) return token;
    if (format !== undefined && DATETIME_SOURCES[name]) {
      const quote = format.includes("'") ? '"' : "'";
      return `{{ ${DATETIME_SOURCES[name]} | leap_dt: ${quote}${format.replaceAll(quote, '')}${quote} }}`;
    }
    return `{{ ${DATETIME_DEFAULTS[name] ?? name} }}`;
  });
}

/**
 * Formats a local wall-clock timestamp (`YYYY-MM-DDTHH:MM:SS`, as the date variables hold) with the
 * short form's tokens: YYYY YY MM DD hh mm ss, or the keywords date, time, datetime.
 */
export function formatLocalTimestamp(value: string, format: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?/.exec(value);
  if (!match) return '';
  const [, year = '', month = '', day = '', hour = '', minute = '', second = '00'] = match;
  const keyword = { date: 'YYYY-MM-DD', time: 'hh:mm', datetime: 'YYYY-MM-DD hh:mm' }[format];
  const tokens: Record<string, string> = { YYYY: year, YY: year.slice(2), MM: month, DD: day, hh: hour, mm: minute, ss: second };
  // Longest token first, in one pass, so `YYYY` is not read as two `YY` and replaced text is not re-read.
  return (keyword ?? format).replace(/YYYY|YY|MM|DD|hh|mm|ss/g, (token) => tokens[token] ?? token);
}

// ───────────────────────────── checking and rendering ─────────────────────────────

export type TemplateContext = Record<string, string | number>;

/** Why a template cannot be used, or null when it parses, uses known filters and renders. */
export function templateProblem(source: string, sample: TemplateContext, options: { requireVariable?: boolean } = {}): string | null {
  const liquid = legacyToLiquid(source);
  try {
    const parsed = checkingEngine.parse(liquid);
    if (options.requireVariable) {
      const used = checkingEngine.globalVariablesSync(parsed);
      if (!used.some((name) => known.has(name))) {
        return 'A title template must use at least one variable, e.g. {{ display_name }}';
      }
    }
    checkingEngine.renderSync(parsed, sample);
    return null;
  } catch (error) {
    return `Invalid template: ${firstLine(error)}`;
  }
}

/** Renders a template (either syntax) against a context; problems raise. */
export function renderTemplate(source: string, context: TemplateContext, timezone: string): string {
  if (!source.trim()) return '';
  const engine = engineFor(timezone);
  return String(engine.parseAndRenderSync(legacyToLiquid(source), context));
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (message.split('\n')[0] ?? message).slice(0, 300);
}

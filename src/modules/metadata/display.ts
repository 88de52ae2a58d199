import { z } from 'zod';

// How topics and questions appear in rendered descriptions (inventory §6.3): filter by length, cap
// the count, then format; an optional prefix goes first, followed by the separator.

export const DISPLAY_FORMATS = ['numbered_list', 'bullet_list', 'dash_list', 'comma_separated', 'inline', 'plain'] as const;
export type DisplayFormat = (typeof DISPLAY_FORMATS)[number];

/** One display block as stored in a configuration layer: every key optional, null = inherit. */
export const displayLayerSchema = z
  .object({
    enabled: z.boolean().nullish(),
    format: z.enum(DISPLAY_FORMATS).nullish(),
    maxCount: z.number().int().min(1).max(999).nullish(),
    minLength: z.number().int().min(0).max(1000).nullish(),
    maxLength: z.number().int().min(10).max(1000).nullish(),
    prefix: z.string().max(200).nullish(),
    separator: z.string().max(10).nullish(),
    showTimestamps: z.boolean().nullish(),
  })
  .strict();
export type DisplayLayer = z.infer<typeof displayLayerSchema>;

export interface DisplayConfig {
  enabled: boolean;
  format: DisplayFormat;
  maxCount: number;
  minLength: number;
  maxLength: number;
  prefix: string;
  separator: string;
  showTimestamps: boolean;
}

export const TOPICS_DISPLAY_DEFAULTS: DisplayConfig = {
  enabled: true,
  format: 'numbered_list',
  maxCount: 999,
  minLength: 0,
  maxLength: 999,
  prefix: '',
  separator: '\n',
  showTimestamps: false,
};

export const QUESTIONS_DISPLAY_DEFAULTS: DisplayConfig = {
  enabled: false,
  format: 'numbered_list',
  maxCount: 20,
  minLength: 0,
  maxLength: 1000,
  prefix: '',
  separator: '\n',
  showTimestamps: false,
};

/** A display layer completed with defaults. */
export function normalizeDisplay(layer: DisplayLayer | null | undefined, defaults: DisplayConfig): DisplayConfig {
  const config = { ...defaults };
  for (const [key, value] of Object.entries(layer ?? {})) {
    if (value !== null && value !== undefined) (config as Record<string, unknown>)[key] = value;
  }
  return config;
}

export interface TopicItem {
  title: string;
  /** Seconds from the start of the (trimmed) video. */
  start: number | null;
}

/** `HH:MM:SS`, hours always two digits (chapters of a 3-hour lecture stay aligned). */
export function formatTimestamp(seconds: number): string {
  const total = Math.max(0, Math.floor(seconds));
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(total / 3600))}:${pad(Math.floor((total % 3600) / 60))}:${pad(total % 60)}`;
}

function formatItems(items: string[], config: DisplayConfig): string {
  if (items.length === 0) return '';
  const { separator } = config;
  const body = {
    numbered_list: () => items.map((item, i) => `${i + 1}. ${item}`).join(separator),
    bullet_list: () => items.map((item) => `• ${item}`).join(separator),
    dash_list: () => items.map((item) => `- ${item}`).join(separator),
    comma_separated: () => items.join(', '),
    inline: () => items.join(' | '),
    plain: () => items.join(separator),
  }[config.format]();
  return config.prefix ? `${config.prefix}${separator}${body}` : body;
}

const withinLength = (text: string, config: DisplayConfig) =>
  text.length >= config.minLength && text.length <= config.maxLength;

/** The `topics` variable. Empty when disabled or when no topic survives the filters. */
export function formatTopics(topics: TopicItem[], layer: DisplayLayer | null | undefined): string {
  const config = normalizeDisplay(layer, TOPICS_DISPLAY_DEFAULTS);
  if (!config.enabled) return '';
  const items = topics
    .map((topic) => ({ ...topic, title: topic.title.trim() }))
    .filter((topic) => topic.title && withinLength(topic.title, config))
    .slice(0, config.maxCount)
    .map((topic) =>
      config.showTimestamps && topic.start !== null ? `${formatTimestamp(topic.start)} — ${topic.title}` : topic.title,
    );
  return formatItems(items, config);
}

/** The `questions` variable. Questions are off unless the display enables them. */
export function formatQuestions(questions: string[], layer: DisplayLayer | null | undefined): string {
  const config = normalizeDisplay(layer, QUESTIONS_DISPLAY_DEFAULTS);
  if (!config.enabled) return '';
  // At most 20 questions (inventory §6.3), whatever the layer says.
  config.maxCount = Math.min(config.maxCount, 20);
  const items = questions
    .map((question) => question.trim())
    .filter((question) => question && withinLength(question, config))
    .slice(0, config.maxCount);
  return formatItems(items, config);
}

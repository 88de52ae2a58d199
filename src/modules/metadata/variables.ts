import { formatQuestions, formatTopics, type DisplayLayer, type TopicItem } from './display.js';

// The variables of title/description/path templates (inventory §6.1). Dates are strings in the
// tenant's time zone; a recording without a start time has an empty `record_time`, and its other
// record_* dates fall back to the publish time (as the original did).

export const TEMPLATE_VARIABLES = [
  'display_name',
  'original_title',
  'duration',
  'duration_hm',
  'recording_id',
  'record_time',
  'record_timestamp_local',
  'publish_time',
  'publish_timestamp_local',
  'record_date',
  'publish_date',
  'date',
  'record_datetime',
  'publish_datetime',
  'record_date_iso',
  'publish_date_iso',
  'record_date_short',
  'publish_date_short',
  'record_time_hm',
  'publish_time_hm',
  'record_datetime_iso',
  'publish_datetime_iso',
  'summary',
  'themes',
  'topic',
  'topics',
  'topics_list',
  'questions',
  'title',
  'source_name',
] as const;

/** What a template can know about a recording. */
export interface RecordingFacts {
  id: string;
  displayName: string;
  startTime: Date | null;
  durationSec: number | null;
  sourceName: string | null;
  summary: string;
  mainTopics: string[];
  topics: TopicItem[];
  questions: string[];
}

export interface ContextOptions {
  timezone: string;
  now: Date;
  topicsDisplay?: DisplayLayer | null;
  questionsDisplay?: DisplayLayer | null;
}

interface LocalParts {
  year: string;
  month: string;
  day: string;
  hour: string;
  minute: string;
  second: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Wall-clock parts of an instant in a time zone. */
export function localParts(instant: Date, timezone: string): LocalParts {
  let formatter = formatters.get(timezone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timezone, formatter);
  }
  const parts = Object.fromEntries(formatter.formatToParts(instant).map((part) => [part.type, part.value]));
  return {
    year: parts.year ?? '',
    month: parts.month ?? '',
    day: parts.day ?? '',
    hour: parts.hour ?? '',
    minute: parts.minute ?? '',
    second: parts.second ?? '',
  };
}

function dateVariables(prefix: 'record' | 'publish', p: LocalParts): Record<string, string> {
  return {
    [`${prefix}_date`]: `${p.day}.${p.month}.${p.year}`,
    [`${prefix}_datetime`]: `${p.day}.${p.month}.${p.year} ${p.hour}:${p.minute}`,
    [`${prefix}_date_iso`]: `${p.year}-${p.month}-${p.day}`,
    [`${prefix}_date_short`]: `${p.day}.${p.month}.${p.year.slice(2)}`,
    [`${prefix}_time_hm`]: `${p.hour}:${p.minute}`,
    [`${prefix}_datetime_iso`]: `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`,
  };
}

const timestamp = (p: LocalParts) => `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}`;

/** `H:MM:SS` from one hour on, `M:SS` below. */
export function durationHm(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '';
  const total = Math.floor(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** The context a template renders with (`title` is added once the title is rendered). */
export function buildContext(facts: RecordingFacts, options: ContextOptions): Record<string, string | number> {
  const publish = localParts(options.now, options.timezone);
  const record = facts.startTime ? localParts(facts.startTime, options.timezone) : null;
  const recordTimestamp = record ? timestamp(record) : '';
  const themes = facts.mainTopics.slice(0, 3).join(', ');
  const dates = { ...dateVariables('record', record ?? publish), ...dateVariables('publish', publish) };
  return {
    display_name: facts.displayName,
    original_title: facts.displayName,
    duration: facts.durationSec ?? '',
    duration_hm: durationHm(facts.durationSec),
    recording_id: facts.id,
    record_time: recordTimestamp,
    record_timestamp_local: recordTimestamp,
    publish_time: timestamp(publish),
    publish_timestamp_local: timestamp(publish),
    ...dates,
    date: dates.record_date ?? '',
    summary: facts.summary,
    themes,
    topic: themes,
    topics: formatTopics(facts.topics, options.topicsDisplay),
    topics_list: facts.topics.map((topic) => topic.title).join(', '),
    questions: formatQuestions(facts.questions, options.questionsDisplay),
    source_name: facts.sourceName ?? '',
  };
}

/** Sample data for previews and for the dry run that checks templates on save. */
export const SAMPLE_FACTS: RecordingFacts = {
  id: '00000000-0000-4000-8000-000000000000',
  displayName: 'Sample lecture',
  startTime: new Date('2026-06-15T14:30:00Z'),
  durationSec: 3725,
  sourceName: 'Sample source',
  summary: 'A sample summary of the lecture.',
  mainTopics: ['Sample topic'],
  topics: [
    { title: 'Introduction', start: 0 },
    { title: 'Main part', start: 300 },
    { title: 'Conclusions', start: 3300 },
  ],
  questions: ['What was the main idea?', 'How does it apply?'],
};

export const SAMPLE_NOW = new Date('2026-06-15T14:30:00Z');

import { describe, expect, it } from 'vitest';
import { formatQuestions, formatTopics, type DisplayLayer } from '../../src/modules/metadata/display.js';
import { formatLocalTimestamp, legacyToLiquid, renderTemplate, templateProblem } from '../../src/modules/metadata/liquid.js';
import { applyPlatformLimits } from '../../src/modules/metadata/platform-limits.js';
import { buildContext, durationHm, SAMPLE_FACTS, TEMPLATE_VARIABLES, type RecordingFacts } from '../../src/modules/metadata/variables.js';

const facts: RecordingFacts = {
  id: 'rec-1',
  displayName: 'Algebra <basics>',
  // 21:05:09 UTC = 00:05:09 next day in Moscow (UTC+3).
  startTime: new Date('2026-01-10T21:05:09Z'),
  durationSec: 3725.6,
  sourceName: 'Zoom main',
  summary: 'We solved equations.',
  mainTopics: ['Equations', 'Groups', 'Rings', 'Fields'],
  topics: [
    { title: 'Intro', start: 0 },
    { title: 'Linear equations', start: 300 },
    { title: 'Quadratic equations', start: 3725 },
  ],
  questions: ['What is x?', '  ', 'Why?'],
};
const now = new Date('2026-03-02T06:07:08Z');

describe('template variables', () => {
  const moscow = buildContext(facts, { timezone: 'Europe/Moscow', now });
  const cases: Array<[string, string | number]> = [
    ['display_name', 'Algebra <basics>'],
    ['original_title', 'Algebra <basics>'],
    ['duration', 3725.6],
    ['duration_hm', '1:02:05'],
    ['recording_id', 'rec-1'],
    ['record_time', '2026-01-11T00:05:09'],
    ['record_timestamp_local', '2026-01-11T00:05:09'],
    ['publish_time', '2026-03-02T09:07:08'],
    ['publish_timestamp_local', '2026-03-02T09:07:08'],
    ['record_date', '11.01.2026'],
    ['date', '11.01.2026'],
    ['publish_date', '02.03.2026'],
    ['record_datetime', '11.01.2026 00:05'],
    ['publish_datetime', '02.03.2026 09:07'],
    ['record_date_iso', '2026-01-11'],
    ['publish_date_iso', '2026-03-02'],
    ['record_date_short', '11.01.26'],
    ['publish_date_short', '02.03.26'],
    ['record_time_hm', '00:05'],
    ['publish_time_hm', '09:07'],
    ['record_datetime_iso', '2026-01-11 00:05'],
    ['publish_datetime_iso', '2026-03-02 09:07'],
    ['summary', 'We solved equations.'],
    ['themes', 'Equations, Groups, Rings'],
    ['topic', 'Equations, Groups, Rings'],
    ['topics', '1. Intro\n2. Linear equations\n3. Quadratic equations'],
    ['topics_list', 'Intro, Linear equations, Quadratic equations'],
    ['questions', ''],
    ['source_name', 'Zoom main'],
  ];
  it.each(cases)('%s', (name, value) => {
    expect(moscow[name]).toBe(value);
  });

  it('covers every documented variable (title is added after the title renders)', () => {
    expect(Object.keys(moscow).sort()).toEqual(TEMPLATE_VARIABLES.filter((v) => v !== 'title').sort());
  });

  it('uses the time zone for dates: the same instant is the previous day in UTC', () => {
    const utc = buildContext(facts, { timezone: 'UTC', now });
    expect([utc.record_date, utc.record_time_hm]).toEqual(['10.01.2026', '21:05']);
  });

  it('without a start time: empty record_time, other record dates fall back to the publish time', () => {
    const context = buildContext({ ...facts, startTime: null, durationSec: null }, { timezone: 'UTC', now });
    expect([context.record_time, context.record_date, context.duration, context.duration_hm]).toEqual(['', '02.03.2026', '', '']);
  });

  it('formats durations as M:SS below an hour and H:MM:SS above', () => {
    expect([durationHm(0), durationHm(59.9), durationHm(61), durationHm(3600), durationHm(36_061)]).toEqual(['0:00', '0:59', '1:01', '1:00:00', '10:01:01']);
  });
});

describe('topics and questions display formats', () => {
  const topics = [
    { title: 'A', start: 0 },
    { title: 'B', start: 300 },
  ];
  const stamped = (format: string, extra: DisplayLayer = {}) => formatTopics(topics, { format: format as DisplayLayer['format'], showTimestamps: true, ...extra });
  const cases: Array<[string, string]> = [
    ['numbered_list', '1. 00:00:00 — A\n2. 00:05:00 — B'],
    ['bullet_list', '• 00:00:00 — A\n• 00:05:00 — B'],
    ['dash_list', '- 00:00:00 — A\n- 00:05:00 — B'],
    ['comma_separated', '00:00:00 — A, 00:05:00 — B'],
    ['inline', '00:00:00 — A | 00:05:00 — B'],
    ['plain', '00:00:00 — A\n00:05:00 — B'],
  ];
  it.each(cases)('topics as %s', (format, expected) => {
    expect(stamped(format)).toBe(expected);
  });

  it('applies prefix, separator, max_count and min/max length in that order', () => {
    const many = [
      { title: 'x', start: 0 },
      { title: 'Long enough', start: 60 },
      { title: 'Also long enough', start: 3661 },
      { title: 'Third one fits', start: 7200 },
    ];
    expect(formatTopics(many, { prefix: 'Topics:', separator: ' / ', minLength: 2, maxCount: 2, showTimestamps: true })).toBe(
      'Topics: / 1. 00:01:00 — Long enough / 2. 01:01:01 — Also long enough',
    );
    expect(formatTopics(many, { maxLength: 11, format: 'dash_list' })).toBe('- x\n- Long enough');
    expect(formatTopics(many, { format: 'comma_separated', separator: ' ; ', prefix: 'T' })).toBe('T ; x, Long enough, Also long enough, Third one fits');
  });

  it('topics default to a numbered list without timestamps; disabled gives nothing', () => {
    expect(formatTopics(topics, null)).toBe('1. A\n2. B');
    expect(formatTopics(topics, { enabled: false })).toBe('');
    expect(formatTopics([], { prefix: 'Topics:' })).toBe('');
  });

  it('questions are off by default, trimmed, capped at 20, and support every format', () => {
    const questions = ['Q1?', ' ', ...Array.from({ length: 25 }, (_, i) => `Question ${i + 2}?`)];
    expect(formatQuestions(questions, null)).toBe('');
    expect(formatQuestions(questions, { enabled: true, maxCount: 999 }).split('\n')).toHaveLength(20);
    expect(formatQuestions(['Q1?', 'Q2?'], { enabled: true, format: 'plain', separator: ' ' })).toBe('Q1? Q2?');
    expect(formatQuestions(['Q1?', 'Q2?'], { enabled: true, format: 'bullet_list', prefix: 'Check yourself:' })).toBe('Check yourself:\n• Q1?\n• Q2?');
    expect(formatQuestions(['Q1?', 'Q2?'], { enabled: true, format: 'inline' })).toBe('Q1? | Q2?');
  });
});

describe('template syntaxes', () => {
  const context = { ...buildContext(facts, { timezone: 'Europe/Moscow', now }), title: 'T' };
  const cases: Array<[string, string, string]> = [
    ['Liquid variable', '{{ display_name }} ({{ record_date }})', 'Algebra <basics> (11.01.2026)'],
    ['Liquid filters', '{{ display_name | upcase | truncate: 10 }}', 'ALGEBRA...'],
    ['Liquid control flow', '{% if summary != "" %}S: {{ summary }}{% endif %}', 'S: We solved equations.'],
    ['undefined variables render empty', '[{{ nothing_here }}]', '[]'],
    ['unknown filters are skipped at render', '{{ display_name | no_such_filter }}', 'Algebra <basics>'],
    ['no HTML escaping', '{{ display_name }}', 'Algebra <basics>'],
    ['short form variable', '{display_name}', 'Algebra <basics>'],
    ['short form date-time with a format', '{record_time:DD.MM.YYYY hh:mm}', '11.01.2026 00:05'],
    ['short form date-time default format', '{record_time}', '2026-01-11 00:05'],
    ['short form keywords', '{record_time:date} {publish_time:time} {publish_time:datetime}', '2026-01-11 09:07 2026-03-02 09:07'],
    ['short form two-digit year and seconds', '{record_time:DD-MM-YY hh:mm:ss}', '11-01-26 00:05:09'],
    ['short form unknown names stay literal', '{unknown} {display_name}', '{unknown} Algebra <basics>'],
    ['both syntaxes mixed', '{display_name} — {{ record_date_short }}', 'Algebra <basics> — 11.01.26'],
    ['custom filters part and split_path', '{{ "Math_2026_Spring" | part: 1 }} {{ "a_b_c" | split_path }}', '2026 a/b/c'],
    ['leap_dt filter in Liquid', '{{ record_time | leap_dt: "YYYY/MM" }}', '2026/01'],
  ];
  it.each(cases)('%s', (_label, source, expected) => {
    expect(renderTemplate(source, context, 'Europe/Moscow')).toBe(expected);
  });

  it('converts the short form to Liquid and keeps Liquid blocks untouched', () => {
    expect(legacyToLiquid('{display_name} {{ x }} {% if a %}{themes}{% endif %}')).toBe('{{ display_name }} {{ x }} {% if a %}{{ themes }}{% endif %}');
    expect(legacyToLiquid("{date:DD'MM}")).toBe(`{{ record_time | leap_dt: "DD'MM" }}`);
    expect(formatLocalTimestamp('not a date', 'YYYY')).toBe('');
  });

  const problems: Array<[string, string, boolean, RegExp | null]> = [
    ['valid Liquid', '{{ display_name }}', true, null],
    ['valid short form', '{display_name} {record_time:DD.MM.YYYY}', true, null],
    ['unclosed output', '{{ display_name', false, /Invalid template/],
    ['unclosed tag', '{% if summary %}x', false, /Invalid template/],
    ['unknown filter', '{{ display_name | no_such_filter }}', false, /undefined filter/],
    ['include reaches no file', '{% include "/etc/passwd" %}', false, /Invalid template/],
    ['render reaches no file', '{% render "secrets" %}', false, /Invalid template/],
    ['a title without a variable', 'Lecture', true, /at least one variable/],
    ['a title with only unknown variables', '{{ foo }}', true, /at least one variable/],
  ];
  it.each(problems)('checks on save: %s', (_label, source, isTitle, message) => {
    const problem = templateProblem(source, context, { requireVariable: isTitle });
    if (message) expect(problem).toMatch(message);
    else expect(problem).toBeNull();
  });

  it('is sandboxed: own properties only, render time and memory limited', () => {
    expect(renderTemplate('{{ display_name.constructor }}|{{ display_name.constructor.name }}|{{ summary.__proto__ }}', context, 'UTC')).toBe('||');
    expect(() => renderTemplate('{% for i in (1..100000000) %}{{ i }}{% endfor %}', context, 'UTC')).toThrow(/limit/i);
  });
});

describe('platform limits', () => {
  it('YouTube: title 100 characters, description 5000 bytes, < and > replaced, NUL removed', () => {
    const limited = applyPlatformLimits('YOUTUBE', { title: `<b>${'т'.repeat(120)}`, description: `a\u0000<x>${'я'.repeat(3000)}` });
    expect([...limited.title]).toHaveLength(100);
    expect(limited.title.startsWith('＜b＞тт')).toBe(true);
    expect(limited.title.endsWith('...')).toBe(true);
    expect(new TextEncoder().encode(limited.description).length).toBeLessThanOrEqual(5000);
    expect(limited.description.startsWith('a＜x＞яя')).toBe(true);
    expect(limited.description.endsWith('...')).toBe(true);
    expect([limited.titleTruncated, limited.descriptionTruncated]).toEqual([true, true]);
  });

  it('YouTube: text within the limits is unchanged apart from < and >', () => {
    const title = 'x'.repeat(100);
    expect(applyPlatformLimits('YOUTUBE', { title, description: '1 < 2' })).toEqual({ title, description: '1 ＜ 2', titleTruncated: false, descriptionTruncated: false });
  });

  it('VK: title 128 and description 5000 characters, < and > kept', () => {
    const limited = applyPlatformLimits('VK', { title: `<${'b'.repeat(200)}`, description: 'я'.repeat(5000) });
    expect([...limited.title]).toHaveLength(128);
    expect(limited.title.startsWith('<bbb')).toBe(true);
    expect(limited.description).toBe('я'.repeat(5000));
    expect(applyPlatformLimits('VK', { title: '', description: 'я'.repeat(5001) }).description).toHaveLength(5000);
  });

  it('other platforms have no limits', () => {
    const long = 'x'.repeat(20_000);
    expect(applyPlatformLimits('YANDEX_DISK', { title: long, description: long }).title).toBe(long);
    expect(applyPlatformLimits(null, { title: '<a>', description: '' }).title).toBe('<a>');
  });

  it('never splits a surrogate pair', () => {
    const limited = applyPlatformLimits('YOUTUBE', { title: '😀'.repeat(150), description: '' });
    expect(limited.title).toBe(`${'😀'.repeat(97)}...`);
  });
});

describe('sample data', () => {
  it('renders every variable from the sample recording', () => {
    const context = buildContext(SAMPLE_FACTS, { timezone: 'UTC', now: new Date('2026-06-15T14:30:00Z') });
    expect(context.record_datetime).toBe('15.06.2026 14:30');
    expect(context.duration_hm).toBe('1:02:05');
  });
});

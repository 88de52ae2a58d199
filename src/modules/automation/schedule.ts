import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { ValidationError, type FieldIssue } from '../../lib/errors.js';
import { isTimeZone } from '../auth/auth.service.js';

// Automation schedules (inventory §9). Every kind becomes a 5-field cron pattern evaluated in the
// schedule's IANA time zone, by BullMQ's job scheduler (which runs `cron-parser`, the same library
// and version used here), so the nextRunAt we store is the instant BullMQ fires at.

export const SCHEDULE_TYPES = ['time_of_day', 'hours', 'weekdays', 'cron'] as const;
export type ScheduleType = (typeof SCHEDULE_TYPES)[number];

/** 0 = Monday … 6 = Sunday, as the original stores them. */
export const WEEKDAYS = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export type Schedule =
  | { type: 'time_of_day'; time: string; timezone: string }
  | { type: 'hours'; hours: number; timezone: string }
  | { type: 'weekdays'; days: number[]; time: string; timezone: string }
  | { type: 'cron'; expression: string; timezone: string };

/** What a client sends: one shape with the fields of its type set. */
export interface ScheduleInput {
  type: ScheduleType;
  time?: string | null;
  hours?: number | null;
  days?: readonly Weekday[] | null;
  expression?: string | null;
  timezone?: string | null;
}

const time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'Use HH:MM (24-hour clock), e.g. 09:00');
const timezone = z.string().refine(isTimeZone, 'Unknown IANA time zone');
const cronExpression = z
  .string()
  .trim()
  .refine((value) => value.split(/\s+/).length === 5, 'A cron expression has 5 fields: minute hour day-of-month month day-of-week')
  .refine((value) => {
    try {
      CronExpressionParser.parse(value);
      return true;
    } catch {
      return false;
    }
  }, 'Not a valid cron expression');

export const scheduleSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('time_of_day'), time, timezone }),
  z.object({ type: z.literal('hours'), hours: z.number().int().min(1, 'At least every hour').max(24, 'At most every 24 hours'), timezone }),
  z.object({
    type: z.literal('weekdays'),
    days: z.array(z.number().int().min(0).max(6)).min(1, 'Name at least one day').transform((days) => [...new Set(days)].sort()),
    time,
    timezone,
  }),
  z.object({ type: z.literal('cron'), expression: cronExpression, timezone }),
]);

/** Checks a client's schedule; the time zone defaults to `defaultTimezone` (the workspace's). */
export function parseSchedule(input: ScheduleInput, defaultTimezone: string): Schedule {
  const candidate = {
    type: input.type,
    timezone: input.timezone ?? defaultTimezone,
    ...(input.time != null ? { time: input.time } : {}),
    ...(input.hours != null ? { hours: input.hours } : {}),
    ...(input.days != null ? { days: input.days.map((day) => WEEKDAYS.indexOf(day)) } : {}),
    ...(input.expression != null ? { expression: input.expression } : {}),
  };
  const parsed = scheduleSchema.safeParse(candidate);
  if (!parsed.success) {
    const issues: FieldIssue[] = parsed.error.issues.map((issue) => ({ path: ['schedule', ...issue.path.map(String)].join('.'), message: issue.message }));
    throw new ValidationError(issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '), issues);
  }
  return parsed.data;
}

/** A stored schedule (rows written before time zones were required read as UTC); null when unusable. */
export function readSchedule(value: unknown): Schedule | null {
  const withZone = value && typeof value === 'object' && !('timezone' in value) ? { ...value, timezone: 'UTC' } : value;
  const parsed = scheduleSchema.safeParse(withZone);
  return parsed.success ? parsed.data : null;
}

const hourMinute = (hhmm: string) => hhmm.split(':').map(Number) as [number, number];

/** The cron pattern BullMQ runs (in `schedule.timezone`). */
export function cronPattern(schedule: Schedule): string {
  switch (schedule.type) {
    case 'time_of_day': {
      const [h, m] = hourMinute(schedule.time);
      return `${m} ${h} * * *`;
    }
    case 'hours':
      // On the hour, counted from local midnight (N = 5 fires at 00, 05, 10, 15, 20).
      return schedule.hours === 24 ? '0 0 * * *' : `0 */${schedule.hours} * * *`;
    case 'weekdays': {
      const [h, m] = hourMinute(schedule.time);
      // Cron counts days from Sunday = 0.
      return `${m} ${h} * * ${schedule.days.map((d) => (d + 1) % 7).sort().join(',')}`;
    }
    case 'cron':
      return schedule.expression;
  }
}

/** The next `count` instants the schedule fires at, strictly after `after`. */
export function nextRuns(schedule: Schedule, after: Date, count: number): Date[] {
  const interval = CronExpressionParser.parse(cronPattern(schedule), { currentDate: after, tz: schedule.timezone });
  const runs: Date[] = [];
  while (runs.length < count && interval.hasNext()) runs.push(interval.next().toDate());
  return runs;
}

export function nextRunAt(schedule: Schedule, after = new Date()): Date | null {
  return nextRuns(schedule, after, 1)[0] ?? null;
}

/**
 * The shortest gap between consecutive runs, in hours of the schedule's wall clock: a daily run
 * stays 24 hours apart across a DST change (the plan limits how often jobs run, not the length of
 * one night). Looks at the coming year or 500 runs, whichever ends first (enough for any weekly or
 * monthly cycle of a frequent pattern), and stops early once a gap is below `floorHours`.
 */
export function shortestGapHours(schedule: Schedule, from = new Date(), floorHours = 0): number {
  const interval = CronExpressionParser.parse(cronPattern(schedule), { currentDate: from, tz: schedule.timezone });
  const horizon = from.getTime() + 366 * 24 * 3600 * 1000;
  let previous: number | null = null;
  let shortest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 500 && interval.hasNext(); i += 1) {
    const next = interval.next();
    if (next.getTime() > horizon) break;
    const wallClock = Date.UTC(next.getFullYear(), next.getMonth(), next.getDate(), next.getHours(), next.getMinutes());
    if (previous !== null) shortest = Math.min(shortest, (wallClock - previous) / 3_600_000);
    if (shortest < floorHours) break;
    previous = wallClock;
  }
  return shortest;
}

/** Refuses a schedule whose runs come closer together than the plan allows. */
export function assertMinimumInterval(schedule: Schedule, minHours: number | null, now = new Date()): void {
  if (minHours === null || minHours <= 0) return;
  const gap = shortestGapHours(schedule, now, minHours);
  if (gap < minHours) {
    const minutes = Math.round(gap * 60);
    const shown = gap < 1 ? `${minutes} minute${minutes === 1 ? '' : 's'}` : `${Math.round(gap * 10) / 10} hours`;
    throw ValidationError.field('schedule', `Runs would be ${shown} apart; your plan allows automation at most every ${minHours} hours`);
  }
}

/** The schedule as the API shows it (days as names). */
export function describeSchedule(schedule: Schedule) {
  return {
    type: schedule.type,
    timezone: schedule.timezone,
    time: 'time' in schedule ? schedule.time : null,
    hours: schedule.type === 'hours' ? schedule.hours : null,
    days: schedule.type === 'weekdays' ? schedule.days.map((d) => WEEKDAYS[d] as Weekday) : null,
    expression: schedule.type === 'cron' ? schedule.expression : null,
    cron: cronPattern(schedule),
  };
}

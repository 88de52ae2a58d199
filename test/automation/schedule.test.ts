import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/lib/errors.js';
import { assertMinimumInterval, cronPattern, nextRunAt, nextRuns, parseSchedule, readSchedule, shortestGapHours } from '../../src/modules/automation/schedule.js';

// Schedules with controlled time: every next run is computed in the schedule's own time zone.

const at = (iso: string) => new Date(iso);
const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

describe('schedule kinds → next runs in the job time zone', () => {
  it('time_of_day 09:00 Europe/Moscow is 06:00 UTC (UTC+3 all year)', () => {
    const schedule = parseSchedule({ type: 'time_of_day', time: '09:00', timezone: 'Europe/Moscow' }, 'UTC');
    expect(cronPattern(schedule)).toBe('0 9 * * *');
    // 05:59 UTC is 08:59 in Moscow: today's 09:00 is still ahead.
    expect(nextRunAt(schedule, at('2026-07-01T05:59:00Z'))?.toISOString()).toBe('2026-07-01T06:00:00.000Z');
    expect(nextRunAt(schedule, at('2026-07-01T06:00:00Z'))?.toISOString()).toBe('2026-07-02T06:00:00.000Z');
    expect(nextRunAt(schedule, at('2026-12-31T23:00:00Z'))?.toISOString()).toBe('2027-01-01T06:00:00.000Z');
  });

  it('time_of_day across the DST change of America/New_York keeps 09:00 local', () => {
    const schedule = parseSchedule({ type: 'time_of_day', time: '09:00', timezone: 'America/New_York' }, 'UTC');
    // EST (UTC−5) on 7 March 2026, EDT (UTC−4) from 8 March 2026.
    expect(iso(nextRuns(schedule, at('2026-03-06T15:00:00Z'), 3))).toEqual(['2026-03-07T14:00:00.000Z', '2026-03-08T13:00:00.000Z', '2026-03-09T13:00:00.000Z']);
    // And back in November (1 November 2026 is the fall-back day).
    expect(iso(nextRuns(schedule, at('2026-10-31T12:00:00Z'), 2))).toEqual(['2026-10-31T13:00:00.000Z', '2026-11-01T14:00:00.000Z']);
  });

  it('weekdays: Monday and Friday at 18:30 in Asia/Tokyo', () => {
    const schedule = parseSchedule({ type: 'weekdays', days: ['FRIDAY', 'MONDAY'], time: '18:30', timezone: 'Asia/Tokyo' }, 'UTC');
    expect(cronPattern(schedule)).toBe('30 18 * * 1,5');
    // Wednesday 2026-07-01 → Friday 3rd 18:30 JST (09:30 UTC), Monday 6th, Friday 10th.
    expect(iso(nextRuns(schedule, at('2026-07-01T00:00:00Z'), 3))).toEqual(['2026-07-03T09:30:00.000Z', '2026-07-06T09:30:00.000Z', '2026-07-10T09:30:00.000Z']);
  });

  it('weekdays: Sunday (6) maps to cron day 0', () => {
    const schedule = parseSchedule({ type: 'weekdays', days: ['SUNDAY'], time: '07:00', timezone: 'UTC' }, 'UTC');
    expect(cronPattern(schedule)).toBe('0 7 * * 0');
    expect(nextRunAt(schedule, at('2026-07-01T00:00:00Z'))?.toISOString()).toBe('2026-07-05T07:00:00.000Z');
  });

  it('every N hours on the hour from local midnight (Asia/Kolkata is UTC+5:30)', () => {
    const schedule = parseSchedule({ type: 'hours', hours: 6, timezone: 'Asia/Kolkata' }, 'UTC');
    expect(cronPattern(schedule)).toBe('0 */6 * * *');
    // 00:00, 06:00, 12:00, 18:00 IST = 18:30, 00:30, 06:30, 12:30 UTC.
    expect(iso(nextRuns(schedule, at('2026-07-01T01:00:00Z'), 3))).toEqual(['2026-07-01T06:30:00.000Z', '2026-07-01T12:30:00.000Z', '2026-07-01T18:30:00.000Z']);
    expect(cronPattern(parseSchedule({ type: 'hours', hours: 24, timezone: 'UTC' }, 'UTC'))).toBe('0 0 * * *');
  });

  it('cron as given, in its zone; the workspace zone is the default', () => {
    const schedule = parseSchedule({ type: 'cron', expression: '15 2 1 * *' }, 'Europe/Berlin');
    expect(schedule.timezone).toBe('Europe/Berlin');
    // 02:15 CEST on 1 August = 00:15 UTC.
    expect(nextRunAt(schedule, at('2026-07-15T00:00:00Z'))?.toISOString()).toBe('2026-08-01T00:15:00.000Z');
  });

  it('refuses bad input with typed errors', () => {
    const bad = [
      { type: 'time_of_day', time: '9:00', timezone: 'UTC' },
      { type: 'time_of_day', time: '24:00', timezone: 'UTC' },
      { type: 'time_of_day', time: '09:00', timezone: 'Mars/Olympus_Mons' },
      { type: 'hours', hours: 0, timezone: 'UTC' },
      { type: 'hours', hours: 25, timezone: 'UTC' },
      { type: 'weekdays', days: [], time: '09:00', timezone: 'UTC' },
      { type: 'cron', expression: '0 0 * *', timezone: 'UTC' },
      { type: 'cron', expression: '*/5 * * * * *', timezone: 'UTC' },
      { type: 'cron', expression: '61 * * * *', timezone: 'UTC' },
      { type: 'hours', timezone: 'UTC' },
    ] as const;
    for (const input of bad) {
      const error = (() => {
        try {
          parseSchedule(input as never, 'UTC');
        } catch (e) {
          return e;
        }
        return null;
      })();
      expect(error, JSON.stringify(input)).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues[0]?.path).toMatch(/^schedule/);
    }
  });

  it('stored rows without a time zone read as UTC; unusable ones as null', () => {
    expect(readSchedule({ type: 'hours', hours: 24 })).toEqual({ type: 'hours', hours: 24, timezone: 'UTC' });
    expect(readSchedule({ type: 'weekly' })).toBeNull();
  });
});

describe('minimum interval', () => {
  const from = at('2026-03-01T00:00:00Z');

  it('measures the shortest gap between consecutive runs, irregular ones included', () => {
    expect(shortestGapHours(parseSchedule({ type: 'hours', hours: 6, timezone: 'UTC' }, 'UTC'), from)).toBe(6);
    // 00, 05, 10, 15, 20, then 00 again: the last gap is 4 hours.
    expect(shortestGapHours(parseSchedule({ type: 'hours', hours: 5, timezone: 'UTC' }, 'UTC'), from)).toBe(4);
    // Mon–Fri at 09:00: 24 hours apart.
    expect(shortestGapHours(parseSchedule({ type: 'weekdays', days: ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'], time: '09:00', timezone: 'UTC' }, 'UTC'), from)).toBe(24);
    // Measured on the zone's wall clock: 09:00 daily in New York stays 24 hours apart over the
    // 23-hour spring-forward day (8 March 2026), and every 6 hours stays 6 hours.
    expect(shortestGapHours(parseSchedule({ type: 'time_of_day', time: '09:00', timezone: 'America/New_York' }, 'UTC'), from)).toBe(24);
    expect(shortestGapHours(parseSchedule({ type: 'hours', hours: 6, timezone: 'America/New_York' }, 'UTC'), from)).toBe(6);
    expect(shortestGapHours(parseSchedule({ type: 'cron', expression: '0 8,12 * * *', timezone: 'UTC' }, 'UTC'), from)).toBe(4);
  });

  it('refuses schedules whose runs are closer than the plan allows', () => {
    const every5 = parseSchedule({ type: 'hours', hours: 5, timezone: 'UTC' }, 'UTC');
    expect(() => assertMinimumInterval(every5, 4, from)).not.toThrow();
    expect(() => assertMinimumInterval(every5, 6, from)).toThrow(ValidationError);
    const twiceDaily = parseSchedule({ type: 'cron', expression: '0 8,12 * * *', timezone: 'UTC' }, 'UTC');
    expect(() => assertMinimumInterval(twiceDaily, 6, from)).toThrow(/4 hours apart.*every 6 hours/);
    const everyMinute = parseSchedule({ type: 'cron', expression: '* * * * *', timezone: 'UTC' }, 'UTC');
    expect(() => assertMinimumInterval(everyMinute, 1, from)).toThrow(/1 minute apart/);
    // No limit: anything goes.
    expect(() => assertMinimumInterval(everyMinute, null, from)).not.toThrow();
  });
});

import { DateTime } from 'luxon';
import { fromParts, toOffsetDateTime } from '../../lib/time';

/**
 * lib/time.ts reads every record's date on the view path without luxon where it can (a tenth of
 * the gateway's time went into luxon's zone machinery). Whatever path it takes, what it writes
 * must be exactly what luxon writes.
 */
const luxonOffsetDateTime = (value: string) => {
  const parsed = DateTime.fromISO(value, { setZone: true });
  return parsed.isValid ? parsed.toISO({ suppressMilliseconds: true }) : undefined;
};
const luxonFromParts = (wall: { year: number; month: number; day: number; hour: number; minute: number; second: number }, zone: string) => {
  const parsed = DateTime.fromObject(wall, { zone });
  return parsed.isValid ? parsed.toISO({ suppressMilliseconds: true }) : undefined;
};

describe('dates as sources send them', () => {
  test('a date-time with an offset is kept as luxon writes it, invalid ones included', () => {
    const samples = ['2024-03-01T09:00:00-05:00', '2024-03-01T09:00:00Z', '2024-03-01T09:00:00+00:00', '2024-03-01T09:00:00-00:00', '2024-02-29T23:59:59+14:00', '2024-02-30T09:00:00-05:00', '2023-02-29T00:00:00Z', '2024-13-01T00:00:00Z', '2024-12-31T24:00:00Z', '2024-06-15T12:30:60Z', '2024-06-15T12:30:45+24:00', '2024-06-15T12:30:45.120-04:00', '2024-06-15T12:30-04:00'];
    for (const value of samples) expect([value, toOffsetDateTime(value)]).toEqual([value, luxonOffsetDateTime(value)]);
  });

  test('wall-clock parts in a zone are dated as luxon dates them, across the days the clocks change', () => {
    for (const zone of ['America/Montreal', 'UTC', 'Asia/Kolkata']) {
      for (const [month, day] of [[3, 10], [3, 9], [11, 3], [11, 2], [6, 15], [2, 29], [2, 30]]) {
        for (const hour of [0, 1, 2, 3, 12, 23]) {
          const wall = { year: 2024, month, day, hour, minute: 30, second: 15 };
          expect([zone, wall, fromParts(wall, zone)]).toEqual([zone, wall, luxonFromParts(wall, zone)]);
        }
      }
    }
  });

  test("a date or date-time without an offset is the source's wall clock, dated as luxon dates it in the source's zone", () => {
    const luxonLocal = (value: string, zone: string) => {
      const parsed = DateTime.fromISO(value.length === 10 ? `${value}T00:00:00` : value, { zone });
      return parsed.isValid ? parsed.toISO({ suppressMilliseconds: true }) : undefined;
    };
    for (const zone of ['America/Montreal', 'UTC', 'Asia/Kolkata', 'Australia/Lord_Howe']) {
      for (const date of ['2024-03-10', '2024-03-09', '2024-11-03', '2024-04-07', '2024-10-06', '2024-06-15', '2024-02-29', '2023-02-29', '1968-01-01']) {
        for (const time of ['', 'T00:00', 'T01:59:59', 'T02:30', 'T02:30:00', 'T03:00:00', 'T12:00:00', 'T23:59:59', 'T24:00:00', 'T12:00:00.5']) {
          const value = `${date}${time}`;
          expect([zone, value, toOffsetDateTime(value, zone)]).toEqual([zone, value, luxonLocal(value, zone)]);
        }
      }
    }
  });

  test('wall-clock parts with an explicit offset keep it', () => {
    expect(fromParts({ year: 2025, month: 3, day: 1, hour: 8, minute: 15, second: 0, offsetMinutes: -300 }, 'America/Montreal')).toBe('2025-03-01T08:15:00-05:00');
    expect(fromParts({ year: 2025, month: 3, day: 1, hour: 8, minute: 15, second: 0, offsetMinutes: 0 }, 'America/Montreal')).toBe(luxonFromParts({ year: 2025, month: 3, day: 1, hour: 8, minute: 15, second: 0 }, 'UTC+0:00'));
  });
});

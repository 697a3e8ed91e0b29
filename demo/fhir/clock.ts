import { DateTime } from 'luxon';

/** The demo systems' wall clock: Montréal and Trois-Rivières share it. */
export const DEMO_ZONE = 'America/Montreal';

/** Demo history spans these years; the last date stays before "now" in the demo (late 2026). */
export const FIRST_DAY = DateTime.fromISO('2019-01-02', { zone: DEMO_ZONE });
export const LAST_DAY = DateTime.fromISO('2026-10-30', { zone: DEMO_ZONE });

/** A day between two others (inclusive), at midnight local time. */
export function dayBetween(random: () => number, from: DateTime, to: DateTime): DateTime {
  const days = Math.floor(to.diff(from, 'days').days);
  return from.plus({ days: Math.floor(random() * (days + 1)) }).startOf('day');
}

/** A local time of day between two hours (e.g. a pharmacy's 9 h to 21 h). */
export function atTime(random: () => number, day: DateTime, fromHour: number, toHour: number): DateTime {
  const minutes = Math.floor(random() * (toHour - fromHour) * 60);
  return day.set({ hour: fromHour + Math.floor(minutes / 60), minute: minutes % 60, second: 0, millisecond: 0 });
}

/**
 * How a source writes a date-time: with its offset (what FHIR asks), or as local wall-clock time
 * without one (what many pharmacy and EMR systems send): both reach the gateway in the demo.
 */
export function written(at: DateTime, withOffset: boolean): string {
  return withOffset ? at.toISO({ suppressMilliseconds: true })! : at.toFormat("yyyy-MM-dd'T'HH:mm:ss");
}

export const dateOnly = (at: DateTime) => at.toISODate()!;

/** meta.lastUpdated: an instant, which FHIR requires with an offset; the server's in UTC. */
export const instant = (at: DateTime) => at.toUTC().toISO({ suppressMilliseconds: true })!;

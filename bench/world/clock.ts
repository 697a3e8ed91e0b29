import { DateTime } from 'luxon';
import { DEMO_ZONE, FIRST_DAY, LAST_DAY } from '../../demo/fhir/clock';

/**
 * The world's wall clock: Montréal time, as the demo's (demo/fhir/clock.ts), but fast. Records
 * are generated on every request, and luxon takes ~50 µs a date-time; here a date-time is a day
 * number and a minute of the day, formatted with arithmetic, and luxon (the IANA zone data) is
 * asked only once per day and half-day for the offset.
 */
export interface WallTime {
  /** Days since 1970-01-01 (the local calendar day). */
  day: number;
  /** Minutes since local midnight. */
  minute: number;
}

const DAY_MS = 86_400_000;

export const dayOf = (isoDate: string) => Date.UTC(Number(isoDate.slice(0, 4)), Number(isoDate.slice(5, 7)) - 1, Number(isoDate.slice(8, 10))) / DAY_MS;
export const isoDateOf = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** The span of the demo's history, as day numbers. */
export const FIRST = dayOf(FIRST_DAY.toISODate()!);
export const LAST = dayOf(LAST_DAY.toISODate()!);

/** A day in [from, to]. */
export const dayBetween = (random: () => number, from: number, to: number) => from + Math.floor(random() * (to - from + 1));

/** A time of day between two hours (a pharmacy's 9 h to 21 h), to the minute. */
export const atTime = (random: () => number, day: number, fromHour: number, toHour: number): WallTime => ({ day, minute: fromHour * 60 + Math.floor(random() * (toHour - fromHour) * 60) });

export const plusMinutes = (at: WallTime, minutes: number): WallTime => {
  const total = at.minute + minutes;
  const days = Math.floor(total / 1440);
  return { day: at.day + days, minute: total - days * 1440 };
};

const offsets = new Map<number, number>();

/**
 * The zone's UTC offset in minutes. It changes at 2 h on the two switch days, so the offset at
 * midnight serves before 2 h and the one at noon after (the hour that does not exist in spring,
 * or happens twice in autumn, takes one of its two readings).
 */
function offsetAt(at: WallTime): number {
  const late = at.minute >= 120;
  const key = at.day * 2 + (late ? 1 : 0);
  let offset = offsets.get(key);
  if (offset === undefined) {
    const date = new Date(at.day * DAY_MS);
    offset = DateTime.fromObject({ year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate(), hour: late ? 12 : 0 }, { zone: DEMO_ZONE }).offset;
    offsets.set(key, offset);
  }
  return offset;
}

const two = (n: number) => (n < 10 ? `0${n}` : String(n));
const clockOf = (minute: number) => `${two(Math.floor(minute / 60))}:${two(minute % 60)}:00`;
const offsetText = (minutes: number) => `${minutes < 0 ? '-' : '+'}${two(Math.floor(Math.abs(minutes) / 60))}:${two(Math.abs(minutes) % 60)}`;

/** How a source writes a date-time: with its offset (what FHIR asks) or as bare local time (what many systems send). */
export const written = (at: WallTime, withOffset: boolean) => `${isoDateOf(at.day)}T${clockOf(at.minute)}${withOffset ? offsetText(offsetAt(at)) : ''}`;

/** meta.lastUpdated: an instant, in UTC. */
export function instant(at: WallTime): string {
  return new Date(at.day * DAY_MS + (at.minute - offsetAt(at)) * 60_000).toISOString().replace('.000Z', 'Z');
}

/** DICOM DA and TM (PS3.5 §6.2): the local date and time, without an offset. */
export const dicomDate = (day: number) => isoDateOf(day).replace(/-/g, '');
export const dicomTime = (minute: number, second: number) => `${two(Math.floor(minute / 60))}${two(minute % 60)}${two(second)}`;

import { DateTime } from 'luxon';

export const DEFAULT_TIME_ZONE = 'America/Montreal';

/**
 * Reads a date-time a source sent. Values with an offset keep it; values without one are the
 * source's local wall-clock time (issue #3 §5), so they are placed in the source's time zone.
 * Returns ISO 8601 with an offset, or undefined when the value is not a date-time.
 */
export function toOffsetDateTime(value: string | undefined, timeZone = DEFAULT_TIME_ZONE): string | undefined {
  if (!value) return undefined;
  if (isCanonicalOffsetDateTime(value)) return value;
  const local = LOCAL_DATE_TIME.exec(value);
  if (local) {
    const [year, month, day, hour = 0, minute = 0, second = 0] = local.slice(1).map((part) => (part === undefined ? undefined : Number(part)));
    const fast = quickFromParts({ year: year!, month: month!, day: day!, hour, minute, second }, undefined, timeZone);
    if (fast !== undefined) return fast;
  }
  const hasOffset = /(Z|[+-]\d{2}:?\d{2})$/.test(value) && value.includes('T');
  const parsed = hasOffset
    ? DateTime.fromISO(value, { setZone: true })
    : DateTime.fromISO(value.length === 10 ? `${value}T00:00:00` : value, { zone: timeZone });
  if (!parsed.isValid) return undefined;
  return parsed.toISO({ suppressMilliseconds: true }) ?? undefined;
}

/** A local date, or date and time to the minute or second, with no offset and no fraction: the source's wall clock. */
const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?$/;

/** YYYY-MM-DDTHH:MM:SS followed by Z or ±HH:MM, with no fraction: what luxon would write back unchanged. */
const CANONICAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(Z|[+-](\d{2}):(\d{2}))$/;

/**
 * Most sources send their date-times already as canonical ISO 8601 with an offset: checked here
 * without luxon (a record of every view is read through this; luxon's zone machinery cost a tenth
 * of the gateway's time). Anything else, or anything out of range, goes the long way.
 */
function isCanonicalOffsetDateTime(value: string): boolean {
  const m = CANONICAL.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return false;
  // A signed zero offset is written back differently by luxon (-00:00 becomes Z): the long way.
  if (m[8] !== undefined && (Number(m[8]) > 23 || Number(m[9]) > 59 || (m[8] === '00' && m[9] === '00'))) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** A wall-clock time given as parts (HL7 DTM, DICOM DA+TM) in a zone, or with an explicit offset. */
export function fromParts(
  parts: { year: number; month: number; day: number; hour?: number; minute?: number; second?: number; offsetMinutes?: number },
  timeZone = DEFAULT_TIME_ZONE,
): string | undefined {
  const { offsetMinutes, ...wall } = parts;
  const fast = quickFromParts(wall, offsetMinutes, timeZone);
  if (fast !== undefined) return fast;
  const zone = offsetMinutes === undefined ? timeZone : `UTC${offsetMinutes >= 0 ? '+' : '-'}${Math.floor(Math.abs(offsetMinutes) / 60)}:${String(Math.abs(offsetMinutes) % 60).padStart(2, '0')}`;
  const parsed = DateTime.fromObject(wall, { zone });
  return parsed.isValid ? (parsed.toISO({ suppressMilliseconds: true }) ?? undefined) : undefined;
}

const two = (n: number) => String(n).padStart(2, '0');
const offsetText = (minutes: number) => `${minutes < 0 ? '-' : '+'}${two(Math.floor(Math.abs(minutes) / 60))}:${two(Math.abs(minutes) % 60)}`;

/** A zone's offset over one hour of one day, when it holds for the whole hour (null inside a DST change). */
const hourOffsets = new Map<string, number | null>();
const HOUR_OFFSETS_KEPT = 20_000;
/** A zone's offset over a whole day, when it holds all day (null on a day the clocks change). */
const dayOffsets = new Map<string, number | null>();
/** A zone's offset over a whole month, when it holds all month (null in a month the clocks change). */
const monthOffsets = new Map<string, number | null>();

/**
 * Looked up by month first, then by day: records are dated over decades, and ten months in twelve
 * keep one offset all month (a few hundred entries), where days run to tens of thousands and hours
 * to 24 times that. Only in the months the clocks change is the day looked at, and only on the day
 * itself the hour.
 */
function offsetThroughHour(zone: string, year: number, month: number, day: number, hour: number): number | null {
  const wholeMonth = offsetThroughMonth(zone, year, month);
  if (wholeMonth !== null) return wholeMonth;
  const wholeDay = offsetThroughDay(zone, year, month, day);
  if (wholeDay !== null) return wholeDay;
  const key = `${zone}|${year}|${month}|${day}|${hour}`;
  let offset = hourOffsets.get(key);
  if (offset === undefined) {
    const start = DateTime.fromObject({ year, month, day, hour }, { zone });
    const end = start.plus({ minutes: 59, seconds: 59 });
    offset = start.isValid && start.hour === hour && end.hour === hour && start.offset === end.offset ? start.offset : null;
    if (hourOffsets.size >= HOUR_OFFSETS_KEPT) hourOffsets.clear();
    hourOffsets.set(key, offset);
  }
  return offset;
}

function offsetThroughMonth(zone: string, year: number, month: number): number | null {
  const key = `${zone}|${year}|${month}`;
  let offset = monthOffsets.get(key);
  if (offset === undefined) {
    const start = DateTime.fromObject({ year, month, day: 1 }, { zone });
    const end = start.endOf('month');
    // The same offset at the month's first and last instant and at every midnight between is the
    // month's offset (clocks change at most once a day); found once per zone and month.
    const steady = start.isValid && start.hour === 0 && end.month === month && start.offset === end.offset && everyDayKeeps(start, end);
    offset = steady ? start.offset : null;
    if (monthOffsets.size >= HOUR_OFFSETS_KEPT) monthOffsets.clear();
    monthOffsets.set(key, offset);
  }
  return offset;
}

/** Whether every midnight between start and end has start's offset (a month with a change and a change back is not steady). */
function everyDayKeeps(start: DateTime, end: DateTime): boolean {
  for (let day = start.plus({ days: 1 }); day < end; day = day.plus({ days: 1 })) if (day.offset !== start.offset) return false;
  return true;
}

function offsetThroughDay(zone: string, year: number, month: number, day: number): number | null {
  const key = `${zone}|${year}|${month}|${day}`;
  let offset = dayOffsets.get(key);
  if (offset === undefined) {
    const start = DateTime.fromObject({ year, month, day }, { zone });
    const end = start.endOf('day');
    // Clocks change at most once in a day: the same offset at its first and last instant held all day.
    offset = start.isValid && start.day === day && start.hour === 0 && end.day === day && start.offset === end.offset ? start.offset : null;
    if (dayOffsets.size >= HOUR_OFFSETS_KEPT) dayOffsets.clear();
    dayOffsets.set(key, offset);
  }
  return offset;
}

/**
 * fromParts without luxon for the common case (a whole, valid wall-clock time in an hour with no
 * DST change, or with an explicit non-zero offset): every lab result and imaging study of a view
 * is dated through here. Undefined sends the caller the long way; the output is luxon's exactly.
 */
function quickFromParts(wall: { year: number; month: number; day: number; hour?: number; minute?: number; second?: number }, offsetMinutes: number | undefined, zone: string): string | undefined {
  const { year, month, day, hour = 0, minute = 0, second = 0 } = wall;
  if (![year, month, day, hour, minute, second].every(Number.isInteger) || year < 1000 || year > 9999) return undefined;
  if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate() || hour > 23 || minute > 59 || second > 59 || hour < 0 || minute < 0 || second < 0) return undefined;
  const offset = offsetMinutes ?? offsetThroughHour(zone, year, month, day, hour);
  // A zero offset is written Z or +00:00 depending on the zone: luxon decides.
  if (offset === null || offset === 0) return undefined;
  return `${year}-${two(month)}-${two(day)}T${two(hour)}:${two(minute)}:${two(second)}${offsetText(offset)}`;
}

/** Whether an ISO date-time falls on or after a calendar date (the `since` argument), in the zone. */
export function isOnOrAfter(isoDateTime: string | undefined, since: string | undefined, timeZone = DEFAULT_TIME_ZONE): boolean {
  if (!since) return true;
  if (!isoDateTime) return false;
  const start = DateTime.fromISO(since, { zone: timeZone }).startOf('day');
  return DateTime.fromISO(isoDateTime, { setZone: true }) >= start;
}

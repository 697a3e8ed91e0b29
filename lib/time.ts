import { DateTime } from 'luxon';

export const DEFAULT_TIME_ZONE = 'America/Montreal';

/**
 * Reads a date-time a source sent. Values with an offset keep it; values without one are the
 * source's local wall-clock time (issue #3 §5), so they are placed in the source's time zone.
 * Returns ISO 8601 with an offset, or undefined when the value is not a date-time.
 */
export function toOffsetDateTime(value: string | undefined, timeZone = DEFAULT_TIME_ZONE): string | undefined {
  if (!value) return undefined;
  const hasOffset = /(Z|[+-]\d{2}:?\d{2})$/.test(value) && value.includes('T');
  const parsed = hasOffset
    ? DateTime.fromISO(value, { setZone: true })
    : DateTime.fromISO(value.length === 10 ? `${value}T00:00:00` : value, { zone: timeZone });
  if (!parsed.isValid) return undefined;
  return parsed.toISO({ suppressMilliseconds: true }) ?? undefined;
}

/** A wall-clock time given as parts (HL7 DTM, DICOM DA+TM) in a zone, or with an explicit offset. */
export function fromParts(
  parts: { year: number; month: number; day: number; hour?: number; minute?: number; second?: number; offsetMinutes?: number },
  timeZone = DEFAULT_TIME_ZONE,
): string | undefined {
  const { offsetMinutes, ...wall } = parts;
  const zone = offsetMinutes === undefined ? timeZone : `UTC${offsetMinutes >= 0 ? '+' : '-'}${Math.floor(Math.abs(offsetMinutes) / 60)}:${String(Math.abs(offsetMinutes) % 60).padStart(2, '0')}`;
  const parsed = DateTime.fromObject(wall, { zone });
  return parsed.isValid ? (parsed.toISO({ suppressMilliseconds: true }) ?? undefined) : undefined;
}

/** Whether an ISO date-time falls on or after a calendar date (the `since` argument), in the zone. */
export function isOnOrAfter(isoDateTime: string | undefined, since: string | undefined, timeZone = DEFAULT_TIME_ZONE): boolean {
  if (!since) return true;
  if (!isoDateTime) return false;
  const start = DateTime.fromISO(since, { zone: timeZone }).startOf('day');
  return DateTime.fromISO(isoDateTime, { setZone: true }) >= start;
}

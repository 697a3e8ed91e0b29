import { DateTime } from 'luxon';

/** A FHIR instant (http://hl7.org/fhir/R4/datatypes.html#instant): to the second at least, always with an offset. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** An instant as written with its offset, in UTC; undefined for anything else (a date alone, no offset, garbage). */
export function parseInstant(value: string | undefined): DateTime | undefined {
  if (!value || !INSTANT.test(value)) return undefined;
  const parsed = DateTime.fromISO(value, { zone: 'utc' });
  return parsed.isValid ? parsed : undefined;
}

/** What both roster readers (FHIR, DICOMweb) need to date their reads by the source's clock. */
export interface RosterClockOptions {
  /** How far before the cursor an incremental read starts again: a change dated just before the last read, committed after it, is not lost. */
  overlapMs: number;
  /** When the server says nothing of its clock: how far back from ours the read is said to begin. */
  clockMarginMs: number;
  /** Our clock (tests move it). */
  now(): Date;
}

export const ROSTER_CLOCK_DEFAULTS: RosterClockOptions = { overlapMs: 60_000, clockMarginMs: 15 * 60_000, now: () => new Date() };

/** What a source's first answer says of its clock. */
export interface ServerClockReading {
  /** The time the server wrote into the answer itself (FHIR: the searchset's Bundle.meta.lastUpdated). */
  stated?: string;
  /** The answer's HTTP Date header. */
  date?: Date;
}

/**
 * When a roster read began, by the source's clock: changes are dated by that clock, so a cursor
 * taken from ours would lose (or repeat) whatever falls in the skew between the two. In order of
 * trust: the time the server wrote into the answer; its Date header (RFC 9110 §6.6.1; to the
 * second, truncated, so never later than the answer); else our own clock at the start, moved
 * back by `marginMs` to cover a skew we cannot measure. In UTC.
 */
export function serverStartOf(reading: ServerClockReading, ourStart: Date, marginMs: number): DateTime {
  const stated = parseInstant(reading.stated);
  if (stated) return stated;
  if (reading.date) return DateTime.fromJSDate(reading.date, { zone: 'utc' });
  return DateTime.fromJSDate(ourStart, { zone: 'utc' }).minus({ milliseconds: marginMs });
}

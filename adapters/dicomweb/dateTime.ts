import { fromParts } from '../../lib/time';

/**
 * A study's start from its DA and TM values (Study Date 0008,0020 and Study Time 0008,0030).
 * DA and TM carry no offset (PS3.5 §6.2): they are the wall-clock time of the place that made the
 * study, so they are placed in the source's time zone, unless the dataset says otherwise with
 * Timezone Offset From UTC (0008,0201, PS3.3 §C.12.1.1.8), which then wins.
 */
export function dicomDateTime(
  values: { date?: string; time?: string; timezoneOffset?: string },
  timeZone: string,
): string | undefined {
  const date = parseDate(values.date);
  if (!date) return undefined;
  // A time that cannot be read still leaves the day, which is what a clinician looks for first.
  const time = parseTime(values.time) ?? {};
  return fromParts({ ...date, ...time, offsetMinutes: parseTimezoneOffset(values.timezoneOffset) }, timeZone);
}

/** DA (PS3.5 §6.2, Table 6.2-1): YYYYMMDD; the ACR-NEMA form YYYY.MM.DD still turns up in old archives. */
export function parseDate(value: string | undefined): { year: number; month: number; day: number } | undefined {
  const match = /^(\d{4})\.?(\d{2})\.?(\d{2})$/.exec(value?.trim() ?? '');
  if (!match) return undefined;
  const [year, month, day] = match.slice(1).map(Number);
  const probe = new Date(Date.UTC(year, month - 1, day));
  const real = probe.getUTCFullYear() === year && probe.getUTCMonth() === month - 1 && probe.getUTCDate() === day;
  return real ? { year, month, day } : undefined;
}

/**
 * TM (PS3.5 §6.2, Table 6.2-1): HH, HHMM, HHMMSS or HHMMSS.FFFFFF, trailing components optional;
 * the ACR-NEMA form HH:MM:SS is also accepted. Fractions of a second are dropped (the contract's
 * DateTime goes to the second). A leap second (SS = 60, allowed by TM) is read as 59.
 */
export function parseTime(value: string | undefined): { hour: number; minute: number; second: number } | undefined {
  const match = /^(\d{2})(?::?(\d{2})(?::?(\d{2})(?:\.\d{1,6})?)?)?$/.exec(value?.trim() ?? '');
  if (!match) return undefined;
  const hour = Number(match[1]);
  const minute = Number(match[2] ?? 0);
  const second = Math.min(Number(match[3] ?? 0), 59);
  if (hour > 23 || minute > 59) return undefined;
  return { hour, minute, second };
}

/** Timezone Offset From UTC (PS3.3 §C.12.1.1.8): "&ZZXX", & being + or -; minutes east of UTC. */
export function parseTimezoneOffset(value: string | undefined): number | undefined {
  const match = /^([+-])(\d{2})(\d{2})$/.exec(value?.trim() ?? '');
  if (!match) return undefined;
  const sign = match[1] === '-' ? -1 : 1;
  const total = sign * (Number(match[2]) * 60 + Number(match[3]));
  // PS3.3 bounds the offset to -1200..+1400; anything else is noise, and the source's zone is safer.
  if (Number(match[3]) > 59 || total < -12 * 60 || total > 14 * 60) return undefined;
  return total;
}

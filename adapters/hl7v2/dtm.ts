import { fromParts } from '../../lib/time';

/**
 * HL7 v2.5.1 DTM (Ch. 2A §2.A.22): YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]. TS fields
 * (OBX-14, OBR-7, MSH-7; §2.A.77) carry it in their first component.
 *
 * Not parseHl7DateTime from @medplum/core: it answers in UTC (the sender's offset is lost, and the
 * contract wants it kept), reads a value without an offset as UTC, and throws on an impossible date
 * instead of saying it is one.
 */
const DTM = /^(\d{4})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:\.\d{1,4})?)?)?)?)?)?([+-]\d{4})?$/;

export interface Dtm {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** Minutes east of UTC, when the value carries +/-ZZZZ. */
  offsetMinutes?: number;
}

/** The parts of a DTM, or undefined when the text is not one (bad shape or impossible clock time). */
export function parseDtm(text: string): Dtm | undefined {
  const match = DTM.exec(text.trim());
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, zone] = match;
  const parts: Dtm = {
    year: Number(y),
    month: mo ? Number(mo) : 1,
    day: d ? Number(d) : 1,
    hour: h ? Number(h) : 0,
    minute: mi ? Number(mi) : 0,
    second: s ? Number(s) : 0,
  };
  if (parts.hour > 23 || parts.minute > 59 || parts.second > 59) return undefined;
  if (zone) {
    const hours = Number(zone.slice(1, 3));
    const minutes = Number(zone.slice(3, 5));
    if (hours > 14 || minutes > 59) return undefined;
    parts.offsetMinutes = (zone[0] === '-' ? -1 : 1) * (hours * 60 + minutes);
  }
  return parts;
}

/**
 * ISO 8601 with an offset. A value without +/-ZZZZ takes MSH-7's offset when MSH-7 has one (the
 * rule of v2.5.1 Ch. 2A §2.A.22/§2.A.75: "the MSH value will be used as the default time zone"),
 * otherwise it is the sender's local time, i.e. the source's configured zone (lib/time).
 * Undefined when the date does not exist (20080230).
 */
export function dtmToIso(parts: Dtm, defaults: { offsetMinutes?: number; timeZone: string }): string | undefined {
  const offsetMinutes = parts.offsetMinutes ?? defaults.offsetMinutes;
  return fromParts({ ...parts, offsetMinutes }, defaults.timeZone);
}

import type { CodeableConcept, Coding } from '@medplum/fhirtypes';
import type { SourceConfig } from '../../lib/sources';
import { toOffsetDateTime } from '../../lib/time';

/**
 * Readers for the FHIR R4 data types the mappers share (http://hl7.org/fhir/R4/datatypes.html).
 * Sources fill these loosely, so each reader returns undefined for anything it cannot read
 * rather than guessing.
 */

/** A string with something in it, trimmed. */
export function nonBlank(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** The first coding of a concept with a code, optionally only from the given systems. */
export function codingOf(concept: CodeableConcept | undefined, systems?: readonly string[]): Coding | undefined {
  return concept?.coding?.find((coding) => nonBlank(coding?.code) && (!systems || systems.includes(coding.system ?? '')));
}

/**
 * What a person reads for a concept: CodeableConcept.text is "the concept as entered or chosen
 * by the user" (http://hl7.org/fhir/R4/datatypes.html#CodeableConcept), so it wins over a coding's display, which is the code system's.
 */
export function textOf(concept: CodeableConcept | undefined): string | undefined {
  return nonBlank(concept?.text) ?? concept?.coding?.map((coding) => nonBlank(coding?.display)).find(Boolean);
}

/** The same, preferring the coding's display (when the code and its label must agree). */
export function displayOf(concept: CodeableConcept | undefined): string | undefined {
  return nonBlank(concept?.coding?.[0]?.display) ?? textOf(concept);
}

export function codeOf(concept: CodeableConcept | undefined): string | undefined {
  return nonBlank(concept?.coding?.[0]?.code);
}

/** A number from a Quantity, ignoring non-numbers a lenient server may pass through. */
export function numberOf(quantity: { value?: number } | undefined): number | undefined {
  const value = quantity?.value;
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** The contract's Int is 32-bit signed (GraphQL §3.5.1). */
const MAX_INT = 2 ** 31 - 1;

/**
 * A whole number from a Quantity (a days supply): a fraction or a value past the contract's Int is
 * not one, and rounding it would state what the source did not, so it is left out (issue #8 §8).
 */
export function wholeNumberOf(quantity: { value?: number } | undefined): number | undefined {
  const value = numberOf(quantity);
  return value !== undefined && Number.isInteger(value) && Math.abs(value) <= MAX_INT ? value : undefined;
}

/** FHIR dateTime allows YYYY and YYYY-MM (http://hl7.org/fhir/R4/datatypes.html#dateTime); a day is the least we place in time. */
const DAY_PRECISION = /^\d{4}-\d{2}-\d{2}/;

/**
 * A FHIR date or dateTime as ISO 8601 with an offset. Values without an offset are the source's
 * local wall-clock time (R4 says a dateTime with a time SHALL carry a zone, but many systems
 * send none), so they are placed in the source's zone.
 */
export function dateTimeOf(value: string | undefined, source: SourceConfig): string | undefined {
  const text = nonBlank(value);
  if (!text || !DAY_PRECISION.test(text)) return undefined;
  return toOffsetDateTime(text, source.timeZone);
}

/** YYYY, YYYY-MM or YYYY-MM-DD at the start of a FHIR date or dateTime (http://hl7.org/fhir/R4/datatypes.html#date). */
const PARTIAL_DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:$|T)/;

/**
 * The calendar date a FHIR date or dateTime names, to the precision the source wrote it: a year
 * (2015), a month (2015-06) or a day. A clinician's "since June 2015" is not the 1st of June;
 * the Date scalar carries these reduced precisions of ISO 8601 as they are (lib/scalars.ts).
 */
export function dateOf(value: string | undefined): string | undefined {
  const text = nonBlank(value);
  const match = text ? PARTIAL_DATE.exec(text) : null;
  if (!match) return undefined;
  const [, year, month, day] = match;
  if (month !== undefined && (Number(month) < 1 || Number(month) > 12)) return undefined;
  if (day !== undefined && (Number(day) < 1 || Number(day) > new Date(Date.UTC(Number(year), Number(month), 0)).getUTCDate())) return undefined;
  return [year, month, day].filter((part) => part !== undefined).join('-');
}

import type { Hl7Context, Hl7Field, Hl7Segment } from '@medplum/core';
import type { LabResultRecord } from '../../schema/records';
import { dtmToIso, parseDtm } from './dtm';
import { unescapeText } from './escaping';
import { ErrorCode, fail, type ErrorLocation } from './rejection';

/** A result as the message gives it; the laboratory (facilityOf(source)) is added on the read side. */
export type LabObservation = Omit<LabResultRecord, 'laboratory'>;

export interface ObxContext {
  /** `${source.id}/${sender tag}/${MSH-10}`: the OBX's position in the message completes the record id. */
  idPrefix: string;
  /** 1-based position of this OBX among the message's OBX segments. */
  ordinal: number;
  /** OBR-7, already read: the observation time when OBX-14 is empty (Ch. 7 §7.4.1.7). */
  obrObservedAt?: string;
  timeDefaults: { offsetMinutes?: number; timeZone: string };
}

/** HL7 table 0085 (observation result status) in v2.5.1. */
const RESULT_STATUS = new Set(['C', 'D', 'F', 'I', 'N', 'O', 'P', 'R', 'S', 'U', 'W', 'X']);

/** Repetitions of OBX-8 are joined with ',' — a character no table 0078 code contains — so "H~POS" reads "H,POS". */
export const FLAG_SEPARATOR = ',';

/**
 * Maps one OBX (v2.5.1 Ch. 7 §7.4.2) to a LabObservation:
 * OBX-3.1 code (LOINC when OBX-3.3 is LN), OBX-3.2 display, OBX-5 value rendered by its OBX-2 type,
 * OBX-6.1 unit, OBX-7 reference range, OBX-8 flags, OBX-11 status, OBX-14 observed at (else OBR-7).
 */
export function observationOf(obx: Hl7Segment, context: ObxContext): LabObservation {
  const at = (field: number): ErrorLocation => ({ segment: 'OBX', sequence: context.ordinal, field });
  const text = (value: string | undefined) => clean(value, obx.context);
  const code = text(obx.getComponent(3, 1));
  if (!code) fail(ErrorCode.REQUIRED_FIELD_MISSING, 'OBX-3 (observation identifier) has no code', at(3));
  // OBX-11 is required (R) and says whether a result is final, preliminary, corrected... A clinician
  // must not see a result without it. Checking it also catches OBX segments whose fields are shifted
  // by stray separators, which would otherwise be stored with a unit as value and a range as flag.
  const status = text(obx.getComponent(11, 1));
  if (!status) fail(ErrorCode.REQUIRED_FIELD_MISSING, 'OBX-11 (result status) is required', at(11));
  if (!RESULT_STATUS.has(status!)) fail(ErrorCode.TABLE_VALUE_NOT_FOUND, 'OBX-11 is not a result status of table 0085', at(11));

  let observedAt = context.obrObservedAt;
  const obx14 = obx.getComponent(14, 1).trim();
  if (obx14) observedAt = timestamp(obx14, context.timeDefaults) ?? fail(ErrorCode.DATA_TYPE, 'OBX-14 is not a valid date/time (DTM)', at(14));

  return dropEmpty({
    id: `${context.idPrefix}/${context.ordinal}`,
    code: code!,
    display: text(obx.getComponent(3, 2)) ?? text(obx.getComponent(3, 5)),
    value: valueOf(obx.getComponent(2, 1).trim().toUpperCase(), obx.getField(5), obx.context),
    unit: text(obx.getComponent(6, 1)) ?? text(obx.getComponent(6, 2)),
    referenceRange: text(obx.getComponent(7, 1)),
    abnormalFlag: joinRepetitions(obx.getField(8), FLAG_SEPARATOR, (rep) => text(rep[0])),
    status,
    observedAt,
  });
}

/** A TS/DTM field's value as ISO 8601 with offset; undefined when it is not a DTM. */
export function timestamp(dtm: string, defaults: ObxContext['timeDefaults']): string | undefined {
  const parts = parseDtm(dtm);
  return parts && dtmToIso(parts, defaults);
}

/**
 * OBX-5 as text, by the value type in OBX-2 (table 0125):
 * - SN (§2.A.71, comparator^num1^separator/suffix^num2): concatenated, `>^11.0` -> ">11.0", `^1^:^128` -> "1:128";
 * - CE/CWE/CNE: the text (component 2), else the alternate text (5), else the code (1);
 * - ED/RP: no value (an encapsulated document or a pointer is not a displayable result);
 * - ST/TX/FT and anything else: the components joined with a space.
 * Repetitions (allowed for most types) are joined with a line break for text types, "; " otherwise.
 */
export function valueOf(type: string, field: Hl7Field | undefined, context: Hl7Context): string | undefined {
  const render = (rep: string[]): string | undefined => {
    const part = (i: number) => clean(rep[i], context);
    switch (type) {
      case 'SN':
        return (rep.slice(0, 4).map((c) => clean(c, context) ?? '').join('') || undefined);
      case 'CE':
      case 'CWE':
      case 'CNE':
        return part(1) ?? part(4) ?? part(0);
      case 'ED':
      case 'RP':
        return undefined;
      default:
        return rep.map((c) => clean(c, context)).filter(Boolean).join(' ') || undefined;
    }
  };
  return joinRepetitions(field, ['ST', 'TX', 'FT'].includes(type) ? '\n' : '; ', render);
}

function joinRepetitions(field: Hl7Field | undefined, separator: string, render: (rep: string[]) => string | undefined): string | undefined {
  const parts = (field?.components ?? []).map(render).filter((p): p is string => !!p);
  return parts.length ? parts.join(separator) : undefined;
}

/** Unescaped and trimmed; empty, and HL7's explicit null `""`, become undefined. */
export function clean(value: string | undefined, context: Hl7Context): string | undefined {
  if (value === undefined || value === '""') return undefined;
  const text = unescapeText(value, context).trim();
  return text === '' ? undefined : text;
}

function dropEmpty<T extends object>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as T;
}

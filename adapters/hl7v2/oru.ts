import { createHash } from 'node:crypto';
import type { Hl7Message } from '@medplum/core';
import type { SourceConfig } from '../../lib/sources';
import { parseDtm } from './dtm';
import { observationOf, timestamp, type LabObservation } from './obx';
import { patientOf, type OruPatient } from './pid';
import { acceptsCodes, isRejection, readHeader } from './header';
import { ErrorCode, RejectedMessage, fail, type Rejection } from './rejection';

export interface PatientResults {
  patient: OruPatient;
  results: LabObservation[];
}

/** A validated ORU^R01: what the store keeps, keyed by (source, sender, controlId). */
export interface OruMessage {
  /** MSH-3 + MSH-4 as sent (sending application and facility): who numbers the control ids. */
  sender: string;
  /** MSH-10. */
  controlId: string;
  /** One entry per PATIENT_RESULT group (PID); labs usually send one. */
  patients: PatientResults[];
  /**
   * SHA-256 of every segment after MSH: tells a resend (same body; some engines rewrite MSH-7 when
   * they resend) from a different message that reuses a control id (a sender whose counter restarted).
   */
  contentHash: string;
}

export type OruOutcome = { ok: true; message: OruMessage } | { ok: false; rejection: Rejection };

/**
 * Validates and maps one message. Acceptance validation of the header first (./header.ts: only
 * ORU^R01 here -> AR otherwise), then the content of the ORU_R01 structure (Ch. 7 §7.3.1: PID,
 * then OBR groups holding OBX) -> AE on the first problem.
 * Pure: no I/O, the same message always gives the same answer and the same record ids.
 */
export function readOru(message: Hl7Message, source: Pick<SourceConfig, 'id' | 'timeZone'>): OruOutcome {
  const header = readHeader(message, acceptsCodes(['ORU^R01']), 'ORU^R01');
  if (isRejection(header)) return { ok: false, rejection: header };
  try {
    return { ok: true, message: { sender: header.sender, controlId: header.controlId, patients: readGroups(message, source, header), contentHash: contentHashOf(message) } };
  } catch (error) {
    if (error instanceof RejectedMessage) return { ok: false, rejection: error.rejection };
    throw error;
  }
}

/**
 * SHA-256 of every segment after MSH: tells a resend (same body; some engines rewrite MSH-7 when
 * they resend) from a different message that reuses a control id.
 */
export const contentHashOf = (message: Hl7Message) => createHash('sha256').update(message.segments.slice(1).map(String).filter(Boolean).join('\r')).digest('hex');

/** Walks the segments: a PID opens a patient group, an OBR an order, each OBX is one result. */
function readGroups(message: Hl7Message, source: Pick<SourceConfig, 'id' | 'timeZone'>, header: Pick<OruMessage, 'sender' | 'controlId'>): PatientResults[] {
  const msh7 = message.segments[0].getComponent(7, 1).trim();
  const sent = msh7 ? parseDtm(msh7) : undefined;
  if (msh7 && !sent) fail(ErrorCode.DATA_TYPE, 'MSH-7 is not a valid date/time (DTM)', { segment: 'MSH', sequence: 1, field: 7 });
  const timeDefaults = { offsetMinutes: sent?.offsetMinutes, timeZone: source.timeZone };
  const idPrefix = `${source.id}/${senderTag(header.sender)}/${header.controlId}`;

  const groups: PatientResults[] = [];
  const count: Record<string, number> = {};
  let order: { observedAt?: string } | undefined;
  for (const segment of message.segments.slice(1)) {
    const sequence = (count[segment.name] = (count[segment.name] ?? 0) + 1);
    const at = (field?: number) => ({ segment: segment.name, sequence, ...(field ? { field } : {}) });
    if (segment.name === 'PID') {
      groups.push({ patient: patientOf(segment, sequence), results: [] });
      order = undefined;
    } else if (segment.name === 'OBR') {
      if (groups.length === 0) fail(ErrorCode.SEGMENT_SEQUENCE, 'OBR comes before any PID', at());
      const obr7 = segment.getComponent(7, 1).trim();
      const observedAt = obr7 ? (timestamp(obr7, timeDefaults) ?? fail(ErrorCode.DATA_TYPE, 'OBR-7 is not a valid date/time (DTM)', at(7))) : undefined;
      order = { observedAt };
    } else if (segment.name === 'OBX') {
      if (!order) fail(ErrorCode.SEGMENT_SEQUENCE, 'OBX comes before any OBR of its patient', at());
      groups.at(-1)!.results.push(observationOf(segment, { idPrefix, ordinal: sequence, obrObservedAt: order!.observedAt, timeDefaults }));
    }
  }
  if (groups.length === 0) fail(ErrorCode.SEGMENT_SEQUENCE, 'the message has no PID segment', { segment: 'PID', sequence: 1 });
  return groups;
}

/**
 * A short, stable tag for the sender in record ids: two senders on one port may both number their
 * messages from 1, and `${source}/${MSH-10}/${n}` alone would then name two results.
 */
export const senderTag = (sender: string) => createHash('sha256').update(sender).digest('hex').slice(0, 8);

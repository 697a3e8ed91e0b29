import { createHash } from 'node:crypto';
import type { Hl7Message, Hl7Segment } from '@medplum/core';
import type { SourceConfig } from '../../lib/sources';
import { parseDtm } from './dtm';
import { observationOf, timestamp, type LabObservation } from './obx';
import { patientOf, type OruPatient } from './pid';
import { ErrorCode, RejectedMessage, fail, reject, type Rejection } from './rejection';

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

/** The only message we accept (MSH-9), version (MSH-12) and processing id (MSH-11, table 0103). */
const ACCEPTED = { type: 'ORU', event: 'R01', version: '2.5.1', processingId: 'P' };

/**
 * Validates and maps one message. Acceptance validation of the header first (v2.5.1 Ch. 2
 * §2.9.2.1: message type, processing id, version -> AR, never acceptable), then the content of the
 * ORU_R01 structure (Ch. 7 §7.3.1: PID, then OBR groups holding OBX) -> AE on the first problem.
 * Pure: no I/O, the same message always gives the same answer and the same record ids.
 */
export function readOru(message: Hl7Message, source: Pick<SourceConfig, 'id' | 'timeZone'>): OruOutcome {
  const msh = message.segments[0];
  if (msh?.name !== 'MSH') return { ok: false, rejection: reject('AR', ErrorCode.SEGMENT_SEQUENCE, 'the message does not start with MSH') };
  const header = acceptHeader(msh);
  if ('ackCode' in header) return { ok: false, rejection: header };
  try {
    const contentHash = createHash('sha256').update(message.segments.slice(1).map(String).filter(Boolean).join('\r')).digest('hex');
    return { ok: true, message: { ...header, patients: readGroups(message, source, header), contentHash } };
  } catch (error) {
    if (error instanceof RejectedMessage) return { ok: false, rejection: error.rejection };
    throw error;
  }
}

/** MSH-10 and MSH-9/11/12 (Ch. 2 §2.14.9). Everything here is answered AR. */
function acceptHeader(msh: Hl7Segment): Rejection | Pick<OruMessage, 'sender' | 'controlId'> {
  const at = (field: number) => ({ segment: 'MSH', sequence: 1, field });
  const controlId = msh.getField(10)?.toString().trim() ?? '';
  if (!controlId) return reject('AR', ErrorCode.REQUIRED_FIELD_MISSING, 'MSH-10 (message control id) is empty', at(10));
  if (msh.getComponent(9, 1).trim() !== ACCEPTED.type) return reject('AR', ErrorCode.UNSUPPORTED_MESSAGE_TYPE, 'only ORU^R01 messages are accepted here', at(9));
  if (msh.getComponent(9, 2).trim() !== ACCEPTED.event) return reject('AR', ErrorCode.UNSUPPORTED_EVENT, 'only ORU^R01 messages are accepted here', at(9));
  // Training and debugging messages (T, D) must never land in a person's record.
  if (msh.getComponent(11, 1).trim() !== ACCEPTED.processingId) return reject('AR', ErrorCode.UNSUPPORTED_PROCESSING_ID, 'only production messages (MSH-11 P) are accepted', at(11));
  if (msh.getComponent(12, 1).trim() !== ACCEPTED.version) return reject('AR', ErrorCode.UNSUPPORTED_VERSION, 'only HL7 version 2.5.1 is accepted', at(12));
  const sender = `${msh.getField(3)?.toString() ?? ''}|${msh.getField(4)?.toString() ?? ''}`;
  return { sender, controlId };
}

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

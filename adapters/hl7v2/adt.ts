import type { Hl7Message } from '@medplum/core';
import { acceptsCodes, isRejection, readHeader } from './header';
import { contentHashOf } from './oru';
import { identifiersIn, patientOf, type OruPatient } from './pid';
import { ErrorCode, RejectedMessage, fail, type Rejection } from './rejection';

/** What every patient administration event we take carries: its key, and a hash of its body. */
export interface PatientEventHeader {
  sender: string;
  controlId: string;
  contentHash: string;
}

/** ADT^A08: the person's identifiers as the source now has them (PID-3). */
export interface PatientUpdate extends PatientEventHeader {
  event: 'A08';
  patient: OruPatient;
}

/** One PID/MRG pair of an ADT^A40: MRG-1's identifiers are merged into PID-3's. */
export interface Merge {
  survivor: OruPatient;
  prior: OruPatient;
}

/** ADT^A40: merges at the level of the patient identifier list, one per PATIENT group. */
export interface PatientMerge extends PatientEventHeader {
  event: 'A40';
  merges: Merge[];
}

export type AdtOutcome<T> = { ok: true; message: T } | { ok: false; rejection: Rejection };

/**
 * ADT^A08, update patient information (v2.5.1 Ch. 3 §3.3.8, structure ADT_A01): what we read is
 * PID-3 (./pid.ts). PID is required (AE 100 without it); segments we do not read (EVN, PD1, PV1, …)
 * are passed over unchecked.
 */
export function readA08(message: Hl7Message): AdtOutcome<PatientUpdate> {
  return read(message, 'ADT^A08', (segments) => {
    const pids = segments.filter((s) => s.name === 'PID');
    if (pids.length === 0) fail(ErrorCode.SEGMENT_SEQUENCE, 'the message has no PID segment', { segment: 'PID', sequence: 1 });
    if (pids.length > 1) fail(ErrorCode.SEGMENT_SEQUENCE, 'ADT^A08 holds one PID', { segment: 'PID', sequence: 2 });
    return { event: 'A08' as const, patient: patientOf(pids[0], 1) };
  });
}

/**
 * ADT^A40, merge patient - patient identifier list (v2.5.1 Ch. 3 §3.3.40, structure ADT_A39:
 * MSH EVN {PID [PD1] MRG [PV1]}): in each group, the identifiers of MRG-1 (the prior, non-surviving
 * patient) are merged into those of PID-3 (the survivor). Each PID needs its MRG (AE 100), each
 * MRG-1 an MR or a NAM that PID-3 does not name already (AE 101): a merge of a patient into
 * themself says nothing.
 */
export function readA40(message: Hl7Message): AdtOutcome<PatientMerge> {
  return read(message, 'ADT^A40', (segments) => {
    const merges: Merge[] = [];
    let survivor: OruPatient | undefined;
    const count: Record<string, number> = {};
    for (const segment of segments) {
      const sequence = (count[segment.name] = (count[segment.name] ?? 0) + 1);
      if (segment.name === 'PID') {
        if (survivor) fail(ErrorCode.SEGMENT_SEQUENCE, 'a PID has no MRG', { segment: 'PID', sequence: sequence - 1 });
        survivor = patientOf(segment, sequence);
      } else if (segment.name === 'MRG') {
        if (!survivor) fail(ErrorCode.SEGMENT_SEQUENCE, 'MRG comes before its PID', { segment: 'MRG', sequence });
        const named = identifiersIn(segment, 1, sequence, 'prior patient identifier list');
        const prior: OruPatient = { localIds: named.localIds.filter((id) => !survivor!.localIds.includes(id)) };
        if (named.nam && named.nam !== survivor!.nam) prior.nam = named.nam;
        if (!prior.nam && prior.localIds.length === 0) fail(ErrorCode.REQUIRED_FIELD_MISSING, 'MRG-1 names no identifier other than those of PID-3', { segment: 'MRG', sequence, field: 1 });
        merges.push({ survivor: survivor!, prior });
        survivor = undefined;
      }
    }
    if (survivor) fail(ErrorCode.SEGMENT_SEQUENCE, 'a PID has no MRG', { segment: 'PID', sequence: count.PID });
    if (merges.length === 0) fail(ErrorCode.SEGMENT_SEQUENCE, 'the message has no PID segment', { segment: 'PID', sequence: 1 });
    return { event: 'A40' as const, merges };
  });
}

function read<T>(message: Hl7Message, code: string, body: (segments: Hl7Message['segments']) => T): AdtOutcome<T & PatientEventHeader> {
  const header = readHeader(message, acceptsCodes([code]), code);
  if (isRejection(header)) return { ok: false, rejection: header };
  try {
    return { ok: true, message: { sender: header.sender, controlId: header.controlId, contentHash: contentHashOf(message), ...body(message.segments.slice(1)) } };
  } catch (error) {
    if (error instanceof RejectedMessage) return { ok: false, rejection: error.rejection };
    throw error;
  }
}

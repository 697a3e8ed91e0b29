import type { Hl7Message, Hl7Segment } from '@medplum/core';
import type { SourceConfig } from '../../lib/sources';
import { dispenseOf, type Dispense, type PharmacyOrder } from './dispense';
import { parseDtm } from './dtm';
import { acceptsCodes, isRejection, readHeader } from './header';
import { contentHashOf } from './oru';
import { patientOf, type OruPatient } from './pid';
import { ErrorCode, RejectedMessage, fail, type Rejection } from './rejection';

/** A validated RDS^O13: what the dispense store keeps, keyed by (source, sender, MSH-10). */
export interface DispenseMessage {
  /** MSH-3 + MSH-4 as sent: who numbers the control ids. */
  sender: string;
  /** MSH-10. */
  controlId: string;
  /** Whom the dispenses are for (PID-3, ./pid.ts). */
  patient: OruPatient;
  /** One per ORDER group (ORC … RXD), in message order. */
  dispenses: Dispense[];
  /** SHA-256 of every segment after MSH: a resend (same body) from a reuse of a control id. */
  contentHash: string;
}

export type RdsOutcome = { ok: true; message: DispenseMessage } | { ok: false; rejection: Rejection };

/**
 * Validates and maps one RDS^O13 (v2.5.1 Ch. 4 §4.13.7, pharmacy/treatment dispense):
 *
 *   MSH [SFT] [NTE] [PID [PD1] [NTE] [AL1] [PV1 [PV2]]]
 *   { ORC [{TQ1 [TQ2]}] [RXO [NTE] {RXR} [RXC]] [RXE [NTE] {TQ1 [TQ2]} {RXR} [RXC]] RXD [NTE] {RXR} [RXC] [{OBX [NTE]}] [FT1] }
 *
 * The PATIENT group is optional in the standard; here it is required (a dispense must be filed
 * under someone): AE 100 without it. Each ORDER group must end in its RXD. Segments we do not
 * read (SFT, NTE, PD1, AL1, PV1, PV2, TQ2, RXR, RXC, OBX, FT1) are passed over unchecked.
 * Pure: no I/O; the same message always gives the same answer and the same record ids.
 */
export function readRds(message: Hl7Message, source: Pick<SourceConfig, 'id' | 'timeZone'>): RdsOutcome {
  const header = readHeader(message, acceptsCodes(['RDS^O13']), 'RDS^O13');
  if (isRejection(header)) return { ok: false, rejection: header };
  try {
    const msh7 = message.segments[0].getComponent(7, 1).trim();
    const sent = msh7 ? parseDtm(msh7) : undefined;
    if (msh7 && !sent) fail(ErrorCode.DATA_TYPE, 'MSH-7 is not a valid date/time (DTM)', { segment: 'MSH', sequence: 1, field: 7 });
    const { patient, orders } = walk(message.segments.slice(1));
    const timeDefaults = { offsetMinutes: sent?.offsetMinutes, timeZone: source.timeZone };
    const dispenses = orders.map((order) => dispenseOf(order, { sourceId: source.id, timeDefaults, patient }));
    return { ok: true, message: { sender: header.sender, controlId: header.controlId, patient, dispenses, contentHash: contentHashOf(message) } };
  } catch (error) {
    if (error instanceof RejectedMessage) return { ok: false, rejection: error.rejection };
    throw error;
  }
}

/** The PATIENT group's PID and the ORDER groups, in order; AE 100 when the structure is not RDS_O13's. */
function walk(segments: readonly Hl7Segment[]): { patient: OruPatient; orders: PharmacyOrder[] } {
  let patient: OruPatient | undefined;
  const orders: PharmacyOrder[] = [];
  const count: Record<string, number> = {};
  for (const segment of segments) {
    const sequence = (count[segment.name] = (count[segment.name] ?? 0) + 1);
    const at = { segment: segment.name, sequence };
    const order = orders.at(-1);
    switch (segment.name) {
      case 'PID':
        if (patient) fail(ErrorCode.SEGMENT_SEQUENCE, 'RDS^O13 holds one PID', at);
        if (order) fail(ErrorCode.SEGMENT_SEQUENCE, 'PID comes after an ORC', at);
        patient = patientOf(segment, sequence);
        break;
      case 'ORC':
        if (order && !order.rxd) fail(ErrorCode.SEGMENT_SEQUENCE, 'an ORDER group ends without its RXD', { segment: 'ORC', sequence: sequence - 1 });
        orders.push({ orc: segment, sequence, timing: [], encodedTiming: [] });
        break;
      case 'TQ1':
        // TIMING follows ORC; TIMING_ENCODED follows RXE. After RXD there is none.
        if (!order) fail(ErrorCode.SEGMENT_SEQUENCE, 'TQ1 comes before any ORC', at);
        if (!order!.rxd) (order!.rxe ? order!.encodedTiming : order!.timing).push({ segment, sequence });
        break;
      case 'RXO':
      case 'RXE':
      case 'RXD':
        if (!order) fail(ErrorCode.SEGMENT_SEQUENCE, `${segment.name} comes before any ORC`, at);
        if (order!.rxd) fail(ErrorCode.SEGMENT_SEQUENCE, `${segment.name} comes after the RXD of its ORDER group`, at);
        if (segment.name === 'RXO' && order!.rxe) fail(ErrorCode.SEGMENT_SEQUENCE, 'RXO comes after RXE', at);
        if (segment.name === 'RXD') order!.rxd = { segment, sequence };
        else {
          const key = segment.name === 'RXO' ? 'rxo' : 'rxe';
          if (order![key]) fail(ErrorCode.SEGMENT_SEQUENCE, `an ORDER group holds two ${segment.name}`, at);
          order![key] = segment;
        }
        break;
    }
  }
  if (!patient) fail(ErrorCode.SEGMENT_SEQUENCE, 'the message has no PID segment', { segment: 'PID', sequence: 1 });
  if (orders.length === 0) fail(ErrorCode.SEGMENT_SEQUENCE, 'the message has no ORDER group (ORC … RXD)', { segment: 'ORC', sequence: 1 });
  if (!orders.at(-1)!.rxd) fail(ErrorCode.SEGMENT_SEQUENCE, 'an ORDER group ends without its RXD', { segment: 'ORC', sequence: orders.at(-1)!.sequence });
  return { patient: patient!, orders };
}

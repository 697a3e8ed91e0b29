import type { Hl7Message, Hl7Segment } from '@medplum/core';
import { ErrorCode, reject, type Rejection } from './rejection';

/** What every message handler needs from MSH, once acceptance validation has passed. */
export interface MessageHeader {
  /** MSH-3 + MSH-4 as sent (sending application and facility): who numbers the control ids. */
  sender: string;
  /** MSH-10. */
  controlId: string;
  /** MSH-9.1 (table 0076) and MSH-9.2 (table 0003), trimmed: `ORU`, `R01`. */
  type: string;
  event: string;
}

/** The version (MSH-12) and processing id (MSH-11, table 0103) every feed must carry. */
const ACCEPTED = { version: '2.5.1', processingId: 'P' };

/**
 * Acceptance validation of MSH (v2.5.1 Ch. 2 §2.9.2.1 step 2): control id, message type and event
 * (`accepts`: what this listener's source takes), processing id, version. Every problem here is AR:
 * sent again unchanged, the message would be refused again. The order of the checks is the order
 * in which a sender's operators would fix them.
 */
export function readHeader(message: Hl7Message, accepts: (type: string, event: string) => 'yes' | 'type' | 'event', acceptedText: string): MessageHeader | Rejection {
  const msh = message.segments[0];
  if (msh?.name !== 'MSH') return reject('AR', ErrorCode.SEGMENT_SEQUENCE, 'the message does not start with MSH');
  const at = (field: number) => ({ segment: 'MSH', sequence: 1, field });
  const controlId = msh.getField(10)?.toString().trim() ?? '';
  if (!controlId) return reject('AR', ErrorCode.REQUIRED_FIELD_MISSING, 'MSH-10 (message control id) is empty', at(10));
  const type = msh.getComponent(9, 1).trim();
  const event = msh.getComponent(9, 2).trim();
  const accepted = accepts(type, event);
  // Table 0357: 200 when no message of that type is taken here, 201 when the type is but not that event.
  if (accepted === 'type') return reject('AR', ErrorCode.UNSUPPORTED_MESSAGE_TYPE, `only ${acceptedText} messages are accepted here`, at(9));
  if (accepted === 'event') return reject('AR', ErrorCode.UNSUPPORTED_EVENT, `only ${acceptedText} messages are accepted here`, at(9));
  // Training and debugging messages (T, D) must never land in a person's record.
  if (msh.getComponent(11, 1).trim() !== ACCEPTED.processingId) return reject('AR', ErrorCode.UNSUPPORTED_PROCESSING_ID, 'only production messages (MSH-11 P) are accepted', at(11));
  if (msh.getComponent(12, 1).trim() !== ACCEPTED.version) return reject('AR', ErrorCode.UNSUPPORTED_VERSION, 'only HL7 version 2.5.1 is accepted', at(12));
  return { sender: senderOf(msh), controlId, type, event };
}

export const isRejection = (value: MessageHeader | Rejection): value is Rejection => 'ackCode' in value;

const senderOf = (msh: Hl7Segment) => `${msh.getField(3)?.toString() ?? ''}|${msh.getField(4)?.toString() ?? ''}`;

/** Whether `type^event` is among `codes` (`['ORU^R01', …]`), as readHeader's `accepts` wants it. */
export function acceptsCodes(codes: readonly string[]): (type: string, event: string) => 'yes' | 'type' | 'event' {
  return (type, event) => (codes.includes(`${type}^${event}`) ? 'yes' : codes.some((code) => code.startsWith(`${type}^`)) && type !== '' ? 'event' : 'type');
}

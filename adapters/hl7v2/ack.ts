import { randomBytes } from 'node:crypto';
import { Hl7Context, Hl7Message, Hl7Segment } from '@medplum/core';
import { DateTime } from 'luxon';
import { escapeText } from './escaping';
import { ERROR_TEXT, type ErrorLocation, type Rejection } from './rejection';

export type AckOutcome = { ackCode: 'AA'; text?: string } | Rejection;

/**
 * The original-mode acknowledgment (v2.5.1 Ch. 2 §2.9.2, message ACK §2.14.1): MSH, MSA and, when
 * the message is not accepted, ERR (§2.14.5). Texts are our fixed phrases, never message content.
 *
 * Built on Hl7Message.buildAck (@medplum/core), which mirrors MSH-3..6 (sender and receiver
 * swapped), MSH-9 (ACK^R01^ACK), MSH-12 and MSA-2. Three things it does not do are fixed here:
 * - MSA-3 is a fixed "Application Error"; the sender's operators need the reason there;
 * - MSH-7 is written in UTC without an offset, which a receiver reads as its local time;
 * - MSH-10 is Date.now(), the same for two ACKs in one millisecond.
 * When the message could not be parsed at all there is nothing to mirror: a bare ACK is built.
 */
export function buildAck(message: Hl7Message | undefined, outcome: AckOutcome, timeZone: string): Hl7Message {
  const context = message?.context ?? new Hl7Context();
  const errSegment = outcome.ackCode === 'AA' ? undefined : errOf(outcome, context);
  const ack = message
    ? message.buildAck({ ackCode: outcome.ackCode, errSegment })
    : new Hl7Message([new Hl7Segment(['MSH', context.getMsh2(), '', '', '', '', '', '', 'ACK', '', 'P', '2.5.1'], context), new Hl7Segment(['MSA', outcome.ackCode, ''], context), ...(errSegment ? [errSegment] : [])], context);
  const msh = ack.getSegment('MSH')!;
  msh.setField(7, DateTime.now().setZone(timeZone).toFormat('yyyyLLddHHmmssZZZ'));
  msh.setField(10, `ACK${randomBytes(8).toString('hex')}`.slice(0, 20));
  if (!msh.getComponent(12, 1)) msh.setField(12, '2.5.1');
  const text = outcome.ackCode === 'AA' ? (outcome.text ?? 'OK') : outcome.reason;
  ack.getSegment('MSA')!.setField(3, escapeText(text, context));
  return ack;
}

/**
 * ERR (§2.14.5): ERR-2 where (ERL), ERR-3 the table 0357 code as CWE (code^text^HL70357), ERR-4
 * severity E (table 0516), ERR-8 the same words as MSA-3 for the sender's operators.
 */
function errOf(rejection: Rejection, context: Hl7Context): Hl7Segment {
  const c = context.componentSeparator;
  const code = [String(rejection.errorCode), ERROR_TEXT[rejection.errorCode], 'HL70357'].join(c);
  return new Hl7Segment(['ERR', '', locationText(rejection.location, c), code, 'E', '', '', '', escapeText(rejection.reason, context)], context);
}

function locationText(location: ErrorLocation | undefined, c: string): string {
  if (!location) return '';
  const parts = [location.segment, location.sequence, location.field, location.field ? (location.repetition ?? 1) : undefined, location.component];
  return parts.map((p) => (p === undefined ? '' : String(p))).join(c).replace(new RegExp(`\\${c}+$`), '');
}

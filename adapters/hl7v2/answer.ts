/**
 * What the listener answers to one MLLP block (HL7 v2.5.1 Ch. 2 §2.9.2, original acknowledgment
 * mode): the text is decoded strictly in its MSH-18 set, validated, stored, and only after that
 * commit acknowledged AA. Every path ends in an ACK; nothing here throws. Each answer is logged
 * once with the source, a hash of the control id and the outcome, never content.
 */
import { createHash } from 'node:crypto';
import { Hl7Message } from '@medplum/core';
import type { Logger } from '../../lib/logger';
import type { SourceConfig } from '../../lib/sources';
import type { CrossReference } from '../port';
import { buildAck, type AckOutcome } from './ack';
import { decodeMessage, firstSegment, type Charset } from './charset';
import type { LabMessageStore } from './lab-store';
import { readOru, type OruMessage } from './oru';
import { ErrorCode, reject } from './rejection';

export interface AnswerContext {
  source: SourceConfig;
  /** Stores each message (and PID-3's links, the locator entries) in one transaction with others; ./lab-store.ts. */
  store: LabMessageStore;
  /** Gives MR-only messages the NAM the cross-reference already knows for their MR. */
  xref: Pick<CrossReference, 'namFor'>;
  logger: Logger;
  /** Told the ACK code of every answer (ops/metrics.ts counts them by source and code). */
  onAck?: (sourceId: string, ackCode: string) => void;
}

/** The ACK payload (to be framed) for one complete block, in the block's own character set. */
export async function answerFrame(payload: Buffer, context: AnswerContext): Promise<Buffer> {
  const header = headerOf(payload);
  // Not HL7 at all: AR, whatever its bytes (there is no MSH-18 to read them by).
  if (!header) return encode(reply(undefined, NOT_HL7, context), 'latin1');
  const decoded = decodeMessage(payload);
  if (!decoded.ok) return encode(reply(header, decoded.rejection, context), 'latin1');
  const ack = await handle(decoded.text, context);
  // §2.15.9.18: the ACK says which set it is written in, as the message did.
  if (decoded.declared) ack.getSegment('MSH')!.setField(18, decoded.declared);
  return encode(ack, decoded.charset);
}

/**
 * The NAK for a block larger than the listener accepts: AR (sent again unchanged, it will be
 * refused again), MSA-2 taken from the MSH the deframer kept, so the sender can match it.
 */
export function answerOversize(header: Buffer, maxFrameBytes: number, context: AnswerContext): Buffer {
  const message = headerOf(header);
  const outcome = reject('AR', ErrorCode.VALUE_TOO_LONG, `the message is larger than this listener accepts (${maxFrameBytes} bytes); it was not read`);
  return encode(reply(message, outcome, context, { error: ErrorCode.VALUE_TOO_LONG, limit: maxFrameBytes }), 'latin1');
}

const NOT_HL7 = reject('AR', ErrorCode.SEGMENT_SEQUENCE, 'the message does not start with MSH');

/** Validate, store, answer. */
async function handle(text: string, context: AnswerContext): Promise<Hl7Message> {
  let message: Hl7Message | undefined;
  try {
    message = Hl7Message.parse(text.replace(/^[\r\n]+/, ''));
  } catch {
    return reply(undefined, NOT_HL7, context);
  }
  try {
    const read = readOru(message, context.source);
    if (!read.ok) return reply(message, read.rejection, context);
    await fillNamsFromXref(read.message, context);
    let saved;
    try {
      saved = await context.store.saveMessage(context.source.id, read.message);
    } catch (error) {
      // Never AA without the rows on disk: AE so the sender keeps the message and sends it again.
      return reply(message, reject('AE', ErrorCode.INTERNAL, 'the message could not be stored; send it again'), context, { failure: failureOf(error) });
    }
    if (saved === 'conflict') return reply(message, reject('AE', ErrorCode.DUPLICATE_KEY, 'MSH-10 was already used by this sender for another message', { segment: 'MSH', sequence: 1, field: 10 }), context);
    const results = read.message.patients.reduce((n, p) => n + p.results.length, 0);
    return reply(message, { ackCode: 'AA', text: saved === 'duplicate' ? 'already received; stored once' : 'OK' }, context, { results, duplicate: saved === 'duplicate' });
  } catch (error) {
    return reply(message, reject('AE', ErrorCode.INTERNAL, 'the message could not be processed; send it again'), context, { failure: failureOf(error) });
  }
}

/** Logs the outcome (never content) and builds the ACK. */
function reply(message: Hl7Message | undefined, outcome: AckOutcome, { source, logger, onAck }: AnswerContext, fields: Record<string, unknown> = {}): Hl7Message {
  onAck?.(source.id, outcome.ackCode);
  const controlId = message?.header.getField(10)?.toString();
  const level = outcome.ackCode === 'AA' ? 'info' : 'warn';
  logger[level](
    { source: source.id, control: controlId ? digest(controlId) : undefined, ack: outcome.ackCode, ...(outcome.ackCode !== 'AA' ? { error: outcome.errorCode, reason: outcome.reason } : {}), ...fields },
    'lab message',
  );
  return buildAck(message, outcome, source.timeZone);
}

/**
 * MSH alone, read byte for byte (latin1) from a block whose text cannot be decoded: the ACK then
 * mirrors MSH-3..6 and MSH-10 and, written in latin1 too, gives the sender back its own bytes.
 */
function headerOf(payload: Buffer): Hl7Message | undefined {
  try {
    const message = Hl7Message.parse(firstSegment(payload).toString('latin1'));
    return message.header?.name === 'MSH' ? message : undefined;
  } catch {
    return undefined;
  }
}

const encode = (ack: Hl7Message, charset: Charset) => Buffer.from(`${ack.toString()}\r`, charset === 'utf8' ? 'utf8' : 'latin1');

/**
 * An MR-only group whose MR the cross-reference already knows is stored with that NAM. When its MRs
 * point at different people, or the index cannot answer, it is stored under the MRs alone: nothing
 * is lost, and the read side can still find it by local id.
 */
async function fillNamsFromXref(message: OruMessage, { source, xref, logger }: AnswerContext): Promise<void> {
  for (const group of message.patients) {
    if (group.patient.nam || group.patient.localIds.length === 0) continue;
    try {
      const nams = new Set((await Promise.all(group.patient.localIds.map((id) => xref.namFor(source.id, id)))).filter((n): n is string => !!n));
      if (nams.size === 1) group.patient = { ...group.patient, nam: [...nams][0] };
    } catch (error) {
      logger.warn({ source: source.id, failure: failureOf(error) }, 'cross-reference lookup failed; results kept under the local id');
    }
  }
}

const digest = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 12);

/** A loggable name for an error: a driver's code or the class, never its message (it may quote values). */
const failureOf = (error: unknown) => (error as { code?: string })?.code ?? (error as Error)?.name ?? 'Error';

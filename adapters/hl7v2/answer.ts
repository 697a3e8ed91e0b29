/**
 * What the listener answers to one MLLP block (HL7 v2.5.1 Ch. 2 §2.9.2, original acknowledgment
 * mode): the text is decoded strictly in its MSH-18 set, validated, stored, and only after that
 * commit acknowledged AA. Every path ends in an ACK; nothing here throws. Each answer is logged
 * once with the source, a hash of the control id and the outcome, never content.
 */
import { createHash } from 'node:crypto';
import { Hl7Message } from '@medplum/core';
import { buildAck, type AckOutcome } from './ack';
import { decodeMessage, firstSegment, type Charset } from './charset';
import { failureOf, type AnswerContext, type MessageHandler } from './handler';
import { handlersFor } from './handlers';
import { acceptsCodes, isRejection, readHeader } from './header';
import { ErrorCode, reject } from './rejection';

export type { AnswerContext } from './handler';

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

/** Dispatch on MSH-9 (./handlers), then validate, store, answer. */
async function handle(text: string, context: AnswerContext): Promise<Hl7Message> {
  let message: Hl7Message | undefined;
  try {
    message = Hl7Message.parse(text.replace(/^[\r\n]+/, ''));
  } catch {
    return reply(undefined, NOT_HL7, context);
  }
  const handlers = handlersFor(context);
  const codes = handlers.map((h) => h.code);
  const header = readHeader(message, acceptsCodes(codes), listOf(codes));
  if (isRejection(header)) return reply(message, header, context);
  const handler = handlers.find((h) => h.code === `${header.type}^${header.event}`)!;
  try {
    const { outcome, fields } = await handler.handle(message, header, context);
    return reply(message, outcome, context, fields, handler);
  } catch (error) {
    return reply(message, reject('AE', ErrorCode.INTERNAL, 'the message could not be processed; send it again'), context, { failure: failureOf(error) }, handler);
  }
}

/** `ORU^R01`, `ORU^R01 or ADT^A08`, `ORU^R01, ADT^A08 or ADT^A40`. */
const listOf = (codes: string[]) => (codes.length < 2 ? (codes[0] ?? 'no') : `${codes.slice(0, -1).join(', ')} or ${codes.at(-1)}`);

/** Logs the outcome (never content) and builds the ACK (the handler's own response type when it has one). */
function reply(message: Hl7Message | undefined, outcome: AckOutcome, { source, logger, onAck }: AnswerContext, fields: Record<string, unknown> = {}, handler?: MessageHandler): Hl7Message {
  onAck?.(source.id, outcome.ackCode);
  const controlId = message?.header.getField(10)?.toString();
  const level = outcome.ackCode === 'AA' ? 'info' : 'warn';
  logger[level](
    { source: source.id, control: controlId ? digest(controlId) : undefined, ack: outcome.ackCode, ...(outcome.ackCode !== 'AA' ? { error: outcome.errorCode, reason: outcome.reason } : {}), ...fields },
    handler?.logAs ?? defaultLogAs(source.domain),
  );
  const ack = buildAck(message, outcome, source.timeZone);
  if (handler?.ackType) ack.getSegment('MSH')!.setField(9, handler.ackType);
  return ack;
}

/** The log line of a message no handler took, named as the source's feed is. */
const defaultLogAs = (domain: string) => (domain === 'MEDICATIONS' ? 'pharmacy message' : domain === 'LAB_RESULTS' ? 'lab message' : 'hl7 message');

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

const digest = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 12);

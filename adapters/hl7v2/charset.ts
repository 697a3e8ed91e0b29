/**
 * The character set of a message, from MSH-18 (HL7 v2.5.1 Ch. 2 §2.15.9.18, table 0211), and its
 * strict decoding: text that is not valid in the declared set is refused, never repaired. A
 * decoder that substitutes U+FFFD would store "Cr\uFFFDatinine" under a person's record and
 * acknowledge it AA, and the sender would never learn that its interface is misconfigured.
 */
import { ErrorCode, reject, type ErrorLocation, type Rejection } from './rejection';

/** Node's names of the sets we accept (Buffer encodings). */
export type Charset = 'utf8' | 'latin1' | 'ascii';

/**
 * The table 0211 values we accept. Empty MSH-18 means ASCII for HL7 (§2.15.9.18); we read it as
 * UTF-8, its superset, since most senders that leave it empty send UTF-8.
 */
const ACCEPTED: Record<string, Charset> = { '': 'utf8', 'UNICODE UTF-8': 'utf8', '8859/1': 'latin1', ASCII: 'ascii' };

const CR = 0x0d;
const LF = 0x0a;

/**
 * MSH-18's repetitions as sent, read from the raw bytes: MSH's delimiters and the table 0211
 * values are ASCII in every set we could be sent. Undefined when the frame does not start with MSH.
 */
function msh18Of(payload: Buffer): string[] | undefined {
  const msh = firstSegment(payload).toString('latin1');
  if (!msh.startsWith('MSH') || msh.length < 8) return undefined;
  const [fieldSeparator, repetitionSeparator] = [msh[3], msh[5]];
  // MSH-1 is the field separator itself, so MSH-n sits at index n - 1 of the split.
  return (msh.split(fieldSeparator)[17] ?? '').split(repetitionSeparator).map((r) => r.trim());
}

/** MSH-18 as sent (its first repetition); undefined when the frame does not start with MSH. */
export const declaredCharset = (payload: Buffer): string | undefined => msh18Of(payload)?.[0];

/** The set to decode the payload with; undefined when MSH-18 names one we do not accept. */
export function charsetOf(payload: Buffer): Charset | undefined {
  return ACCEPTED[(declaredCharset(payload) ?? '').toUpperCase()];
}

export type DecodedMessage = { ok: true; text: string; charset: Charset; declared: string } | { ok: false; rejection: Rejection };

/** Text we can trust, or the AE that says why not (the reason names the set, never the bytes). */
export function decodeMessage(payload: Buffer): DecodedMessage {
  const [declared = '', ...extensions] = msh18Of(payload) ?? [];
  const charset = ACCEPTED[declared.toUpperCase()];
  const at = { segment: 'MSH', sequence: 1, field: 18 };
  if (!charset) return { ok: false, rejection: reject('AE', ErrorCode.TABLE_VALUE_NOT_FOUND, 'MSH-18 names a character set this listener does not accept (UNICODE UTF-8, 8859/1 or ASCII)', at) };
  // Further repetitions ask for ISO 2022 code extensions (§2.15.9.18 with MSH-20): not supported.
  if (extensions.some((r) => r !== '')) return { ok: false, rejection: reject('AE', ErrorCode.TABLE_VALUE_NOT_FOUND, 'MSH-18 asks for character set code extensions, which this listener does not accept', at) };
  const invalid = invalidSegment(payload, charset);
  if (invalid) return { ok: false, rejection: reject('AE', ErrorCode.DATA_TYPE, `the message holds bytes that are not valid ${NAME[charset]} (MSH-18)`, invalid.location) };
  return { ok: true, text: decode(payload, charset), charset, declared };
}

const NAME: Record<Charset, string> = { utf8: 'UTF-8', latin1: 'ISO 8859-1', ascii: 'ASCII' };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Whether the bytes are valid in the set:
 * - UTF-8: the WHATWG decoder with fatal: true (overlong forms, surrogates, truncated sequences);
 * - ISO 8859-1: table 0211 says "the printable characters" of 8859/1, so 0x80-0x9F (C1 controls,
 *   and the mark of windows-1252 text labelled 8859/1, e.g. 0x92 for an apostrophe) are refused.
 *   Not TextDecoder('iso-8859-1'): the Encoding Standard maps that label to windows-1252, which
 *   accepts every byte and turns 0x80 into "€";
 * - ASCII: 7 bits.
 */
function isValid(bytes: Buffer, charset: Charset): boolean {
  if (charset === 'utf8') {
    try {
      utf8.decode(bytes);
      return true;
    } catch {
      return false;
    }
  }
  // Both refuse from 0x80; ISO 8859-1's printable characters start again at 0xA0.
  const end = charset === 'ascii' ? 0x100 : 0xa0;
  for (const byte of bytes) if (byte >= 0x80 && byte < end) return false;
  return true;
}

/**
 * The first segment holding a byte that is not valid in the set, as ERR-2 (its name and sequence,
 * never the bytes); undefined when every segment is valid. CR is one byte in all three sets and
 * never inside a UTF-8 sequence, so segments can be checked one by one.
 */
function invalidSegment(payload: Buffer, charset: Charset): { location?: ErrorLocation } | undefined {
  const seen: Record<string, number> = {};
  for (let start = 0; start < payload.length; ) {
    const cr = payload.indexOf(CR, start);
    const end = cr < 0 ? payload.length : cr;
    const segment = payload.subarray(start, end);
    start = end + 1;
    const name = /^[\r\n]*([A-Z][A-Z0-9]{2})/.exec(segment.toString('latin1', 0, 8))?.[1];
    const sequence = name ? (seen[name] = (seen[name] ?? 0) + 1) : 0;
    if (!isValid(segment, charset)) return { location: name ? { segment: name, sequence } : undefined };
  }
  return undefined;
}

/** Byte-exact for all three once validated: Buffer's latin1 is the 1:1 ISO 8859-1 mapping. */
function decode(payload: Buffer, charset: Charset): string {
  return charset === 'utf8' ? utf8.decode(payload) : payload.toString('latin1');
}

/** The first segment (MSH), past any CR/LF the sender put before it. */
export function firstSegment(payload: Buffer): Buffer {
  let start = 0;
  while (payload[start] === CR || payload[start] === LF) start++;
  let end = start;
  while (end < payload.length && payload[end] !== CR && payload[end] !== LF) end++;
  return payload.subarray(start, end);
}

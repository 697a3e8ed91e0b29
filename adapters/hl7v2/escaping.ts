import type { Hl7Context } from '@medplum/core';

/**
 * HL7 escape sequences (v2.5.1 Ch. 2 §2.7.4-§2.7.6). @medplum/core splits fields on the delimiters
 * but leaves escape sequences in the text, so a value like `5\T\10` (meaning "5&10") would reach a
 * clinician as sent on the wire. These two functions are the only place that knows the rules.
 */

/** Decodes the escape sequences of one component's text. Formatting commands (\H\, \N\, \.sp\...) are dropped, \.br\ becomes a line break. */
export function unescapeText(text: string, context: Hl7Context): string {
  const e = context.escapeCharacter;
  if (!e || !text.includes(e)) return text;
  const at = new RegExp(`${escapeRegExp(e)}([^${escapeRegExp(e)}]*)${escapeRegExp(e)}`, 'g');
  return text.replace(at, (whole, body: string) => {
    switch (body) {
      case 'F':
        return context.fieldSeparator;
      case 'S':
        return context.componentSeparator;
      case 'T':
        return context.subcomponentSeparator;
      case 'R':
        return context.repetitionSeparator;
      case 'E':
        return e;
      case '.br':
        return '\n';
      case 'H':
      case 'N':
        return '';
    }
    // \Xhh...\ : hexadecimal data (§2.7.4), read as bytes in the message's character set (UTF-8 here).
    if (/^X(?:[0-9A-Fa-f]{2})+$/.test(body)) return Buffer.from(body.slice(1), 'hex').toString('utf8');
    // Other formatting commands (\.sp\, \.in\, \.ti\, \.sk\, \.ce\, \.fi\, \.nf\): layout only.
    if (body.startsWith('.')) return '';
    return whole;
  });
}

/** Encodes text so it travels in one component: what our ACK's MSA-3 and ERR-8 carry. */
export function escapeText(text: string, context: Hl7Context): string {
  const e = context.escapeCharacter || '\\';
  const codes: Record<string, string> = {
    [e]: 'E',
    [context.fieldSeparator]: 'F',
    [context.componentSeparator]: 'S',
    [context.subcomponentSeparator]: 'T',
    [context.repetitionSeparator]: 'R',
  };
  let out = '';
  for (const char of text.replace(/[\r\n]+/g, ' ')) out += codes[char] ? `${e}${codes[char]}${e}` : char;
  return out;
}

const escapeRegExp = (s: string) => s.replace(/[\\^$.*+?()[\]{}|-]/g, '\\$&');

import { parse } from 'lossless-json';

/**
 * FHIR JSON as the server wrote it, decimals included. A FHIR decimal's precision is part of its
 * value: "the precision of the decimal value has significance (e.g. 0.010 is regarded as different
 * to 0.01)" (http://hl7.org/fhir/R4/datatypes.html#decimal), and JSON.parse reads 5.0 as 5. The
 * numbers stay JS numbers (every mapper reads them as such); the text of each one JSON.parse would
 * not give back is kept beside it, by the object and key that hold it, for the few fields shown
 * as text (a lab value, a reference range): see decimalText.
 */

/** object (or array) -> key -> the number's text as sent, for numbers whose text String(n) would not give back. */
const decimalTexts = new WeakMap<object, Map<string, string>>();

/**
 * A number token JSON.parse would rewrite: a trailing zero after the point (5.0, 0.10), an
 * exponent, or more digits than a double keeps. Only where a JSON value can start (after `:`, `,`
 * or `[`), so the dotted numbers of identifiers and URLs in strings (an OID's ".10", a version
 * "4.0") do not send every answer the slow way; a string that happens to hold ": 5.0" is a false
 * alarm that only costs the slower, lossless parse.
 */
const LOSSY_NUMBER = /[:,[]\s*-?(?:\d*\.\d*0(?![\d.])|\d+(?:\.\d+)?[eE]|(?=[\d.]{16,})\d+(?:\.\d+)?(?![\d.]))/;

class DecimalToken {
  constructor(readonly text: string) {}
}

/** Parses a FHIR JSON body (throws SyntaxError like JSON.parse when it is not JSON). */
export function parseFhirJson(text: string): unknown {
  if (!LOSSY_NUMBER.test(text)) return JSON.parse(text);
  return parse(
    text,
    function (this: unknown, key: string, value: unknown) {
      if (!(value instanceof DecimalToken)) return value;
      const holder = this as object;
      let texts = decimalTexts.get(holder);
      if (!texts) decimalTexts.set(holder, (texts = new Map()));
      texts.set(key, value.text);
      return Number(value.text);
    },
    {
      parseNumber: (token) => (String(Number(token)) === token ? Number(token) : new DecimalToken(token)),
      // As JSON.parse: a key given twice keeps its last value (RFC 8259 §4 leaves it to the parser).
      onDuplicateKey: ({ newValue }) => newValue,
    },
  );
}

/**
 * A decimal element's value as the source wrote it: `holder[key]` where holder is the parsed
 * object (e.g. a Quantity and "value"). Undefined when it is not a finite number.
 */
export function decimalText(holder: object | undefined, key: string): string | undefined {
  const value = (holder as Record<string, unknown> | undefined)?.[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  return decimalTexts.get(holder!)?.get(key) ?? String(value);
}

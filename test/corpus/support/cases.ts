import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The corpus of malformed inputs (issue #8 §8), one folder per format under test/corpus:
 * - graphql/, jwt/, nam/: one JSON file per case, saying in `what` what is wrong with it;
 * - hl7v2/, fhir/, dicom-json/: the input as it travels (bytes as sent) in `<case>.<ext>`, and
 *   beside it `<case>.case.json` saying what is wrong and what must happen; `from` instead of a
 *   data file names a real sample outside the corpus (../shared/samples), used as it is.
 * `expect` is what the edge must answer. `pad: { unit, toBytes }` grows a case past a size limit
 * without storing megabytes: the marker @PAD@ in its input is replaced by `unit` repeated until
 * the input holds `toBytes` bytes.
 */
export interface CorpusCase<S = Record<string, any>> {
  name: string;
  what: string;
  expect: any;
  /** The case file (single-file formats) or its sidecar. */
  spec: S;
  /** The input as bytes (sidecar formats). */
  data?: Buffer;
}

export const CORPUS_DIR = join(__dirname, '..');
export const PAD_MARKER = '@PAD@';

/** Every case of one format, in name order. */
export function corpus<S = Record<string, any>>(format: 'graphql' | 'jwt' | 'nam' | 'hl7v2' | 'fhir' | 'dicom-json'): CorpusCase<S>[] {
  const dir = join(CORPUS_DIR, format);
  const files = readdirSync(dir).sort();
  const sidecars = files.filter((file) => file.endsWith('.case.json'));
  if (sidecars.length === 0) {
    return files.filter((file) => file.endsWith('.json')).map((file) => fromSpec(file.replace(/\.json$/, ''), JSON.parse(readFileSync(join(dir, file), 'utf8'))));
  }
  return sidecars.map((file) => {
    const name = file.replace(/\.case\.json$/, '');
    const spec = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    const dataFile = spec.from ? resolve(dir, spec.from) : files.filter((f) => f.startsWith(`${name}.`) && f !== file).map((f) => join(dir, f))[0];
    if (!dataFile || !existsSync(dataFile)) throw new Error(`corpus ${format}/${name}: no input file beside its sidecar`);
    return { ...fromSpec(name, spec), data: padded(readFileSync(dataFile), spec.pad) };
  });
}

function fromSpec<S>(name: string, spec: any): CorpusCase<S> {
  if (typeof spec.what !== 'string' || spec.expect === undefined) throw new Error(`corpus case ${name} must say what is wrong (what) and what must happen (expect)`);
  return { name, what: spec.what, expect: spec.expect, spec };
}

/** The input with @PAD@ replaced by `unit` repeated until it holds `toBytes` bytes (no pad: as it is). */
export function padded(data: Buffer, pad?: { unit: string; toBytes: number }): Buffer {
  if (!pad) return data;
  const at = data.indexOf(PAD_MARKER);
  if (at < 0) throw new Error('a padded corpus case needs @PAD@ in its input');
  const unit = Buffer.from(pad.unit, 'utf8');
  const room = Math.max(0, pad.toBytes - (data.length - PAD_MARKER.length));
  const filler = Buffer.alloc(room, unit);
  return Buffer.concat([data.subarray(0, at), filler, data.subarray(at + PAD_MARKER.length)]);
}

/** Every NAM-shaped word (4 letters, 8 digits, spaces allowed as on the card) in a text. */
export const NAM_SHAPED = /(?<![A-Za-z])[A-Za-z]{4}\s?\d{4}\s?\d{4}(?!\d|-[0-9a-f]{4}-)/g;

/**
 * Reading the DICOM JSON model (DICOM PS3.18 Annex F, §F.2). A dataset is a JSON object keyed by
 * the tag as eight hexadecimal digits (§F.2.1.1), each element `{ "vr": ..., "Value": [...] }`.
 * Readers here accept what real servers send rather than only the letter of the standard:
 * - `Value` may be absent (empty element) or hold `null` entries (§F.2.5, empty values);
 * - IS/DS arrive as JSON numbers or, since CP 1861 and by default in dcm4chee, as strings (§F.2.3);
 * - PN is an object of component groups, `{ "Alphabetic": "Family^Given" }` (§F.2.2);
 * - strings may keep the space (or, for UI, NUL) padding of the binary encoding (PS3.5 §6.2).
 */
export type DicomJsonDataset = Record<string, unknown>;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Whether a value of a QIDO-RS response array can be a dataset (an object, §F.2.1). */
export const isDicomJsonDataset = (value: unknown): value is DicomJsonDataset => isObject(value);

/**
 * The VR PS3.6 gives each attribute the adapters read. An element stating another VR is not that
 * attribute's value (a Patient ID sent as a PN, a Study Instance UID as a sequence): it is read as
 * absent rather than guessed at (issue #8 §8). Elements without a VR are read as before.
 */
const DICTIONARY_VR: Record<string, string> = {
  '00080020': 'DA', // Study Date
  '00080030': 'TM', // Study Time
  '00080050': 'SH', // Accession Number
  '00080061': 'CS', // Modalities in Study
  '00080201': 'SH', // Timezone Offset From UTC
  '00081030': 'LO', // Study Description
  '00100020': 'LO', // Patient ID
  '0020000D': 'UI', // Study Instance UID
  '00201206': 'IS', // Number of Study Related Series
  '00201208': 'IS', // Number of Study Related Instances
};

/** VRs whose values may be JSON numbers (§F.2.3.1: IS, DS and the binary numbers); every other VR is sent as strings, PN as objects. */
const NUMBER_VRS = new Set(['IS', 'DS', 'FL', 'FD', 'SL', 'SS', 'SV', 'UL', 'US', 'UV']);

/** Whether a value has the JSON type its element's VR allows (a UI as a number has lost its digits: 1.20 arrives as 1.2). */
function fitsVr(value: unknown, vr: string | undefined): boolean {
  if (vr === undefined || typeof value === 'string') return true;
  if (typeof value === 'number') return NUMBER_VRS.has(vr);
  return isObject(value) && vr === 'PN';
}

/** The non-null values of an element; tags are upper-case hex (§F.2.1.1) but a lower-case key is tolerated. */
export function valuesOf(dataset: DicomJsonDataset, tag: string): unknown[] {
  const element = dataset[tag] ?? dataset[tag.toLowerCase()];
  if (!isObject(element)) return [];
  const stated = typeof element.vr === 'string' ? element.vr : undefined;
  const expected = DICTIONARY_VR[tag.toUpperCase()];
  if (stated && expected && stated !== expected) return [];
  const values = element.Value;
  return Array.isArray(values) ? values.filter((value) => value !== null && value !== undefined && fitsVr(value, stated ?? expected)) : [];
}

/** One value as text: padding trimmed, numbers as written, a PN by its Alphabetic group. */
function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') {
    const text = value.replace(/^[\s\0]+|[\s\0]+$/g, '');
    return text === '' ? undefined : text;
  }
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (isObject(value)) return textOf(value.Alphabetic);
  return undefined;
}

/** The first non-empty value of an element, as text. */
export function firstString(dataset: DicomJsonDataset, tag: string): string | undefined {
  for (const value of valuesOf(dataset, tag)) {
    const text = textOf(value);
    if (text !== undefined) return text;
  }
  return undefined;
}

/**
 * Every value of a multi-valued element (VM 1-n), e.g. Modalities in Study. A non-conforming
 * server may send one string joined with the PS3.5 §6.4 value delimiter `\`: it is split.
 */
export function allStrings(dataset: DicomJsonDataset, tag: string): string[] {
  return valuesOf(dataset, tag)
    .flatMap((value) => textOf(value)?.split('\\') ?? [])
    .map((text) => text.trim())
    .filter((text) => text !== '');
}

/** The first value of an IS element as an integer, whether sent as a number or a string (§F.2.3). */
export function firstInteger(dataset: DicomJsonDataset, tag: string): number | undefined {
  const text = firstString(dataset, tag);
  if (text === undefined || !/^[+-]?\d+$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}

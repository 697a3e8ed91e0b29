import { ON_REQUEST } from './study-json';

/**
 * A QIDO-RS "Search for Studies" query (DICOM PS3.18 §10.6) as the demo PACS and the bench's
 * imaging centres read it, the way Orthanc's DICOMweb plugin does: the matching keys PatientID
 * and StudyDate, includefield, limit, offset and fuzzymatching. Anything else is refused
 * (StudyQueryError, answered 400), so a client that misspells a key finds out against a test
 * server rather than a hospital.
 */
export interface StudyQuery {
  /** Patient ID as given: a value, or one with `*`/`?` wildcards; absent or empty matches all. */
  patientId?: string;
  /** StudyDate as a range of YYYYMMDD dates; an open end is absent. */
  studyDate?: { from?: string; to?: string };
  /** Tags of the on-request attributes (and any other) the client asked with includefield. */
  include: Set<string>;
  limit?: number;
  offset: number;
}

/** A query the server does not understand; its message never echoes the query (it may name a patient). */
export class StudyQueryError extends Error {}

/** Matching keys supported (a subset of the study-level keys of PS3.18 §10.6), by keyword. */
const MATCHING_KEYS: Readonly<Record<string, string>> = { PatientID: '00100020', StudyDate: '00080020' };
const PATIENT_ID = MATCHING_KEYS.PatientID;
const STUDY_DATE = MATCHING_KEYS.StudyDate;

/** An attribute named by keyword, or by tag as eight hex digits (PS3.18 §8.3.4.1). */
const tagOf = (key: string, keywords: Readonly<Record<string, string>>) =>
  keywords[key] ?? (/^[0-9a-f]{8}$/i.test(key) ? key.toUpperCase() : undefined);

function isRealDate(da: string): boolean {
  const [year, month, day] = [da.slice(0, 4), da.slice(4, 6), da.slice(6)].map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** DA range matching (PS3.4 §C.2.2.2.5): "a", "a-b", "a-" or "-b", dates as YYYYMMDD. */
function dateRangeOf(value: string): StudyQuery['studyDate'] {
  const match = /^(\d{8})?(-)?(\d{8})?$/.exec(value);
  if (!match || (!match[1] && !match[3])) throw new StudyQueryError('StudyDate must be a date or a date range');
  for (const date of [match[1], match[3]]) {
    if (date && !isRealDate(date)) throw new StudyQueryError('StudyDate holds an impossible date');
  }
  return match[2] ? { from: match[1], to: match[3] } : { from: match[1], to: match[1] };
}

/** limit and offset (PS3.18 §8.3.4.4): given once, a whole number of at least `min`. */
function countOf(values: string[], name: string, min: number): number {
  if (values.length !== 1 || !/^\d+$/.test(values[0]) || Number(values[0]) < min) {
    throw new StudyQueryError(`${name} must be given once, as an integer of at least ${min}`);
  }
  return Number(values[0]);
}

/**
 * includefield (PS3.18 §8.3.4.3): `all` (the on-request attributes), or attributes by keyword or
 * tag, comma-separated or repeated. A matching key may be named too (it is then universal
 * matching, PS3.4 §C.2.2.2.3, and returned anyway).
 */
function addIncluded(include: Set<string>, values: string[]): void {
  for (const field of values.flatMap((v) => v.split(','))) {
    if (field === 'all') Object.values(ON_REQUEST).forEach((tag) => include.add(tag));
    else {
      const tag = tagOf(field, { ...ON_REQUEST, ...MATCHING_KEYS });
      if (!tag) throw new StudyQueryError('includefield must name attributes by tag or keyword');
      include.add(tag);
    }
  }
}

/** Reads a Search for Studies query string; throws StudyQueryError for what it does not support. */
export function parseStudyQuery(params: URLSearchParams): StudyQuery {
  const query: StudyQuery = { include: new Set(), offset: 0 };
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    if (key === 'includefield') addIncluded(query.include, values);
    else if (key === 'limit') query.limit = countOf(values, 'limit', 1);
    else if (key === 'offset') query.offset = countOf(values, 'offset', 0);
    else if (key === 'fuzzymatching') {
      if (values.some((v) => v !== 'true' && v !== 'false')) throw new StudyQueryError('fuzzymatching must be true or false');
    } else {
      const tag = tagOf(key, MATCHING_KEYS);
      if (tag !== PATIENT_ID && tag !== STUDY_DATE) throw new StudyQueryError('unsupported query parameter');
      if (values.length !== 1) throw new StudyQueryError('a matching key may be given once');
      if (tag === PATIENT_ID) query.patientId = values[0];
      // An empty value is universal matching (PS3.4 §C.2.2.2.3): no range at all.
      else query.studyDate = values[0] === '' ? undefined : dateRangeOf(values[0]);
    }
  }
  return query;
}

import { LRUCache } from 'lru-cache';
import type { DemoStudy } from '../../demo/pacs-studies';
import type { WorldModel } from './model';
import type { WorldSource } from './province';
import { studiesAt } from './records';
import { ON_REQUEST, studyJson } from './studies';

/** A request to one DICOMweb tenant, `<world>/<source id>/dicom-web/<rest>`. */
export interface QidoRequest {
  method: string;
  rest: string[];
  params: URLSearchParams;
  accept: string | undefined;
  /** The tenant's DICOMweb base as the client reached it (Retrieve URLs are built on it). */
  base: string;
}

export interface QidoAnswer {
  status: number;
  body: unknown;
}

interface StudyQuery {
  patientId?: string;
  from?: string;
  to?: string;
  include: Set<string>;
  limit?: number;
  offset: number;
}

class BadQuery extends Error {}

const MATCHING_KEYS: Record<string, string> = { PatientID: '00100020', StudyDate: '00080020' };
const tagOf = (key: string, keywords: Record<string, string>) => keywords[key] ?? (/^[0-9a-f]{8}$/i.test(key) ? key.toUpperCase() : undefined);

/**
 * QIDO-RS "Search for Studies" (DICOM PS3.18 §10.6) the way the demo PACS and Orthanc answer it:
 * `GET studies` with PatientID (exact, or `*`/`?` wildcards, or absent: every study, which is the
 * roster read), StudyDate (`a`, `a-`, `-b`, `a-b`), includefield, limit and offset; DICOM JSON;
 * 400 for a key it does not support, so a client's typo shows here rather than at a hospital.
 */
export function qidoTenants(model: WorldModel): (source: WorldSource, request: QidoRequest) => QidoAnswer {
  // A roster read asks for every study page after page (offset): the whole list is built once per read, not per page.
  const wholeLists = new LRUCache<string, DemoStudy[]>({ max: 20 });
  const studiesMatching = (source: WorldSource, patientId: string | undefined) => {
    if (patientId && !/[*?]/.test(patientId)) return studiesFor(model, source, patientId);
    const key = `${source.id}|${patientId ?? ''}`;
    let studies = wholeLists.get(key);
    if (!studies) wholeLists.set(key, (studies = studiesFor(model, source, patientId)));
    return studies;
  };

  return (source, { method, rest, params, accept, base }) => {
    if (rest.length !== 1 || rest[0] !== 'studies') return { status: 404, body: { error: 'not found' } };
    if (method !== 'GET' && method !== 'HEAD') return { status: 405, body: { error: 'method not allowed' } };
    if (accept && !/(^|,)\s*(application\/(dicom\+)?json|application\/\*|\*\/\*)\s*(;|,|$)/i.test(accept)) return { status: 406, body: { error: 'only application/dicom+json is offered' } };
    let query: StudyQuery;
    try {
      query = parseQuery(params);
    } catch (error) {
      if (error instanceof BadQuery) return { status: 400, body: { error: error.message } };
      throw error;
    }
    const found = studiesMatching(source, query.patientId).filter((study) => (!query.from || study.studyDate >= query.from) && (!query.to || study.studyDate <= query.to));
    const page = found.slice(query.offset, query.limit === undefined ? undefined : query.offset + query.limit);
    return { status: 200, body: page.map((study) => studyJson(study, base, query.include)) };
  };
}

/** The studies a Patient ID matches (PS3.4 §C.2.2.2): one person for a plain value, else every member whose NAM fits. */
function studiesFor(model: WorldModel, source: WorldSource, patientId: string | undefined): DemoStudy[] {
  if (patientId && !/[*?]/.test(patientId)) {
    const person = model.personOfNam(patientId);
    return person !== undefined && model.holdings.holds(source.index, person) ? studiesAt(model.seed, source, model.people[person]) : [];
  }
  const pattern = patientId ? new RegExp(`^${patientId.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's') : undefined;
  const studies: DemoStudy[] = [];
  for (const person of model.holdings.membersOf(source.index)) {
    if (!pattern || pattern.test(model.people[person].nam)) studies.push(...studiesAt(model.seed, source, model.people[person]));
  }
  return studies;
}

function parseQuery(params: URLSearchParams): StudyQuery {
  const query: StudyQuery = { include: new Set(), offset: 0 };
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    if (key === 'includefield') {
      for (const field of values.flatMap((v) => v.split(','))) {
        if (field === 'all') Object.values(ON_REQUEST).forEach((tag) => query.include.add(tag));
        else {
          const tag = tagOf(field, { ...ON_REQUEST, ...MATCHING_KEYS });
          if (!tag) throw new BadQuery('includefield must name attributes by tag or keyword');
          query.include.add(tag);
        }
      }
    } else if (key === 'limit') query.limit = countOf(values, 'limit', 1);
    else if (key === 'offset') query.offset = countOf(values, 'offset', 0);
    else if (key === 'fuzzymatching') {
      if (values.some((v) => v !== 'true' && v !== 'false')) throw new BadQuery('fuzzymatching must be true or false');
    } else {
      const tag = tagOf(key, MATCHING_KEYS);
      if (tag !== '00100020' && tag !== '00080020') throw new BadQuery('unsupported query parameter');
      if (values.length !== 1) throw new BadQuery('a matching key may be given once');
      if (tag === '00100020') query.patientId = values[0];
      else if (values[0] !== '') Object.assign(query, dateRangeOf(values[0]));
    }
  }
  return query;
}

function countOf(values: string[], name: string, min: number): number {
  if (values.length !== 1 || !/^\d+$/.test(values[0]) || Number(values[0]) < min) throw new BadQuery(`${name} must be given once, as an integer of at least ${min}`);
  return Number(values[0]);
}

/** DA range matching (PS3.4 §C.2.2.2.5): "a", "a-b", "a-" or "-b", dates as YYYYMMDD. */
function dateRangeOf(value: string): { from?: string; to?: string } {
  const match = /^(\d{8})?(-)?(\d{8})?$/.exec(value);
  if (!match || (!match[1] && !match[3])) throw new BadQuery('StudyDate must be a date or a date range');
  for (const date of [match[1], match[3]]) {
    if (!date) continue;
    const [y, m, d] = [date.slice(0, 4), date.slice(4, 6), date.slice(6)].map(Number);
    const real = new Date(Date.UTC(y, m - 1, d));
    if (real.getUTCFullYear() !== y || real.getUTCMonth() !== m - 1 || real.getUTCDate() !== d) throw new BadQuery('StudyDate holds an impossible date');
  }
  return match[2] ? { from: match[1], to: match[3] } : { from: match[1], to: match[1] };
}

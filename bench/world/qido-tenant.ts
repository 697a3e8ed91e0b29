import { LRUCache } from 'lru-cache';
import type { DemoStudy } from '../../demo/pacs-studies';
import { acceptsDicomJson } from '../../demo/qido/dicom-json-accept';
import { studyJson } from '../../demo/qido/study-json';
import { hasWildcards, inStudyDateRange, patientIdMatcher } from '../../demo/qido/study-matching';
import { parseStudyQuery, StudyQueryError, type StudyQuery } from '../../demo/qido/study-query';
import type { WorldModel } from './model';
import type { WorldSource } from './province';
import { studiesAt } from './records';

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

/**
 * QIDO-RS "Search for Studies" (DICOM PS3.18 §10.6) as the demo PACS answers it, with its query
 * reading and DICOM JSON (demo/qido): `GET studies` with PatientID (exact, or `*`/`?` wildcards,
 * or absent: every study, which is the roster read), StudyDate (`a`, `a-`, `-b`, `a-b`),
 * includefield, limit and offset; 400 for a key it does not support, so a client's typo shows
 * here rather than at a hospital.
 */
export function qidoTenants(model: WorldModel): (source: WorldSource, request: QidoRequest) => QidoAnswer {
  // A roster read asks for every study page after page (offset): the whole list is built once per read, not per page.
  const wholeLists = new LRUCache<string, DemoStudy[]>({ max: 20 });
  const studiesMatching = (source: WorldSource, patientId: string | undefined) => {
    if (patientId && !hasWildcards(patientId)) return studiesFor(model, source, patientId);
    const key = `${source.id}|${patientId ?? ''}`;
    let studies = wholeLists.get(key);
    if (!studies) wholeLists.set(key, (studies = studiesFor(model, source, patientId)));
    return studies;
  };

  return (source, { method, rest, params, accept, base }) => {
    if (rest.length !== 1 || rest[0] !== 'studies') return { status: 404, body: { error: 'not found' } };
    if (method !== 'GET' && method !== 'HEAD') return { status: 405, body: { error: 'method not allowed' } };
    if (!acceptsDicomJson(accept)) return { status: 406, body: { error: 'only application/dicom+json is offered' } };
    let query: StudyQuery;
    try {
      query = parseStudyQuery(params);
    } catch (error) {
      if (error instanceof StudyQueryError) return { status: 400, body: { error: error.message } };
      throw error;
    }
    const found = studiesMatching(source, query.patientId).filter((study) => inStudyDateRange(query.studyDate, study.studyDate));
    const page = found.slice(query.offset, query.limit === undefined ? undefined : query.offset + query.limit);
    return { status: 200, body: page.map((study) => studyJson(study, base, query.include)) };
  };
}

/** The studies a Patient ID matches (PS3.4 §C.2.2.2): one person for a plain value, else every member whose NAM fits. */
function studiesFor(model: WorldModel, source: WorldSource, patientId: string | undefined): DemoStudy[] {
  if (patientId && !hasWildcards(patientId)) {
    const person = model.personOfNam(patientId);
    return person !== undefined && model.holdings.holds(source.index, person) ? studiesAt(model.seed, source, model.people[person]) : [];
  }
  const matches = patientIdMatcher(patientId);
  const studies: DemoStudy[] = [];
  for (const person of model.holdings.membersOf(source.index)) {
    if (matches(model.people[person].nam)) studies.push(...studiesAt(model.seed, source, model.people[person]));
  }
  return studies;
}

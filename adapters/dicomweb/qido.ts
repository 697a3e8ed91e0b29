import { fetchJson, type SourceRoute } from '../http';
import { SourceError, type PatientRef, type RecordQuery } from '../port';
import type { SourceConfig } from '../../lib/sources';
import { isOnOrAfter } from '../../lib/time';
import type { ImagingStudyRecord } from '../../schema/records';
import { mapWithConcurrency } from './concurrency';
import { firstString, isDicomJsonDataset, type DicomJsonDataset } from './dicomJson';
import { StudyTag, studyFromDicomJson } from './study';

/**
 * QIDO-RS "Search for Studies" (DICOM PS3.18 §10.6): GET {base}/studies with matching keys as
 * query parameters, answered in the DICOM JSON model (PS3.18 Annex F) for Accept
 * application/dicom+json. Nothing here leans on one server: it is written for Orthanc, dcm4chee,
 * Google Cloud Healthcare and Azure DICOM alike, and checks what it gets back.
 */
export const DICOM_JSON = 'application/dicom+json';

export interface QidoOptions {
  /** Requests in flight at once for one batch (one per patient, see searchImagingStudies). */
  concurrency: number;
  /** `limit` sent with each search (PS3.18 §8.3.4.4); 100 is within every server's own cap we know (Azure's is 200). */
  pageSize: number;
  /** Pages asked per patient at most, so a server that ignores `offset` cannot keep us looping. */
  maxPages: number;
}

export const QIDO_DEFAULTS: QidoOptions = { concurrency: 6, pageSize: 100, maxPages: 10 };

/**
 * Attributes asked with includefield (PS3.18 §8.3.4.3): Study Description is not a default return
 * attribute, and the two counts are not returned by default by Orthanc. Timezone Offset From UTC
 * is deliberately not asked: Orthanc would read every stored file to answer it; it is used when a
 * server returns it anyway.
 */
const INCLUDE_FIELDS = [StudyTag.StudyDescription, StudyTag.NumberOfStudyRelatedSeries, StudyTag.NumberOfStudyRelatedInstances];

/**
 * The study search URL for one patient. `since` (YYYY-MM-DD) becomes a StudyDate range "YYYYMMDD-"
 * (range matching, PS3.4 §C.2.2.2.5). Values are percent-encoded with encodeURIComponent, not as a
 * form, because a `+` in a query string is not a space to every server.
 */
export function studySearchUrl(base: string, patientId: string, page: { since?: string; limit?: number; offset?: number } = {}): string {
  const params: [string, string][] = [['PatientID', patientId], ...INCLUDE_FIELDS.map((tag): [string, string] => ['includefield', tag])];
  if (page.since && /^\d{4}-\d{2}-\d{2}$/.test(page.since)) params.push(['StudyDate', `${page.since.replace(/-/g, '')}-`]);
  if (page.limit) params.push(['limit', String(page.limit)]);
  if (page.offset) params.push(['offset', String(page.offset)]);
  return `${base.replace(/\/+$/, '')}/studies?${params.map(([key, value]) => `${key}=${encodeURIComponent(value)}`).join('&')}`;
}

/**
 * The Patient ID (0010,0020) to send for a person: the NAM, or the source's own id. Patient ID is
 * LO (PS3.5 §6.2: at most 64 characters, no `\`). An id holding `*` or `?` would be read as a
 * wildcard (PS3.4 §C.2.2.2.4) and match other people: such a person is not asked at all.
 */
export function patientIdFor(source: SourceConfig, patient: PatientRef): string | undefined {
  const id = source.patientId === 'nam' ? patient.nam : patient.localId;
  if (!id || id.trim() !== id || id.length > 64 || /[*?\\]/.test(id)) return undefined;
  return id;
}

/** A QIDO-RS answer: 204 or an empty body is no study; otherwise it must be an array of datasets. */
function datasetsOf(body: unknown): DicomJsonDataset[] {
  if (body === undefined) return [];
  if (!Array.isArray(body)) throw new SourceError('malformed', 'study search answer is not a JSON array');
  if (!body.every(isDicomJsonDataset)) throw new SourceError('malformed', 'study search answer holds a non-object');
  return body;
}

/**
 * Every study of one patient, following pages: a page holding exactly `limit` results may have a
 * next one (PS3.18 §8.3.4.4, offset). A page bringing no new Study Instance UID ends the walk (a
 * server ignoring offset sends the first page again), and so does maxPages. Studies whose Patient
 * ID is not the one asked are dropped: Patient ID matching is single-value and exact (PS3.4
 * §C.2.2.2.1), so a server ignoring the key, or matching it loosely, must not hand us someone else.
 * A study without a Patient ID is dropped too: the response must carry it (PS3.18 Table 10.6.3-3),
 * and whose it is cannot be checked otherwise.
 */
export async function searchStudiesOfPatient(
  base: string,
  patientId: string,
  since: string | undefined,
  signal: AbortSignal,
  options: QidoOptions = QIDO_DEFAULTS,
  /** The source's id, named on each request's span, and the service's credentials (adapters/http.ts). */
  route: SourceRoute = {},
): Promise<DicomJsonDataset[]> {
  const seen = new Set<string>();
  const kept: DicomJsonDataset[] = [];
  let offset = 0;
  for (let page = 1; page <= options.maxPages; page++) {
    const url = studySearchUrl(base, patientId, { since, limit: options.pageSize, offset });
    const datasets = datasetsOf(await fetchJson({ url, accept: DICOM_JSON, signal, ...route }));
    let added = 0;
    for (const dataset of datasets) {
      const uid = firstString(dataset, StudyTag.StudyInstanceUID);
      if (uid === undefined || seen.has(uid)) continue;
      seen.add(uid);
      added++;
      if (firstString(dataset, StudyTag.PatientID) === patientId) kept.push(dataset);
    }
    if (datasets.length !== options.pageSize || added === 0) break;
    offset += datasets.length;
  }
  return kept;
}

/**
 * The imaging studies of a batch of people. QIDO-RS has no list matching for Patient ID (list
 * matching is for UIDs only, PS3.4 §C.2.2.2.2), so N people are N searches, run a few at a time
 * under the query's signal. `since` is also applied here: range matching is not supported the
 * same way everywhere, and a study without a date cannot be shown to be recent.
 */
export async function searchImagingStudies(
  source: SourceConfig,
  query: RecordQuery,
  options: QidoOptions = QIDO_DEFAULTS,
  /** The service's source credentials (adapters/source-connections.ts). */
  connections?: SourceRoute['connections'],
): Promise<Map<string, ImagingStudyRecord[]>> {
  const base = source.url;
  if (!base) throw new SourceError('malformed', `source ${source.id} has no DICOMweb base URL`);
  const asked = new Map<string, string>();
  for (const patient of query.patients) {
    const patientId = patientIdFor(source, patient);
    if (patientId !== undefined && !asked.has(patient.nam)) asked.set(patient.nam, patientId);
  }
  const people = [...asked];
  const answers = await mapWithConcurrency(people, options.concurrency, query.signal, ([, patientId], signal) =>
    searchStudiesOfPatient(base, patientId, query.since, signal, options, { sourceId: source.id, connections }),
  );
  const result = new Map<string, ImagingStudyRecord[]>();
  answers.forEach((datasets, index) => {
    const records = datasets
      .map((dataset) => studyFromDicomJson(dataset, source))
      .filter((record): record is ImagingStudyRecord => record !== undefined)
      .filter((record) => isOnOrAfter(record.startedAt, query.since, source.timeZone));
    if (records.length > 0) result.set(people[index][0], records);
  });
  return result;
}

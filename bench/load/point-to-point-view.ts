import { DICOM_JSON, QIDO_DEFAULTS, studySearchUrl } from '../../adapters/dicomweb/qido';
import { fhirKindsOf, type FhirKind } from '../../adapters/fhir';
import { readSearchsetPage } from '../../adapters/fhir/bundle';
import { FHIR_JSON, MAX_PAGES } from '../../adapters/fhir/paging';
import { chainedCriteria } from '../../adapters/fhir/patients';
import { PAGE_SIZE } from '../../adapters/fhir/search';
import { DEFAULT_NAM_SYSTEM, type Domain, type Protocol, type SourceConfig } from '../../lib/sources';
import { DEFAULT_TIME_ZONE } from '../../lib/time';
import type { Outcome } from './result';

/** A source as the point-to-point client calls it. */
export interface PointToPointSource {
  id: string;
  domain: Domain;
  protocol: Protocol;
  url: string;
}

/** One HTTP exchange, the answer read whole. */
export type Exchange = (url: string, request: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string }) => Promise<{ status: number; text: string }>;

/**
 * One person's record read the way point-to-point integrations do it today: the client calls each
 * source that holds the person, one after another, and each search of a source one after another
 * (a pharmacy: its MedicationDispense search; a clinic: Encounter, Condition, AllergyIntolerance,
 * Immunization; a PACS: the QIDO-RS study search), following every page. The parameters are built
 * by our adapters' own functions, so both sides of the comparison ask the sources the same
 * questions. Ends at the first failed call, whose outcome it returns.
 *
 * `allAtOnce`: every search of every source at the same time instead, each following its pages: the
 * fastest any client can read the record, the time of its slowest source (what a view's overhead is
 * measured above). The first failure found is returned.
 */
export async function pointToPointView(exchange: Exchange, nam: string, sources: readonly PointToPointSource[], since?: string, allAtOnce = false): Promise<Outcome> {
  const searches = sources.flatMap((source) =>
    source.protocol === 'dicomweb' ? [() => studySearch(exchange, source, nam, since)] : fhirKindsOf(source.domain).map((kind) => () => fhirSearch(exchange, source, kind, nam, since)),
  );
  if (allAtOnce) return (await Promise.all(searches.map((search) => search()))).find((failed) => failed) ?? { status: 200 };
  for (const search of searches) {
    const failed = await search();
    if (failed) return failed;
  }
  return { status: 200 };
}

const failedStatus = (status: number): Outcome | undefined => (status < 200 || status > 299 ? { status } : undefined);

/** One kind of record at one FHIR source, page after page. */
async function fhirSearch(exchange: Exchange, source: PointToPointSource, kind: FhirKind, nam: string, since: string | undefined): Promise<Outcome | undefined> {
  const config: SourceConfig = { ...source, name: source.id, patientId: 'nam', namSystem: DEFAULT_NAM_SYSTEM, timeZone: DEFAULT_TIME_ZONE };
  // As adapters/fhir/search.ts builds it: who, then the date bound, then the page size.
  const form = new URLSearchParams([
    ...chainedCriteria(config, kind.resourceType, [{ nam }]),
    ...(since && kind.since ? [[kind.since.param, `ge${since}`] as [string, string]] : []),
    ['_count', String(PAGE_SIZE)],
  ]);
  let answer = await exchange(`${source.url}/${kind.resourceType}/_search`, { method: 'POST', headers: { accept: FHIR_JSON, 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
  for (let page = 1; ; page++) {
    const failed = failedStatus(answer.status);
    if (failed) return failed;
    let next: string | undefined;
    try {
      next = readSearchsetPage(JSON.parse(answer.text), kind.resourceType).next;
    } catch {
      return { status: 'malformed' };
    }
    if (!next || page >= MAX_PAGES) break;
    answer = await exchange(next, { method: 'GET', headers: { accept: FHIR_JSON } });
  }
  return undefined;
}

async function studySearch(exchange: Exchange, source: PointToPointSource, nam: string, since: string | undefined): Promise<Outcome | undefined> {
  const { pageSize, maxPages } = QIDO_DEFAULTS;
  let offset = 0;
  for (let page = 1; page <= maxPages; page++) {
    const answer = await exchange(studySearchUrl(source.url, nam, { since, limit: pageSize, offset }), { method: 'GET', headers: { accept: DICOM_JSON } });
    const failed = failedStatus(answer.status);
    if (failed) return failed;
    let studies: unknown;
    try {
      studies = answer.text.trim() === '' ? [] : JSON.parse(answer.text);
    } catch {
      return { status: 'malformed' };
    }
    if (!Array.isArray(studies)) return { status: 'malformed' };
    // A full page may have a next one (PS3.18 §8.3.4.4), as the adapter reads it.
    if (studies.length !== pageSize) break;
    offset += studies.length;
  }
  return undefined;
}

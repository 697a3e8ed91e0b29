import type { Reference, Resource } from '@medplum/fhirtypes';
import type { SourceConfig } from '../../lib/sources';
import type { RecordQuery } from '../port';
import { fetchSearchset } from './paging';
import { patientCriteria } from './patients';

/** What to search for one kind of record. */
export interface PatientSearch<R extends Resource = Resource> {
  resourceType: R['resourceType'];
  /** The element that holds the patient reference (subject or patient, depending on the type). */
  patientOf(resource: R): Reference | undefined;
  /** Further parameters, e.g. a date lower bound. */
  params?: [string, string][];
}

/** Asked of the server per page (http://hl7.org/fhir/R4/search.html#count); servers may give fewer. */
export const PAGE_SIZE = 100;

/**
 * Everyone in a query, in one search: all the patients go into one OR list, so fifty people cost
 * one search (plus its pages) per resource type rather than fifty. Returns each NAM's resources;
 * a resource whose patient is not one of those asked is dropped.
 */
export async function searchForPatients<R extends Resource>(
  source: SourceConfig & { url: string },
  search: PatientSearch<R>,
  query: RecordQuery,
): Promise<Map<string, R[]>> {
  const byNam = new Map<string, R[]>();
  const criteria = patientCriteria(source, search.resourceType, query.patients);
  if (criteria.params.length === 0) return byNam;
  const form = new URLSearchParams([...criteria.params, ...(search.params ?? []), ['_count', String(PAGE_SIZE)]]);
  const { matches, included } = await fetchSearchset({
    url: `${source.url}/${search.resourceType}/_search`,
    resourceType: search.resourceType,
    form,
    signal: query.signal,
    sourceId: source.id,
  });
  const namOf = criteria.resolver(included);
  // Offset paging over data that changes between pages can repeat a resource; count it once.
  const seen = new Set<string>();
  for (const resource of matches as R[]) {
    if (typeof resource.id !== 'string' || seen.has(resource.id)) continue;
    seen.add(resource.id);
    const nam = namOf(search.patientOf(resource));
    if (!nam) continue;
    const list = byNam.get(nam);
    if (list) list.push(resource);
    else byNam.set(nam, [resource]);
  }
  return byNam;
}

import type { Resource } from '@medplum/fhirtypes';
import { SourceError } from '../port';

/** One page of a search answer, split by Bundle.entry.search.mode (http://hl7.org/fhir/R4/search.html#include). */
export interface SearchsetPage {
  /** Resources that met the criteria (search.mode "match"). */
  matches: Resource[];
  /** Resources the server added because of _include (search.mode "include"). */
  included: Resource[];
  /** Bundle.link[relation=next].url: the next page, absent on the last (http://hl7.org/fhir/R4/http.html#paging). */
  next?: string;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads one searchset Bundle (http://hl7.org/fhir/R4/bundle.html#searchset). Anything else, an
 * OperationOutcome answered with 200 included, is malformed: we cannot tell "no records" from
 * "the source broke", and an empty list would say the former. The errors never quote the body.
 */
export function readSearchsetPage(json: unknown, resourceType: string): SearchsetPage {
  if (!isObject(json) || json.resourceType !== 'Bundle' || json.type !== 'searchset') {
    throw new SourceError('malformed', `${resourceType} search did not answer a searchset Bundle`);
  }
  const entries = json.entry ?? [];
  if (!Array.isArray(entries)) throw new SourceError('malformed', `${resourceType} searchset entry is not a list`);
  const page: SearchsetPage = { matches: [], included: [] };
  for (const entry of entries) {
    if (!isObject(entry)) throw new SourceError('malformed', `${resourceType} searchset has an entry that is not an object`);
    const resource = entry.resource;
    // bdl-5: a searchset entry holds a resource. One without lost the record it matched: the page
    // cannot be told from a complete one, so the answer is not trusted (issue #8 §8).
    if (!isObject(resource) || typeof resource.resourceType !== 'string') {
      throw new SourceError('malformed', `${resourceType} searchset has an entry whose resource is not a resource`);
    }
    const mode = isObject(entry.search) ? entry.search.mode : undefined;
    // Servers that omit search.mode still put the searched type first; anything else came along.
    if (mode === 'match' || (mode === undefined && resource.resourceType === resourceType)) {
      if (resource.resourceType === resourceType) page.matches.push(resource as unknown as Resource);
    } else if (mode === 'include' || mode === undefined) {
      page.included.push(resource as unknown as Resource);
    }
    // search.mode "outcome" carries an OperationOutcome about the search itself: not a record.
  }
  const links = Array.isArray(json.link) ? json.link : [];
  const next = links.find((link) => isObject(link) && link.relation === 'next' && typeof link.url === 'string');
  if (next) page.next = (next as { url: string }).url;
  return page;
}

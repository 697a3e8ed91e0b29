import type { Resource } from '@medplum/fhirtypes';
import { fetchJson } from '../http';
import { SourceError } from '../port';
import { readSearchsetPage } from './bundle';

/** The FHIR JSON mime type (http://hl7.org/fhir/R4/http.html#mime-type). */
export const FHIR_JSON = 'application/fhir+json';

/** A server that keeps answering "next" is broken; 50 pages of 100 is far past any one patient batch. */
export const MAX_PAGES = 50;

export interface SearchsetRequest {
  /** `[base]/[type]/_search`. */
  url: string;
  resourceType: string;
  /** The search parameters, sent as a form (search via POST: http://hl7.org/fhir/R4/http.html#search). */
  form: URLSearchParams;
  signal: AbortSignal;
  maxPages?: number;
}

export interface Searchset {
  matches: Resource[];
  included: Resource[];
}

/**
 * Runs one search and reads every page of its answer. The first request is a POST of the
 * parameters as a form, so a batch of NAMs never lands in a URL (or in a proxy's access log);
 * the pages that follow are GETs of the opaque Bundle.link[next] URLs the server hands out
 * (http://hl7.org/fhir/R4/http.html#paging), which are absolute and must be used as given.
 */
export async function fetchSearchset(request: SearchsetRequest): Promise<Searchset> {
  const maxPages = request.maxPages ?? MAX_PAGES;
  const origin = new URL(request.url).origin;
  const result: Searchset = { matches: [], included: [] };
  const seen = new Set<string>();
  let json = await fetchJson({ url: request.url, method: 'POST', form: request.form, accept: FHIR_JSON, signal: request.signal });
  for (let pages = 1; ; pages++) {
    const page = readSearchsetPage(json, request.resourceType);
    result.matches.push(...page.matches);
    result.included.push(...page.included);
    if (!page.next) return result;
    if (pages >= maxPages) throw new SourceError('malformed', `${request.resourceType} search did not end within ${maxPages} pages`);
    const next = nextUrl(page.next, request.url, origin, request.resourceType);
    if (seen.has(next)) throw new SourceError('malformed', `${request.resourceType} search links back to a page already read`);
    seen.add(next);
    json = await fetchJson({ url: next, accept: FHIR_JSON, signal: request.signal });
  }
}

/**
 * Checks a next link before following it. It must stay on the source's origin: a link elsewhere
 * would send our request (and the page token that stands for the patients asked) to a host the
 * sources file never named.
 */
function nextUrl(link: string, base: string, origin: string, resourceType: string): string {
  let url: URL;
  try {
    url = new URL(link, base);
  } catch {
    throw new SourceError('malformed', `${resourceType} search gave a next link that is not a URL`);
  }
  if (url.origin !== origin) throw new SourceError('malformed', `${resourceType} search gave a next link to another host`);
  return url.toString();
}

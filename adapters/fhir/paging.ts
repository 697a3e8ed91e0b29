import type { Resource } from '@medplum/fhirtypes';
import { fetchJsonAnswer, type SourceRoute } from '../http';
import { SourceError } from '../port';
import { readSearchsetPage, type SearchsetPage } from './bundle';
import { parseFhirJson } from './json';

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
  /**
   * GET `[base]/[type]?<form>` instead of POST `[base]/[type]/_search` (`url` is then `[base]/[type]`):
   * only for a server that takes no POST, since the parameters then sit in the URL.
   */
  method?: 'GET' | 'POST';
  signal: AbortSignal;
  /** Each page's request alone may take this long. */
  requestTimeoutMs?: number;
  maxPages?: number;
  /** The source's id, named on each page's span, and the service's credentials (adapters/http.ts). */
  sourceId?: string;
  connections?: SourceRoute['connections'];
}

export interface Searchset {
  matches: Resource[];
  included: Resource[];
}

/** One page as it arrives, with what the answer says of the server's clock. */
export interface SearchsetAnswer extends SearchsetPage {
  /**
   * Bundle.meta.lastUpdated as the server wrote it: for a searchset, when the search was executed
   * (http://hl7.org/fhir/R4/bundle-example.html). Absent when the server does not say.
   */
  lastUpdated?: string;
  /** The answer's HTTP Date header (the server's clock when it sent the page). */
  date?: Date;
}

/**
 * Runs one search and hands each page of its answer to `onPage` as it arrives, in order, before
 * asking for the next (so a caller reading a whole roster never holds more than a page). The
 * first request is a POST of the parameters as a form, so a batch of NAMs never lands in a URL
 * (or in a proxy's access log), unless the server takes GET only; the pages that follow are GETs of the opaque Bundle.link[next]
 * URLs the server hands out (http://hl7.org/fhir/R4/http.html#paging), which are absolute and
 * must be used as given. Returns the number of pages read.
 */
export async function forEachSearchsetPage(request: SearchsetRequest, onPage: (page: SearchsetAnswer) => Promise<void> | void): Promise<number> {
  const maxPages = request.maxPages ?? MAX_PAGES;
  const origin = new URL(request.url).origin;
  const seen = new Set<string>();
  const first =
    request.method === 'GET'
      ? { url: `${request.url}?${request.form.toString()}` }
      : { url: request.url, method: 'POST' as const, form: request.form };
  let answer = await fetchJsonAnswer({ ...first, accept: FHIR_JSON, signal: request.signal, timeoutMs: request.requestTimeoutMs, sourceId: request.sourceId, connections: request.connections, parse: parseFhirJson });
  for (let pages = 1; ; pages++) {
    const page = readSearchsetPage(answer.body, request.resourceType);
    await onPage({ ...page, lastUpdated: lastUpdatedOf(answer.body), date: answer.date });
    if (!page.next) return pages;
    if (pages >= maxPages) throw new SourceError('malformed', `${request.resourceType} search did not end within ${maxPages} pages`);
    const next = nextUrl(page.next, serviceBaseOf(request.url, request.resourceType), origin, request.resourceType);
    if (seen.has(next)) throw new SourceError('malformed', `${request.resourceType} search links back to a page already read`);
    seen.add(next);
    answer = await fetchJsonAnswer({ url: next, accept: FHIR_JSON, signal: request.signal, timeoutMs: request.requestTimeoutMs, sourceId: request.sourceId, connections: request.connections, parse: parseFhirJson });
  }
}

/** Runs one search and reads every page of its answer into one list (see forEachSearchsetPage). */
export async function fetchSearchset(request: SearchsetRequest): Promise<Searchset> {
  const result: Searchset = { matches: [], included: [] };
  await forEachSearchsetPage(request, (page) => {
    result.matches.push(...page.matches);
    result.included.push(...page.included);
  });
  return result;
}

/** Bundle.meta.lastUpdated when it is text; whether it is an instant is for the caller to judge. */
function lastUpdatedOf(bundle: unknown): string | undefined {
  const meta = (bundle as { meta?: unknown }).meta;
  const lastUpdated = typeof meta === 'object' && meta !== null ? (meta as { lastUpdated?: unknown }).lastUpdated : undefined;
  return typeof lastUpdated === 'string' ? lastUpdated : undefined;
}

/**
 * `[base]/` of a search URL (`[base]/[type]/_search` or `[base]/[type]`): what a relative link in a
 * Bundle is relative to (http://hl7.org/fhir/R4/bundle.html#references: relative to the base).
 */
function serviceBaseOf(url: string, resourceType: string): string {
  const path = new URL(url);
  path.search = '';
  path.pathname = `${path.pathname.replace(/\/_search$/, '').replace(new RegExp(`/${resourceType}$`), '')}/`;
  return path.toString();
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

import { randomUUID } from 'node:crypto';
import type { Bundle, BundleEntry, BundleLink, Resource } from '@medplum/fhirtypes';

/** A search whose answer is read page by page. */
export interface StoredSearch {
  tenant: string;
  type: string;
  matches: readonly Resource[];
  includePatients: boolean;
  /** Every `_include` asked (`Type:param`); unset, only the Patients when includePatients. */
  includes?: readonly string[];
  /** _elements: the matches are sent with these elements only. */
  elements?: readonly string[];
}

/**
 * Searches kept for paging, by an opaque id the next links carry (the way HAPI FHIR's
 * `_getpages` works): a page URL then holds no search criteria, so no NAM ever sits in a URL.
 * Bounded: the oldest search is forgotten first, and its links answer 410 Gone. A server keeps
 * what it needs to answer a later page: the demo its matches, the bench's world its criteria.
 */
export class PagedSearches<Search = StoredSearch> {
  private readonly searches = new Map<string, Search>();

  constructor(private readonly capacity = 200) {}

  save(search: Search): string {
    const id = randomUUID();
    this.searches.set(id, search);
    if (this.searches.size > this.capacity) this.searches.delete(this.searches.keys().next().value!);
    return id;
  }

  get(id: string): Search | undefined {
    return this.searches.get(id);
  }
}

/** One page of a search: the kept search's id (none when everything fits one page), where it starts, its size, its own URL. */
export interface SearchPage {
  id?: string;
  offset: number;
  count: number;
  self: string;
}

/** A page's URL (as HAPI FHIR's): the kept search's id, the offset and the count, no criteria. */
export const pageUrl = (base: string, id: string, offset: number, count: number): string =>
  `${base}?_getpages=${id}&_getpagesoffset=${offset}&_count=${count}&_bundletype=searchset`;

/**
 * One page of a searchset Bundle (http://hl7.org/fhir/R4/bundle.html#searchset) with its entries,
 * the total of the whole search, and links (http://hl7.org/fhir/R4/http.html#paging): self, then
 * next and previous where there are such pages.
 */
export function searchsetPage(base: string, page: SearchPage, total: number, entry: BundleEntry[]): Bundle {
  const link: BundleLink[] = [{ relation: 'self', url: page.self }];
  if (page.id && page.offset + page.count < total) link.push({ relation: 'next', url: pageUrl(base, page.id, page.offset + page.count, page.count) });
  if (page.id && page.offset > 0) link.push({ relation: 'previous', url: pageUrl(base, page.id, Math.max(0, page.offset - page.count), page.count) });
  return { resourceType: 'Bundle', id: randomUUID(), meta: { lastUpdated: new Date().toISOString() }, type: 'searchset', total, link, entry };
}

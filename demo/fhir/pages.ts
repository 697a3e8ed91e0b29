import { randomUUID } from 'node:crypto';
import type { Resource } from '@medplum/fhirtypes';

/** A search whose answer is read page by page. */
export interface StoredSearch {
  tenant: string;
  type: string;
  matches: readonly Resource[];
  includePatients: boolean;
  /** _elements: the matches are sent with these elements only. */
  elements?: readonly string[];
}

/**
 * Searches kept for paging, by an opaque id the next links carry (the way HAPI FHIR's
 * `_getpages` works): a page URL then holds no search criteria, so no NAM ever sits in a URL.
 * Bounded: the oldest search is forgotten first, and its links answer 410 Gone.
 */
export class PagedSearches {
  private readonly searches = new Map<string, StoredSearch>();

  constructor(private readonly capacity = 200) {}

  save(search: StoredSearch): string {
    const id = randomUUID();
    this.searches.set(id, search);
    if (this.searches.size > this.capacity) this.searches.delete(this.searches.keys().next().value!);
    return id;
  }

  get(id: string): StoredSearch | undefined {
    return this.searches.get(id);
  }
}

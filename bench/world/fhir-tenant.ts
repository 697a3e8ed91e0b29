import type { Bundle, BundleEntry, CapabilityStatement, CapabilityStatementRestResourceSearchParam, Resource } from '@medplum/fhirtypes';
import { LRUCache } from 'lru-cache';
import { capabilityStatement } from '../../demo/fhir/capability';
import { withElements } from '../../demo/fhir/elements';
import { PagedSearches, pageUrl, searchsetPage, type SearchPage } from '../../demo/fhir/pages';
import { dateParameterOf, patientIdOf, referenceOf } from '../../demo/fhir/search';
import { FhirProblem, searchRecordsAt, searchRosterAt } from './fhir-search';
import type { WorldModel } from './model';
import type { WorldSource } from './province';
import { FHIR_TYPES, patientAt, personOfPatientId } from './records';

/** A request to one FHIR tenant, `<world>/<source id>/fhir/<rest>`. */
export interface FhirRequest {
  method: string;
  /** The path after `/fhir`, split on `/` (empty for the base). */
  rest: string[];
  /** Query parameters, then the form of a POST `_search`. */
  params: URLSearchParams;
  /** The tenant's base as the client reached it (links are built on it). */
  base: string;
}

export interface FhirAnswer {
  status: number;
  body: Resource;
}

/** A search's matches, and whether the Patients they reference go along (_include). */
interface Found {
  matches: readonly Resource[];
  includePatients: boolean;
}

/** Page size when the client does not say (_count), and the most given per page (roster reads ask for big pages). */
const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 1000;

/** A search kept for its next pages: its criteria, not its matches. */
interface SavedSearch {
  tenant: string;
  type: string;
  params: string;
}

/** How many multi-page searches are kept (the oldest is forgotten first, and its links answer 410 Gone). */
const SAVED_SEARCHES = 10_000;

/**
 * The FHIR R4 side of the world (read-only, JSON): what adapters/fhir and the record locator
 * send, and nothing more. POST `[type]/_search` (or GET `[type]?…`), paging by Bundle.link next
 * (`?_getpages=…`, as HAPI does: page URLs hold no criteria, so no NAM in a URL), `metadata`.
 * A search with more than one page is kept by its criteria and run again for a page asked after
 * its matches left a small cache (the world's data never changes): ten thousand kept searches
 * cost a few MB, not their matches, and a roster read in pages does not rebuild it per page.
 */
export function fhirTenants(model: WorldModel): (source: WorldSource, request: FhirRequest) => FhirAnswer {
  const searches = new PagedSearches<SavedSearch>(SAVED_SEARCHES);
  const recent = new LRUCache<string, Found>({ max: 100 });

  return (source, { method, rest, params, base }) => {
    const types: readonly string[] = FHIR_TYPES[source.kind as 'pharmacy' | 'clinic'] ?? [];
    const [type, operation, ...extra] = rest;
    if (!type) {
      const pageId = params.get('_getpages');
      if (method !== 'GET' || !pageId) throw new FhirProblem(404, 'not-found', 'nothing to answer at the base without _getpages');
      return ok(nextPage(source, base, pageId, params));
    }
    if (type === 'metadata' && !operation && method === 'GET') return ok(capability(base, types));
    if (!types.includes(type) || extra.length || (operation && operation !== '_search')) throw new FhirProblem(404, 'not-found', 'no such resource type or interaction');
    if ((operation === '_search') !== (method === 'POST') || (method !== 'GET' && method !== 'POST')) throw new FhirProblem(405, 'not-supported', 'search is POST [type]/_search or GET [type]');
    return ok(firstPage(source, base, type, params, `${base}/${type}${operation ? '/_search' : ''}`));
  };

  function found(source: WorldSource, type: string, params: URLSearchParams): Found {
    const { matches, includePatients } = type === 'Patient' ? { matches: searchRosterAt(model, source, params), includePatients: false } : searchRecordsAt(model, source, type, params);
    const elements = params.get('_elements')?.split(',').map((e) => e.trim()).filter(Boolean);
    return { matches: elements?.length ? matches.map((r) => withElements(r, elements)) : matches, includePatients };
  }

  function firstPage(source: WorldSource, base: string, type: string, params: URLSearchParams, self: string): Bundle {
    const count = pageSizeOf(params.get('_count'));
    const result = found(source, type, params);
    const id = result.matches.length > count ? searches.save({ tenant: source.id, type, params: params.toString() }) : undefined;
    if (id) recent.set(id, result);
    return searchset(source, base, result, { id, offset: 0, count, self });
  }

  function nextPage(source: WorldSource, base: string, pageId: string, params: URLSearchParams): Bundle {
    const search = searches.get(pageId);
    if (!search || search.tenant !== source.id) throw new FhirProblem(410, 'not-found', 'this search has expired; run it again');
    const offset = Number(params.get('_getpagesoffset') ?? '0');
    if (!Number.isInteger(offset) || offset < 0) throw new FhirProblem(400, 'invalid', '_getpagesoffset must be a whole number');
    const count = pageSizeOf(params.get('_count'));
    let result = recent.get(pageId);
    if (!result) recent.set(pageId, (result = found(source, search.type, new URLSearchParams(search.params))));
    return searchset(source, base, result, { id: pageId, offset, count, self: pageUrl(base, pageId, offset, count) });
  }

  /** One page of a searchset (http://hl7.org/fhir/R4/bundle.html#searchset): its matches, then the Patients they reference (once), then links. */
  function searchset(source: WorldSource, base: string, search: Found, page: SearchPage): Bundle {
    const matches = search.matches.slice(page.offset, page.offset + page.count);
    const entry: BundleEntry[] = matches.map((resource) => ({ fullUrl: `${base}/${resource.resourceType}/${resource.id}`, resource, search: { mode: 'match' } }));
    if (search.includePatients) {
      const people = new Set(matches.map((resource) => personOfPatientId(patientIdOf(referenceOf(resource)?.reference ?? ''))));
      for (const person of people) {
        if (person === undefined || !model.people[person]) continue;
        const patient = patientAt(model.seed, source, model.people[person]);
        entry.push({ fullUrl: `${base}/Patient/${patient.id}`, resource: patient, search: { mode: 'include' } });
      }
    }
    return searchsetPage(base, page, search.matches.length, entry);
  }
}

const ok = (body: Resource): FhirAnswer => ({ status: 200, body });

/** _count (http://hl7.org/fhir/R4/search.html#count): a server may give fewer than asked. */
function pageSizeOf(value: string | null): number {
  if (value === null) return DEFAULT_PAGE_SIZE;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new FhirProblem(400, 'invalid', '_count must be a positive whole number');
  return Math.min(Number(value), MAX_PAGE_SIZE);
}

/** The search parameters this tenant answers for a type (bench/world/fhir-search.ts). */
function searchParamsOf(type: string): CapabilityStatementRestResourceSearchParam[] {
  if (type === 'Patient') return [{ name: 'identifier', type: 'token' }, { name: '_lastUpdated', type: 'date' }];
  const date = dateParameterOf(type);
  return [{ name: 'patient.identifier', type: 'token' }, ...(date ? [{ name: date, type: 'date' as const }] : [])];
}

/** A tenant's CapabilityStatement: search only, no read. */
const capability = (base: string, types: readonly string[]): CapabilityStatement =>
  capabilityStatement({ base, software: 'QHR bench world', description: 'A simulated source system of the bench', types, interactions: ['search-type'], searchParamsOf });

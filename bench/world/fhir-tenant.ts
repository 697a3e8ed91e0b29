import { randomUUID } from 'node:crypto';
import type { Bundle, BundleEntry, BundleLink, CapabilityStatement, CapabilityStatementRestResource, Resource } from '@medplum/fhirtypes';
import { LRUCache } from 'lru-cache';
import { DATE_PARAMETER, FhirProblem, searchRecordsAt, searchRosterAt, subsetted } from './fhir-search';
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
  const searches = new Map<string, SavedSearch>();
  const save = (search: SavedSearch) => {
    const id = randomUUID();
    searches.set(id, search);
    if (searches.size > SAVED_SEARCHES) searches.delete(searches.keys().next().value!);
    return id;
  };
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
    return { matches: elements?.length ? matches.map((r) => subsetted(r, elements)) : matches, includePatients };
  }

  function firstPage(source: WorldSource, base: string, type: string, params: URLSearchParams, self: string): Bundle {
    const count = pageSizeOf(params.get('_count'));
    const result = found(source, type, params);
    const id = result.matches.length > count ? save({ tenant: source.id, type, params: params.toString() }) : undefined;
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
  function searchset(source: WorldSource, base: string, search: Found, page: { id?: string; offset: number; count: number; self: string }): Bundle {
    const matches = search.matches.slice(page.offset, page.offset + page.count);
    const entry: BundleEntry[] = matches.map((resource) => ({ fullUrl: `${base}/${resource.resourceType}/${resource.id}`, resource, search: { mode: 'match' } }));
    if (search.includePatients) {
      const people = new Set(matches.map((resource) => personOfPatientId(patientReferenceOf(resource))));
      for (const person of people) {
        if (person === undefined || !model.people[person]) continue;
        const patient = patientAt(model.seed, source, model.people[person]);
        entry.push({ fullUrl: `${base}/Patient/${patient.id}`, resource: patient, search: { mode: 'include' } });
      }
    }
    const link: BundleLink[] = [{ relation: 'self', url: page.self }];
    if (page.id && page.offset + page.count < search.matches.length) link.push({ relation: 'next', url: pageUrl(base, page.id, page.offset + page.count, page.count) });
    if (page.id && page.offset > 0) link.push({ relation: 'previous', url: pageUrl(base, page.id, Math.max(0, page.offset - page.count), page.count) });
    return { resourceType: 'Bundle', id: randomUUID(), meta: { lastUpdated: new Date().toISOString() }, type: 'searchset', total: search.matches.length, link, entry };
  }
}

const ok = (body: Resource): FhirAnswer => ({ status: 200, body });

/** The id in a resource's patient reference (`subject` on some types, `patient` on others). */
function patientReferenceOf(resource: Resource): string {
  const holder = resource as { subject?: { reference?: string }; patient?: { reference?: string } };
  return (holder.subject ?? holder.patient)?.reference?.replace(/^Patient\//, '') ?? '';
}

/** _count (http://hl7.org/fhir/R4/search.html#count): a server may give fewer than asked. */
function pageSizeOf(value: string | null): number {
  if (value === null) return DEFAULT_PAGE_SIZE;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new FhirProblem(400, 'invalid', '_count must be a positive whole number');
  return Math.min(Number(value), MAX_PAGE_SIZE);
}

const pageUrl = (base: string, id: string, offset: number, count: number) => `${base}?_getpages=${id}&_getpagesoffset=${offset}&_count=${count}&_bundletype=searchset`;

/** A minimal CapabilityStatement (http://hl7.org/fhir/R4/capabilitystatement.html) naming what this tenant searches on. */
function capability(base: string, types: readonly string[]): CapabilityStatement {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-01-05',
    kind: 'instance',
    software: { name: 'QHR bench world' },
    implementation: { description: 'A simulated source system of the bench', url: base },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json'],
    rest: [
      {
        mode: 'server',
        resource: types.map((type): CapabilityStatementRestResource => ({
          type: type as CapabilityStatementRestResource['type'],
          interaction: [{ code: 'search-type' }],
          searchInclude: type === 'Patient' ? undefined : [`${type}:patient`],
          searchParam:
            type === 'Patient'
              ? [{ name: 'identifier', type: 'token' }, { name: '_lastUpdated', type: 'date' }]
              : [{ name: 'patient.identifier', type: 'token' }, ...(DATE_PARAMETER[type] ? [{ name: DATE_PARAMETER[type], type: 'date' as const }] : [])],
        })),
      },
    ],
  };
}

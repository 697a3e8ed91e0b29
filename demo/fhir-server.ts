import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bundle, BundleEntry, CapabilityStatement, CapabilityStatementRestResourceSearchParam, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { stringify } from 'lossless-json';
import { capabilityStatement } from './fhir/capability';
import { DEMO_FHIR_TENANTS, DEMO_FHIR_TYPES, demoFhirResources, type DemoFhirTenant } from './fhir/dataset';
import { withElements } from './fhir/elements';
import { includedResources, includesOf } from './fhir/includes';
import { PagedSearches, pageUrl, searchsetPage, type SearchPage, type StoredSearch } from './fhir/pages';
import { dateParameterOf, SearchParameterError, searchResources } from './fhir/search';
import { listen } from './listen';
import type { DemoPerson } from './people';
import { requestOrigin } from './request-origin';

export { DEMO_FHIR_TENANTS, demoFhirResources, demoPatientIdOf, fillsInBothRegions, hasNoDemoRecords, isFollowedAtClinic } from './fhir/dataset';
export type { DemoFhirDataset, DemoFhirTenant } from './fhir/dataset';

/** Page size when the client does not say (_count), and the most we give per page. */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
const MAX_BODY_BYTES = 1 << 20;
const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/**
 * What the server supports, for tests and demos of the adapters against servers as they are
 * (README, "FHIR sources"). The default supports all of it, as HAPI FHIR does.
 */
export interface DemoFhirBehaviour {
  /** Chained search (`patient.identifier=`); without it the parameter is ignored, as a lenient server does. */
  chaining: boolean;
  /** `_include` (listed in the CapabilityStatement and answered); without it the parameter is ignored. */
  include: boolean;
  /** Search by POST `[type]/_search`; without it POST answers 405 and the statement says GET only. */
  postSearch: boolean;
}

export const FULL_FHIR_SEARCH: DemoFhirBehaviour = { chaining: true, include: true, postSearch: true };

/** Medplum's FHIR engine as it ships, as issue #9 met it: no chained search, no `_include`; POST search and `_id` work. */
export const MEDPLUM_AS_SHIPPED: DemoFhirBehaviour = { chaining: false, include: false, postSearch: true };

export interface DemoFhirServer {
  /** http://host:port; each tenant's base is `${url}/<source id>/fhir`. */
  url: string;
  /**
   * Stores a resource in a tenant as the FHIR update interaction would
   * (http://hl7.org/fhir/R4/http.html#update): it replaces the one of its type and id, or is
   * added, with the next versionId and meta.lastUpdated the server's now. Returns what is stored.
   * For tests and demos that change a source's data; over HTTP the server stays read-only.
   */
  update(tenant: DemoFhirTenant, resource: Resource): Resource;
  close(): Promise<void>;
}

interface Tenant {
  types: ReadonlySet<string>;
  byType: Map<string, Resource[]>;
  patients: Map<string, Resource>;
}

/** An answer with a status: thrown by the handlers and sent as an OperationOutcome. */
class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: OperationOutcome['issue'][number]['code'],
    message: string,
  ) {
    super(message);
  }
}

/**
 * A small FHIR R4 server (read-only, JSON only) holding the demo pharmacies' and clinic's data,
 * one tenant per source in demo/sources.json: `[url]/<source id>/fhir`. It supports what the
 * gateway's adapters and a curious developer need: search by GET `[type]?...` or POST
 * `[type]/_search` (form body), read `[type]/[id]`, `metadata`, and paging by next links.
 */
export async function startDemoFhirServer(options: { port: number; host?: string; people: DemoPerson[]; behaviour?: DemoFhirBehaviour }): Promise<DemoFhirServer> {
  const host = options.host ?? '127.0.0.1';
  const behaviour = options.behaviour ?? FULL_FHIR_SEARCH;
  const dataset = demoFhirResources(options.people);
  const tenants = new Map<string, Tenant>(DEMO_FHIR_TENANTS.map((name) => [name, indexTenant(name, dataset[name])]));
  const searches = new PagedSearches();
  let url = '';

  const server = createServer((request, response) => {
    handle(request)
      .then((answer) => send(response, answer.status, answer.body))
      .catch((error: unknown) => {
        const problem = error instanceof HttpProblem ? error : new HttpProblem(500, 'exception', 'the server could not answer');
        send(response, problem.status, outcome(problem.code, problem.message));
      });
  });

  async function handle(request: IncomingMessage): Promise<{ status: number; body: Resource }> {
    // Links are built on the address the client used (as HAPI does by default), so paging works
    // whether the server is reached as 127.0.0.1, localhost or a container's name.
    const origin = requestOrigin(request.headers.host, url);
    const requestUrl = new URL(request.url ?? '/', origin);
    const method = request.method ?? 'GET';
    if (requestUrl.pathname === '/metadata') return ok(get(method, () => capability(origin, new Set(Object.values(DEMO_FHIR_TYPES).flat()), behaviour)));
    const match = /^\/([^/]+)\/fhir(?:\/(.*?))?\/?$/.exec(requestUrl.pathname);
    const tenant = match ? tenants.get(match[1]) : undefined;
    if (!match || !tenant) throw new HttpProblem(404, 'not-found', 'no FHIR endpoint at this path');
    const base = `${origin}/${match[1]}/fhir`;
    const [type, operation, ...extra] = match[2] ? match[2].split('/') : [];
    if (!type) {
      const pageId = requestUrl.searchParams.get('_getpages');
      if (!pageId) throw new HttpProblem(404, 'not-supported', 'nothing to answer at the base without _getpages');
      return ok(get(method, () => nextPage(base, match[1], pageId, requestUrl.searchParams)));
    }
    if (type === 'metadata' && !operation) return ok(get(method, () => capability(base, tenant.types, behaviour)));
    if (!tenant.types.has(type)) throw new HttpProblem(404, 'not-supported', 'unknown resource type');
    if (extra.length) throw new HttpProblem(404, 'not-supported', 'no such interaction');
    if (operation === '_search') {
      if (method !== 'POST') throw new HttpProblem(405, 'not-supported', '_search takes POST');
      if (!behaviour.postSearch) throw new HttpProblem(405, 'not-supported', 'search is GET [type]?... only');
      const params = await formOf(request);
      for (const [name, value] of requestUrl.searchParams) params.append(name, value);
      return ok(firstPage(base, match[1], tenant, type, params, `${base}/${type}/_search`));
    }
    if (operation) return ok(get(method, () => read(tenant, type, operation)));
    return ok(get(method, () => firstPage(base, match[1], tenant, type, requestUrl.searchParams, requestUrl.toString())));
  }

  function firstPage(base: string, tenantName: string, tenant: Tenant, type: string, params: URLSearchParams, self: string): Bundle {
    const count = pageSizeOf(params.get('_count'));
    let result;
    try {
      result = searchResources(type, tenant.byType.get(type) ?? [], tenant.patients, params, { chaining: behaviour.chaining });
      if (!behaviour.include) result = { ...result, includePatients: false, includes: [] };
    } catch (error) {
      if (error instanceof SearchParameterError) throw new HttpProblem(400, 'invalid', error.message);
      throw error;
    }
    const search: StoredSearch = { tenant: tenantName, type, ...result };
    const id = result.matches.length > count ? searches.save(search) : undefined;
    return searchset(base, tenant, search, { id, offset: 0, count, self });
  }

  function nextPage(base: string, tenantName: string, pageId: string, params: URLSearchParams): Bundle {
    const search = searches.get(pageId);
    if (!search || search.tenant !== tenantName) throw new HttpProblem(410, 'not-found', 'this search has expired; run it again');
    const offset = Number(params.get('_getpagesoffset') ?? '0');
    if (!Number.isInteger(offset) || offset < 0) throw new HttpProblem(400, 'invalid', '_getpagesoffset must be a whole number');
    const count = pageSizeOf(params.get('_count'));
    return searchset(base, tenants.get(tenantName)!, search, { id: pageId, offset, count, self: pageUrl(base, pageId, offset, count) });
  }

  function update(tenantName: DemoFhirTenant, resource: Resource): Resource {
    const tenant = tenants.get(tenantName);
    const list = tenant?.byType.get(resource.resourceType);
    if (!tenant || !list || !resource.id) throw new Error(`the demo tenant ${tenantName} does not keep this resource`);
    const index = list.findIndex((r) => r.id === resource.id);
    const version = index < 0 ? 0 : Number(list[index].meta?.versionId ?? 0) || 0;
    const stored = { ...resource, meta: { ...resource.meta, versionId: String(version + 1), lastUpdated: new Date().toISOString() } } as Resource;
    if (index < 0) list.push(stored);
    else list[index] = stored;
    if (stored.resourceType === 'Patient') tenant.patients.set(stored.id!, stored);
    return stored;
  }

  await listen(server, options.port, host);
  url = `http://${host.includes(':') ? `[${host}]` : host}:${(server.address() as AddressInfo).port}`;
  return {
    url,
    update,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function indexTenant(name: DemoFhirTenant, resources: Resource[]): Tenant {
  const byType = new Map<string, Resource[]>(DEMO_FHIR_TYPES[name].map((type) => [type, []]));
  const patients = new Map<string, Resource>();
  for (const resource of resources) {
    byType.get(resource.resourceType)?.push(resource);
    if (resource.resourceType === 'Patient') patients.set(resource.id!, resource);
  }
  return { types: new Set(DEMO_FHIR_TYPES[name]), byType, patients };
}

/** _count (http://hl7.org/fhir/R4/search.html#count): a server may return fewer than asked. */
function pageSizeOf(value: string | null): number {
  if (value === null) return DEFAULT_PAGE_SIZE;
  const count = Number(value);
  if (!/^\d+$/.test(value) || count < 1) throw new HttpProblem(400, 'invalid', '_count must be a positive whole number');
  return Math.min(count, MAX_PAGE_SIZE);
}

/**
 * One page of a searchset Bundle (http://hl7.org/fhir/R4/bundle.html#searchset): the matches of
 * the page, then what they reference that _include asked for (their Patients, a dispense's
 * Medication, an encounter's Organization, a report's Observations: search.mode "include", once
 * per page), and links to the pages around it.
 */
function searchset(base: string, tenant: Tenant, search: StoredSearch, page: SearchPage): Bundle {
  const matches = search.matches.slice(page.offset, page.offset + page.count);
  const entry: BundleEntry[] = matches.map((resource) => ({
    fullUrl: `${base}/${resource.resourceType}/${resource.id}`,
    resource: search.elements ? withElements(resource, search.elements) : resource,
    search: { mode: 'match' },
  }));
  const find = (key: string) => {
    const [type, id] = key.split('/');
    return type === 'Patient' ? tenant.patients.get(id) : tenant.byType.get(type)?.find((r) => r.id === id);
  };
  for (const resource of includedResources(search.type, matches, search.includes ?? [], find)) {
    entry.push({ fullUrl: `${base}/${resource.resourceType}/${resource.id}`, resource, search: { mode: 'include' } });
  }
  return searchsetPage(base, page, search.matches.length, entry);
}

function read(tenant: Tenant, type: string, id: string): Resource {
  const resource = tenant.byType.get(type)?.find((r) => r.id === id);
  if (!resource) throw new HttpProblem(404, 'not-found', `${type}/${id} is not known`);
  return resource;
}

/** The search parameters the demo server lists for a type (it reads a few more: demo/fhir/search.ts). */
function searchParamsOf(type: string): CapabilityStatementRestResourceSearchParam[] {
  if (type === 'Patient') return [{ name: '_id', type: 'token' }, { name: 'identifier', type: 'token' }, { name: '_lastUpdated', type: 'date' }];
  const date = dateParameterOf(type);
  return [{ name: '_id', type: 'token' }, { name: 'patient', type: 'reference' }, { name: '_lastUpdated', type: 'date' }, ...(date ? [{ name: date, type: 'date' as const }] : [])];
}

/** The demo server's CapabilityStatement for a tenant (or, at the root, for every type it serves), as its behaviour allows. */
const capability = (base: string, types: ReadonlySet<string>, behaviour: DemoFhirBehaviour): CapabilityStatement =>
  capabilityStatement({
    base,
    software: 'QHR demo FHIR server',
    description: 'Demo pharmacies, clinic and laboratory',
    types,
    interactions: ['read', 'search-type'],
    searchParamsOf,
    includesOf: (type) => (behaviour.include && type !== 'Patient' ? includesOf(type) : []),
    ...(behaviour.postSearch ? {} : { searchMode: 'GET' as const }),
  });

const ok = (body: Resource) => ({ status: 200, body });

function get<T>(method: string, answer: () => T): T {
  if (method !== 'GET') throw new HttpProblem(405, 'not-supported', 'this server is read-only');
  return answer();
}

function outcome(code: OperationOutcome['issue'][number]['code'], diagnostics: string): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics }] };
}

async function formOf(request: IncomingMessage): Promise<URLSearchParams> {
  if (!(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
    throw new HttpProblem(415, 'not-supported', '_search takes an application/x-www-form-urlencoded body');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpProblem(413, 'too-costly', 'the search form is too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** lossless-json writes a decimal kept as a LosslessNumber (a lab value of 5.0) as it is, where JSON.stringify would write 5. */
function send(response: ServerResponse, status: number, body: Resource): void {
  const text = stringify(body) ?? '';
  response.writeHead(status, { 'content-type': FHIR_JSON, 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

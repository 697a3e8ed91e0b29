import type { Reference, Resource } from '@medplum/fhirtypes';
import type { Logger } from '../../lib/logger';
import type { SourceConfig } from '../../lib/sources';
import type { SourceRoute } from '../http';
import { SourceError, type CrossReferenceFeed, type RecordQuery } from '../port';
import type { CapabilityCache } from './capability-cache';
import { capabilitiesOf, offersChainedSearch, offersInclude, type ServerCapabilities } from './capabilities';
import { fetchSearchset, type Searchset } from './paging';
import { askedNamOf, askedNams, byIncludedPatients, byLocalIds, chainedCriteria, idList, namTokens, type PatientResolver } from './patients';
import { IncludedResources, keyOf, referenceKeyOf } from './references';

/**
 * A resource the records of a kind are made with besides the match: `_include=<include>` where the
 * server offers it, else read by `_id` after the search (so a server without `_include` still
 * gives the referenced Medication, Organization or Observation).
 */
export interface IncludeSpec {
  /** `MedicationDispense:medication` (http://hl7.org/fhir/R4/search.html#include). */
  include: string;
  /** The type the references point to. */
  targetType: string;
  /** The references this include follows in one match. */
  referencesOf(resource: Resource): readonly (Reference | undefined)[];
}

/** What to search for one kind of record. */
export interface PatientSearch<R extends Resource = Resource> {
  resourceType: R['resourceType'];
  /** The element that holds the patient reference (subject or patient, depending on the type). */
  patientOf(resource: R): Reference | undefined;
  /** Further parameters, e.g. a date lower bound. */
  params?: [string, string][];
  includes?: readonly IncludeSpec[];
}

export interface SearchDeps {
  capabilities: CapabilityCache;
  /** Where the ids a Patient search found are kept, so the next view asks by id at once. */
  xref?: CrossReferenceFeed;
  logger?: Logger;
  /** The service's source credentials (adapters/source-connections.ts). */
  connections?: SourceRoute['connections'];
}

/** Each asked NAM's matches, and what came along to map them with. */
export interface PatientAnswer<R extends Resource> {
  byNam: Map<string, R[]>;
  included: IncludedResources;
}

/** Asked of the server per page (http://hl7.org/fhir/R4/search.html#count); servers may give fewer. */
export const PAGE_SIZE = 100;

/** Statuses by which a server refuses the search itself (a parameter it does not know or allow). */
const REJECTIONS = new Set([400, 403, 404, 405, 422, 501]);

/**
 * Everyone in a query, in as few searches as the server allows (README, "FHIR sources"):
 * - a `local` source: `patient=<id>,...` with the ids of the cross-reference;
 * - a `nam` source whose CapabilityStatement offers the chain: one search,
 *   `patient.identifier=<system>|<NAM>,...&_include=<Type>:patient`;
 * - otherwise two steps: `Patient?identifier=<system>|<NAM>,...` for the ids (kept in the
 *   cross-reference, so later views skip it), then `patient=<id>,...`.
 * Every match must be shown to belong to someone asked, or the whole answer is refused
 * (SourceError `unattributable`): a server that ignored a parameter answered for others, and
 * dropping what it sent would report "nothing on file" for people it never searched.
 */
export async function searchForPatients<R extends Resource>(source: SourceConfig & { url: string }, search: PatientSearch<R>, query: RecordQuery, deps: SearchDeps): Promise<PatientAnswer<R>> {
  const type = search.resourceType;
  const namById = source.patientId === 'local' ? new Map(query.patients.filter((p) => p.localId).map((p) => [p.localId!, p.nam] as const)) : undefined;
  const asked = askedNams(query.patients);
  // Nobody to ask about: no request at all, not even for the statement.
  if (namById ? namById.size === 0 : asked.size === 0) return { byNam: new Map(), included: new IncludedResources() };
  const capabilities = await deps.capabilities.get(query.signal);
  if (namById) return searchByIds(source, search, namById, capabilities, query.signal, deps);
  if (offersChainedSearch(capabilities, type) && !deps.capabilities.chainRefused(type)) {
    try {
      return await searchChained(source, search, asked, capabilities, query.signal, deps);
    } catch (error) {
      const refused = isRejection(error);
      if (!refused && (error as SourceError).failure !== 'unattributable') throw error;
      deps.capabilities.refuseChain(type);
      deps.logger?.warn({ source: source.id, resourceType: type, failure: refused ? 'http-status' : 'unattributable' }, 'FHIR server did not honour the chained search it states: asking it in two steps from now on');
      // An answer for others is this request's failure; a refusal only cost a round trip.
      if (!refused) throw error;
    }
  }
  return searchByIds(source, search, await idsOfPatients(source, query.patients, asked, capabilities, query.signal, deps), capabilities, query.signal, deps);
}

async function searchChained<R extends Resource>(source: SourceConfig & { url: string }, search: PatientSearch<R>, asked: Map<string, string>, capabilities: ServerCapabilities, signal: AbortSignal, deps: SearchDeps): Promise<PatientAnswer<R>> {
  const answer = await runSearch(source, search, chainedCriteria(source, search.resourceType, [...asked.values()].map((nam) => ({ nam }))), capabilities, signal, deps);
  return attribute(search, answer, byIncludedPatients(source, answer.included, asked), capabilities, source, signal, deps);
}

async function searchByIds<R extends Resource>(source: SourceConfig & { url: string }, search: PatientSearch<R>, namById: ReadonlyMap<string, string>, capabilities: ServerCapabilities, signal: AbortSignal, deps: SearchDeps): Promise<PatientAnswer<R>> {
  // Nobody asked is filed here: no request, and truly nothing on file (the Patient search said so).
  if (namById.size === 0) return { byNam: new Map(), included: new IncludedResources() };
  const answer = await runSearch(source, search, [['patient', idList(namById.keys())]], capabilities, signal, deps);
  return attribute(search, answer, byLocalIds(namById), capabilities, source, signal, deps);
}

/**
 * Step one of two: the ids of the asked people on this source. Those the cross-reference already
 * links (PatientRef.localId) are not searched again; the rest are found by
 * `Patient?identifier=<system>|<NAM>,...` and linked (via `fhir-search`). A Patient that carries
 * none of the asked NAMs means the server ignored the identifier: the answer is refused.
 */
async function idsOfPatients(source: SourceConfig & { url: string }, patients: RecordQuery['patients'], asked: Map<string, string>, capabilities: ServerCapabilities, signal: AbortSignal, deps: SearchDeps): Promise<Map<string, string>> {
  const namById = new Map<string, string>();
  const unknown = new Map(asked);
  for (const patient of patients) {
    if (!patient.localId) continue;
    namById.set(patient.localId, patient.nam);
    for (const [key, nam] of unknown) if (nam === patient.nam) unknown.delete(key);
  }
  if (unknown.size === 0) return namById;
  const patientSearch: PatientSearch = { resourceType: 'Patient', patientOf: () => undefined };
  const { matches } = await runSearch(source, patientSearch, [['identifier', namTokens(source, unknown)]], capabilities, signal, deps);
  const learnt: { sourceId: string; localId: string; nam: string }[] = [];
  for (const patient of matches) {
    const nam = patient.resourceType === 'Patient' ? askedNamOf(patient, source.namSystem, unknown) : undefined;
    if (!nam || typeof patient.id !== 'string') throw new SourceError('unattributable', 'Patient search answered people not asked');
    if (!namById.has(patient.id)) learnt.push({ sourceId: source.id, localId: patient.id, nam });
    namById.set(patient.id, nam);
  }
  if (learnt.length && deps.xref) {
    // The records are right without the links; a cross-reference that cannot be written costs the next view a Patient search.
    await deps.xref.linkMany(learnt, 'fhir-search').catch((error: unknown) => deps.logger?.warn({ source: source.id, links: learnt.length, error: (error as Error)?.name }, 'cross-reference links from a Patient search not kept'));
  }
  return namById;
}

/** One search with its includes: `_include` where offered, the rest read by `_id` afterwards. */
async function runSearch(source: SourceConfig & { url: string }, search: PatientSearch, criteria: [string, string][], capabilities: ServerCapabilities, signal: AbortSignal, deps: SearchDeps): Promise<Searchset> {
  const includes = (search.includes ?? []).filter((spec) => offersInclude(capabilities, spec.include));
  const form = new URLSearchParams([...criteria, ...(search.params ?? []), ...includes.map((spec): [string, string] => ['_include', spec.include]), ['_count', String(PAGE_SIZE)]]);
  return searchset(source, search.resourceType, form, capabilities, signal, deps);
}

async function searchset(source: SourceConfig & { url: string }, type: string, form: URLSearchParams, capabilities: ServerCapabilities, signal: AbortSignal, deps: SearchDeps): Promise<Searchset> {
  const post = capabilitiesOf(capabilities, type).post;
  try {
    return await fetchSearchset({ url: post ? `${source.url}/${type}/_search` : `${source.url}/${type}`, method: post ? 'POST' : 'GET', resourceType: type, form, signal, sourceId: source.id, connections: deps.connections });
  } catch (error) {
    // The server refused what its statement led us to ask: read the statement again next time.
    if (isRejection(error)) deps.capabilities.refresh();
    throw error;
  }
}

/** Each match under the NAM it belongs to, once; any match that belongs to nobody asked refuses the answer. */
async function attribute<R extends Resource>(search: PatientSearch<R>, answer: Searchset, resolve: PatientResolver, capabilities: ServerCapabilities, source: SourceConfig & { url: string }, signal: AbortSignal, deps: SearchDeps): Promise<PatientAnswer<R>> {
  const byNam = new Map<string, R[]>();
  // Offset paging over data that changes between pages can repeat a resource; count it once.
  const seen = new Set<string>();
  for (const resource of answer.matches as R[]) {
    if (typeof resource.id !== 'string' || seen.has(resource.id)) continue;
    seen.add(resource.id);
    const nam = resolve(search.patientOf(resource));
    if (!nam) throw new SourceError('unattributable', `${search.resourceType} answer has records that belong to nobody asked`);
    const list = byNam.get(nam);
    if (list) list.push(resource);
    else byNam.set(nam, [resource]);
  }
  const included = new IncludedResources(answer.included);
  await readMissingIncludes(source, search, [...byNam.values()].flat(), included, capabilities, signal, deps);
  return { byNam, included };
}

/** Most `_id` values one read of missing includes carries. */
const IDS_PER_READ = 100;

/**
 * What the matches reference and the answer did not include (no `_include` at this server, or it
 * left some out), read by `[type]?_id=<id>,...` (http://hl7.org/fhir/R4/search.html#id). Contained
 * references (`#id`) are inside their resource already.
 */
async function readMissingIncludes(source: SourceConfig & { url: string }, search: PatientSearch, matches: readonly Resource[], included: IncludedResources, capabilities: ServerCapabilities, signal: AbortSignal, deps: SearchDeps): Promise<void> {
  const missing = new Map<string, Set<string>>();
  for (const spec of search.includes ?? []) {
    for (const match of matches) {
      for (const reference of spec.referencesOf(match)) {
        const key = referenceKeyOf(reference?.reference, spec.targetType);
        if (!key || included.has(key)) continue;
        const ids = missing.get(spec.targetType) ?? new Set<string>();
        ids.add(key.slice(spec.targetType.length + 1));
        missing.set(spec.targetType, ids);
      }
    }
  }
  for (const [type, ids] of missing) {
    const list = [...ids];
    for (let start = 0; start < list.length; start += IDS_PER_READ) {
      const form = new URLSearchParams([['_id', idList(list.slice(start, start + IDS_PER_READ))], ['_count', String(PAGE_SIZE)]]);
      const { matches: found } = await searchset(source, type, form, capabilities, signal, deps);
      // Only what was asked for: a server that ignored `_id` answered more than that.
      for (const resource of found) if (ids.has(resource.id ?? '') && !included.has(keyOf(resource))) included.add(resource);
    }
  }
}

/** An HTTP status by which the server refused the search (adapters/http.ts words it `HTTP <status>`). */
function isRejection(error: unknown): boolean {
  if (!(error instanceof SourceError) || error.failure !== 'http-status') return false;
  const status = /HTTP (\d{3})$/.exec(error.message)?.[1];
  return status !== undefined && REJECTIONS.has(Number(status));
}

import type { CapabilityStatement, CapabilityStatementRestResource, Extension } from '@medplum/fhirtypes';
import { SourceError } from '../port';

/**
 * What a FHIR server says it can do, read from its CapabilityStatement
 * (http://hl7.org/fhir/R4/capabilitystatement.html): per resource type, whether it can be searched,
 * by which parameters, what it may `_include`, and whether a search may be POSTed.
 */
export interface TypeCapabilities {
  /** The `search-type` interaction is listed (http://hl7.org/fhir/R4/http.html#search). */
  search: boolean;
  /** Search by POST `[type]/_search` is allowed: every server unless it says GET only (see SEARCH_MODE). */
  post: boolean;
  /** The names of rest.resource.searchParam. */
  params: ReadonlySet<string>;
  /** rest.resource.searchInclude (`Type:param`, or `*` for any). */
  includes: ReadonlySet<string>;
}

export interface ServerCapabilities {
  /** False when the statement could not be read and the baseline was assumed instead. */
  stated: boolean;
  /** The statement's types; a type it does not list gets the baseline. */
  types: ReadonlyMap<string, TypeCapabilities>;
}

/**
 * The FHIR extension that says whether a server takes search by GET, POST or both
 * (http://hl7.org/fhir/extensions/StructureDefinition-capabilitystatement-search-mode.html),
 * read on the search-type interaction, the resource, or the rest element. Without it, a server is
 * taken to accept POST, as R4 asks of servers (http://hl7.org/fhir/R4/http.html#search).
 */
export const SEARCH_MODE = 'http://hl7.org/fhir/StructureDefinition/capabilitystatement-search-mode';

/**
 * What is assumed of a type a statement does not describe (or of a server without a readable
 * statement): searchable by POST, by the parameters every R4 server defines for it, and nothing
 * to `_include`. That is the two-step path (`Patient?identifier=`, then `patient=`), which asks
 * the least of a server.
 */
export const BASELINE: TypeCapabilities = { search: true, post: true, params: new Set(['_id', 'identifier', 'patient']), includes: new Set() };

export const BASELINE_CAPABILITIES: ServerCapabilities = { stated: false, types: new Map() };

export function capabilitiesOf(capabilities: ServerCapabilities, type: string): TypeCapabilities {
  return capabilities.types.get(type) ?? BASELINE;
}

/** Whether the server may `_include` this (`MedicationDispense:medication`), by name or by `*`. */
export function offersInclude(capabilities: ServerCapabilities, include: string): boolean {
  const type = include.slice(0, include.indexOf(':'));
  const includes = capabilitiesOf(capabilities, type).includes;
  return includes.has(include) || includes.has('*');
}

/**
 * Whether a type can be searched for a batch of NAMs in one request: `patient.identifier=<NAM>,...`
 * with `_include=<Type>:patient`. R4's CapabilityStatement has no element that lists chains, so a
 * chain is taken as offered when the type lists it as a parameter (`patient.identifier`, as some
 * servers do) or lists what it needs: its `patient` reference parameter and Patient's `identifier`
 * parameter at the end of the chain (http://hl7.org/fhir/R4/search.html#chaining). The `_include`
 * of the Patient is needed either way: the only place the answer says which NAM a record is about.
 * A server that states these and still ignores the chain is caught by its answer
 * (adapters/fhir/attribution.ts) and asked in two steps from then on.
 */
export function offersChainedSearch(capabilities: ServerCapabilities, type: string): boolean {
  if (!capabilities.stated) return false;
  const own = capabilitiesOf(capabilities, type);
  const patient = capabilities.types.get('Patient');
  const chain = own.params.has('patient.identifier') || (own.params.has('patient') && !!patient?.params.has('identifier'));
  return own.search && chain && offersInclude(capabilities, `${type}:patient`);
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The search mode an element's extensions state, if any. */
function searchModeOf(extensions: Extension[] | undefined): 'GET' | 'POST' | 'both' | undefined {
  const mode = Array.isArray(extensions) ? extensions.find((e) => isObject(e) && e.url === SEARCH_MODE)?.valueCode : undefined;
  return mode === 'GET' || mode === 'POST' || mode === 'both' ? mode : undefined;
}

const names = (list: unknown, read: (item: Record<string, unknown>) => unknown): Set<string> =>
  new Set((Array.isArray(list) ? list : []).filter(isObject).map(read).filter((name): name is string => typeof name === 'string' && name !== ''));

/**
 * Reads a CapabilityStatement (the server's `rest` element in mode "server"). Anything else is
 * malformed; the error never quotes the body.
 */
export function readCapabilityStatement(json: unknown): ServerCapabilities {
  if (!isObject(json) || json.resourceType !== 'CapabilityStatement') throw new SourceError('malformed', 'metadata is not a CapabilityStatement');
  const statement = json as unknown as CapabilityStatement;
  const rest = (Array.isArray(statement.rest) ? statement.rest : []).find((r) => isObject(r) && r.mode === 'server');
  if (!rest) throw new SourceError('malformed', 'CapabilityStatement has no server rest element');
  const restMode = searchModeOf(rest.extension);
  const types = new Map<string, TypeCapabilities>();
  for (const resource of (Array.isArray(rest.resource) ? rest.resource : []) as CapabilityStatementRestResource[]) {
    if (!isObject(resource) || typeof resource.type !== 'string') continue;
    const interactions = (Array.isArray(resource.interaction) ? resource.interaction : []).filter(isObject);
    const searchType = interactions.find((interaction) => interaction.code === 'search-type');
    const mode = searchModeOf(searchType?.extension) ?? searchModeOf(resource.extension) ?? restMode;
    types.set(resource.type, {
      search: !!searchType,
      post: mode !== 'GET',
      params: new Set([...names(resource.searchParam, (p) => p.name), ...names(rest.searchParam, (p) => p.name)]),
      includes: new Set((Array.isArray(resource.searchInclude) ? resource.searchInclude : []).filter((i): i is string => typeof i === 'string')),
    });
  }
  return { stated: true, types };
}

import type {
  CapabilityStatement,
  CapabilityStatementRestResource,
  CapabilityStatementRestResourceInteraction,
  CapabilityStatementRestResourceSearchParam,
} from '@medplum/fhirtypes';

/** What a read-only FHIR server says of itself in its CapabilityStatement. */
export interface ServerCapabilities {
  /** The base the statement describes (implementation.url). */
  base: string;
  software: string;
  description: string;
  /** The resource types served, in the order listed. */
  types: Iterable<string>;
  /** The interactions every type supports. */
  interactions: readonly CapabilityStatementRestResourceInteraction['code'][];
  /** The search parameters a type is searched by. */
  searchParamsOf(type: string): CapabilityStatementRestResourceSearchParam[];
  /** What a type may `_include`; unset, its Patient (every type but Patient). */
  includesOf?(type: string): string[];
  /**
   * `GET`: the server takes no search by POST, said with the FHIR search-mode extension on the
   * search-type interaction (http://hl7.org/fhir/extensions/StructureDefinition-capabilitystatement-search-mode.html).
   */
  searchMode?: 'GET';
}

const SEARCH_MODE = 'http://hl7.org/fhir/StructureDefinition/capabilitystatement-search-mode';

/**
 * A minimal CapabilityStatement (http://hl7.org/fhir/R4/capabilitystatement.html) of one server
 * instance (kind `instance`), FHIR 4.0.1, JSON only: each type with its interactions, its search
 * parameters, and `_include` of its Patient for every type but Patient (they all reference one).
 * The date is fixed: the statement changes with the code, not with the clock.
 */
export function capabilityStatement(server: ServerCapabilities): CapabilityStatement {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-01-05',
    kind: 'instance',
    software: { name: server.software },
    implementation: { description: server.description, url: server.base },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json'],
    rest: [
      {
        mode: 'server',
        resource: [...server.types].map((type): CapabilityStatementRestResource => ({
          type: type as CapabilityStatementRestResource['type'],
          interaction: server.interactions.map((code) => (code === 'search-type' && server.searchMode ? { code, extension: [{ url: SEARCH_MODE, valueCode: server.searchMode }] } : { code })),
          searchInclude: server.includesOf ? nonEmpty(server.includesOf(type)) : type === 'Patient' ? undefined : [`${type}:patient`],
          searchParam: server.searchParamsOf(type),
        })),
      },
    ],
  };
}

const nonEmpty = (list: string[]) => (list.length ? list : undefined);

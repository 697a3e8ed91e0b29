import type { AllergyIntolerance, Condition, DiagnosticReport, Encounter, Immunization, MedicationDispense, Reference, Resource } from '@medplum/fhirtypes';
import type { Logger } from '../../lib/logger';
import type { DomainOf } from '../../lib/protocols';
import type { SourceConfig } from '../../lib/sources';
import { isOnOrAfter } from '../../lib/time';
import type { RecordKind, RecordsByKind } from '../../schema/records';
import type { SourceRoute } from '../http';
import type { CrossReferenceFeed, RecordQuery, RecordSource } from '../port';
import { toAllergyRecord } from './allergy-intolerance';
import { CapabilityCaches, type CapabilityCache } from './capability-cache';
import { toConditionRecord } from './condition';
import { fitToContract } from './contract-fit';
import { toLabResultRecords } from './diagnostic-report';
import { toEncounterRecord } from './encounter';
import { toImmunizationRecord } from './immunization';
import { mappingContext, MappingProblems, type MappingContext } from './mapping';
import { toMedicationDispenseRecord } from './medication-dispense';
import { searchForPatients, type IncludeSpec } from './search';

/** How one kind of record is read from a FHIR R4 server. */
export interface FhirKind<K extends RecordKind = RecordKind, R extends Resource = Resource> {
  readonly kind: K;
  readonly resourceType: R['resourceType'];
  /** The element that references the patient. */
  patientOf(resource: R): Reference | undefined;
  /** What the records are made with besides the match (`_include`, or read by `_id`). */
  readonly includes?: readonly IncludeSpec[];
  /**
   * The records one resource stands for, made with what the answer included: none (entered in
   * error, or too little to show), one, or several (a DiagnosticReport and its Observations).
   */
  toRecords(resource: R, context: MappingContext): RecordsByKind[K][];
  /**
   * How `since` narrows the search: the type's date search parameter (sent with the `ge`
   * prefix, http://hl7.org/fhir/R4/search.html#prefix) and the record date it bounds. The
   * records are filtered again here, since a server may ignore a parameter it does not support.
   * Kinds without it (a condition or an allergy stays true) take every record.
   */
  readonly since?: { param: string; dateOf(record: RecordsByKind[K]): string | undefined };
}

/** A one-to-one mapper as a toRecords. */
const one =
  <R, T>(map: (resource: R, context: MappingContext) => T | undefined) =>
  (resource: R, context: MappingContext): T[] => {
    const record = map(resource, context);
    return record === undefined ? [] : [record];
  };

const medications: FhirKind<'medications', MedicationDispense> = {
  kind: 'medications',
  resourceType: 'MedicationDispense',
  patientOf: (dispense) => dispense.subject,
  includes: [{ include: 'MedicationDispense:medication', targetType: 'Medication', referencesOf: (r) => [(r as MedicationDispense).medicationReference] }],
  toRecords: one(toMedicationDispenseRecord),
  since: { param: 'whenhandedover', dateOf: (record) => record.dispensedAt },
};
const labResults: FhirKind<'labResults', DiagnosticReport> = {
  kind: 'labResults',
  resourceType: 'DiagnosticReport',
  patientOf: (report) => report.subject,
  includes: [{ include: 'DiagnosticReport:result', targetType: 'Observation', referencesOf: (r) => (r as DiagnosticReport).result ?? [] }],
  toRecords: toLabResultRecords,
  // `date` searches DiagnosticReport.effective[x], the clinically relevant time (specimen collection).
  since: { param: 'date', dateOf: (record) => record.observedAt },
};
const encounters: FhirKind<'encounters', Encounter> = {
  kind: 'encounters',
  resourceType: 'Encounter',
  patientOf: (encounter) => encounter.subject,
  includes: [{ include: 'Encounter:service-provider', targetType: 'Organization', referencesOf: (r) => [(r as Encounter).serviceProvider] }],
  toRecords: one(toEncounterRecord),
  since: { param: 'date', dateOf: (record) => record.start },
};
const conditions: FhirKind<'conditions', Condition> = {
  kind: 'conditions',
  resourceType: 'Condition',
  patientOf: (condition) => condition.subject,
  toRecords: one(toConditionRecord),
};
const allergies: FhirKind<'allergies', AllergyIntolerance> = {
  kind: 'allergies',
  resourceType: 'AllergyIntolerance',
  patientOf: (allergy) => allergy.patient,
  toRecords: one(toAllergyRecord),
};
const immunizations: FhirKind<'immunizations', Immunization> = {
  kind: 'immunizations',
  resourceType: 'Immunization',
  patientOf: (immunization) => immunization.patient,
  toRecords: one(toImmunizationRecord),
};

/**
 * The record kinds a FHIR source serves, by the domain the sources file gives it: one entry per
 * domain the registry (lib/protocols.ts) lets fhir-r4 serve, checked by the compiler.
 */
export const FHIR_KINDS: Record<DomainOf<'fhir-r4'>, readonly FhirKind[]> = {
  MEDICATIONS: [medications],
  LAB_RESULTS: [labResults],
  CLINICAL: [encounters, conditions, allergies, immunizations],
};

export interface FhirSourceDeps {
  /** Where the ids a two-step search finds are kept (locator/cross-reference.ts); unset, they are searched again each time. */
  xref?: CrossReferenceFeed;
  /** Mapping problems, strategy changes and GET-only servers are logged here (never who). */
  logger?: Logger;
  /** The service's CapabilityStatement caches, kept across reloads; unset, this server's statement is cached by its sources alone. */
  capabilities?: CapabilityCaches;
  /** The service's source credentials (adapters/source-connections.ts). */
  connections?: SourceRoute['connections'];
}

/** The kinds of record a FHIR source of this domain serves; none for a domain FHIR does not serve. */
export const fhirKindsOf = (domain: string): readonly FhirKind[] => (FHIR_KINDS as Partial<Record<string, readonly FhirKind[]>>)[domain] ?? [];

/** One kind of record from one FHIR R4 server. */
class FhirRecordSource implements RecordSource {
  constructor(
    readonly source: SourceConfig & { url: string },
    private readonly spec: FhirKind,
    private readonly capabilities: CapabilityCache,
    private readonly deps: FhirSourceDeps,
  ) {}

  get kind(): RecordKind {
    return this.spec.kind;
  }

  /** The server's CapabilityStatement, read before the first view needs it (every kind of this server shares the one read). */
  prepare(signal: AbortSignal): Promise<void> {
    return this.capabilities.prepare(signal);
  }

  async fetch(query: RecordQuery): Promise<Map<string, RecordsByKind[RecordKind][]>> {
    const { spec, source, deps } = this;
    const params: [string, string][] = spec.since && query.since ? [[spec.since.param, `ge${query.since}`]] : [];
    const { byNam, included } = await searchForPatients(source, { resourceType: spec.resourceType, patientOf: spec.patientOf, params, includes: spec.includes }, query, {
      capabilities: this.capabilities,
      xref: deps.xref,
      logger: deps.logger,
      connections: deps.connections,
    });
    const problems = new MappingProblems();
    const context = mappingContext(source, included, problems);
    const records = new Map<string, RecordsByKind[RecordKind][]>();
    for (const [nam, list] of byNam) {
      const mapped = new Map<string, RecordsByKind[RecordKind]>();
      for (const resource of list) {
        for (const record of this.recordsOf(resource, context, problems)) {
          if (!spec.since || isOnOrAfter(spec.since.dateOf(record), query.since, source.timeZone)) mapped.set((record as { id: string }).id, record);
        }
      }
      if (mapped.size) records.set(nam, [...mapped.values()]);
    }
    problems.log(deps.logger, source.id);
    return records;
  }

  /**
   * One resource's records, each fitted to the contract. A mapper that throws on data it did not
   * expect costs that resource's records, reported as a mapping problem, never the whole answer.
   */
  private recordsOf(resource: Resource, context: MappingContext, problems: MappingProblems): RecordsByKind[RecordKind][] {
    const { spec } = this;
    let records: RecordsByKind[RecordKind][];
    try {
      records = spec.toRecords(resource, context);
    } catch {
      problems.report(spec.resourceType, 'could not be mapped');
      return [];
    }
    return records.flatMap((record) => fitToContract(spec.kind, record, (field, issue) => problems.report(`${spec.resourceType} -> ${spec.kind}.${field}`, issue)) ?? []);
  }
}

/**
 * The record sources of one FHIR R4 server: MEDICATIONS -> medications (MedicationDispense);
 * LAB_RESULTS -> lab results (DiagnosticReport with its Observations); CLINICAL -> encounters,
 * conditions, allergies and immunizations. They share one reading of the server's
 * CapabilityStatement. Throws on a source the sources file should not have let through (no URL,
 * a domain FHIR does not serve here).
 */
export function createFhirSources(source: SourceConfig, deps: FhirSourceDeps = {}): RecordSource[] {
  const kinds = fhirKindsOf(source.domain);
  if (source.protocol !== 'fhir-r4' || !kinds.length) throw new Error(`source ${source.id}: the FHIR adapters serve MEDICATIONS, LAB_RESULTS and CLINICAL over fhir-r4`);
  if (!source.url) throw new Error(`source ${source.id}: a FHIR source needs a url`);
  const withUrl = { ...source, url: source.url.replace(/\/+$/, '') };
  const capabilities = (deps.capabilities ?? new CapabilityCaches({ logger: deps.logger, connections: deps.connections })).for(withUrl);
  return kinds.map((spec) => new FhirRecordSource(withUrl, spec, capabilities, deps));
}
export { CapabilityCaches } from './capability-cache';

import type { AllergyIntolerance, Condition, Encounter, Immunization, MedicationDispense, Reference, Resource } from '@medplum/fhirtypes';
import type { DomainOf } from '../../lib/protocols';
import type { SourceConfig } from '../../lib/sources';
import { isOnOrAfter } from '../../lib/time';
import type { RecordKind, RecordsByKind } from '../../schema/records';
import type { RecordQuery, RecordSource } from '../port';
import { toAllergyRecord } from './allergy-intolerance';
import { toConditionRecord } from './condition';
import { toEncounterRecord } from './encounter';
import { toImmunizationRecord } from './immunization';
import { toMedicationDispenseRecord } from './medication-dispense';
import { searchForPatients } from './search';

/** How one kind of record is read from a FHIR R4 server. */
export interface FhirKind<K extends RecordKind = RecordKind, R extends Resource = Resource> {
  readonly kind: K;
  readonly resourceType: R['resourceType'];
  /** The element that references the patient. */
  patientOf(resource: R): Reference | undefined;
  toRecord(resource: R, source: SourceConfig): RecordsByKind[K] | undefined;
  /**
   * How `since` narrows the search: the type's date search parameter (sent with the `ge`
   * prefix, http://hl7.org/fhir/R4/search.html#prefix) and the record date it bounds. The
   * records are filtered again here, since a server may ignore a parameter it does not support.
   * Kinds without it (a condition or an allergy stays true) take every record.
   */
  readonly since?: { param: string; dateOf(record: RecordsByKind[K]): string | undefined };
}

const medications: FhirKind<'medications', MedicationDispense> = {
  kind: 'medications',
  resourceType: 'MedicationDispense',
  patientOf: (dispense) => dispense.subject,
  toRecord: toMedicationDispenseRecord,
  since: { param: 'whenhandedover', dateOf: (record) => record.dispensedAt },
};
const encounters: FhirKind<'encounters', Encounter> = {
  kind: 'encounters',
  resourceType: 'Encounter',
  patientOf: (encounter) => encounter.subject,
  toRecord: toEncounterRecord,
  since: { param: 'date', dateOf: (record) => record.start },
};
const conditions: FhirKind<'conditions', Condition> = {
  kind: 'conditions',
  resourceType: 'Condition',
  patientOf: (condition) => condition.subject,
  toRecord: toConditionRecord,
};
const allergies: FhirKind<'allergies', AllergyIntolerance> = {
  kind: 'allergies',
  resourceType: 'AllergyIntolerance',
  patientOf: (allergy) => allergy.patient,
  toRecord: toAllergyRecord,
};
const immunizations: FhirKind<'immunizations', Immunization> = {
  kind: 'immunizations',
  resourceType: 'Immunization',
  patientOf: (immunization) => immunization.patient,
  toRecord: toImmunizationRecord,
};

/**
 * The record kinds a FHIR source serves, by the domain the sources file gives it: one entry per
 * domain the registry (lib/protocols.ts) lets fhir-r4 serve, checked by the compiler.
 */
export const FHIR_KINDS: Record<DomainOf<'fhir-r4'>, readonly FhirKind[]> = {
  MEDICATIONS: [medications],
  CLINICAL: [encounters, conditions, allergies, immunizations],
};

/** The kinds of record a FHIR source of this domain serves; none for a domain FHIR does not serve. */
export const fhirKindsOf = (domain: string): readonly FhirKind[] => (FHIR_KINDS as Partial<Record<string, readonly FhirKind[]>>)[domain] ?? [];

/** One kind of record from one FHIR R4 server. */
class FhirRecordSource implements RecordSource {
  constructor(
    readonly source: SourceConfig & { url: string },
    private readonly spec: FhirKind,
  ) {}

  get kind(): RecordKind {
    return this.spec.kind;
  }

  async fetch(query: RecordQuery): Promise<Map<string, RecordsByKind[RecordKind][]>> {
    const { spec, source } = this;
    const params: [string, string][] = spec.since && query.since ? [[spec.since.param, `ge${query.since}`]] : [];
    const resources = await searchForPatients(source, { resourceType: spec.resourceType, patientOf: spec.patientOf, params }, query);
    const records = new Map<string, RecordsByKind[RecordKind][]>();
    for (const [nam, list] of resources) {
      const mapped = list
        .map((resource) => spec.toRecord(resource, source))
        .filter((record): record is RecordsByKind[RecordKind] => record !== undefined)
        .filter((record) => !spec.since || isOnOrAfter(spec.since.dateOf(record), query.since, source.timeZone));
      if (mapped.length) records.set(nam, mapped);
    }
    return records;
  }
}

/**
 * The record sources of one FHIR R4 server: MEDICATIONS -> medications (MedicationDispense);
 * CLINICAL -> encounters, conditions, allergies and immunizations. Throws on a source the
 * sources file should not have let through (no URL, a domain FHIR does not serve here).
 */
export function createFhirSources(source: SourceConfig): RecordSource[] {
  const kinds = fhirKindsOf(source.domain);
  if (source.protocol !== 'fhir-r4' || !kinds.length) throw new Error(`source ${source.id}: the FHIR adapters serve MEDICATIONS and CLINICAL over fhir-r4`);
  if (!source.url) throw new Error(`source ${source.id}: a FHIR source needs a url`);
  const withUrl = { ...source, url: source.url.replace(/\/+$/, '') };
  return kinds.map((spec) => new FhirRecordSource(withUrl, spec));
}

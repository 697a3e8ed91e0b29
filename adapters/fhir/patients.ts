import type { Patient, Reference, Resource } from '@medplum/fhirtypes';
import { normalizeNam } from '../../lib/nam';
import type { SourceConfig } from '../../lib/sources';
import type { PatientRef } from '../port';
import { patientKeyOf } from './references';

export { patientKeyOf } from './references';

/**
 * Who a search is about, both ways: the values that select the asked people on a source, and the
 * NAM each answered resource belongs to. How those values are sent (chained, or in two steps) is
 * adapters/fhir/search.ts's choice.
 */

/** Escapes the characters FHIR search gives meaning to in a value (http://hl7.org/fhir/R4/search.html#escaping). */
export const escapeSearchValue = (value: string) => value.replace(/[\\,$|]/g, (c) => `\\${c}`);

/** For one answer: the NAM a patient reference stands for, among those asked; undefined when it names nobody asked. */
export type PatientResolver = (reference: Reference | undefined) => string | undefined;

/** The asked NAMs, normalized, each to the NAM as the caller gave it. */
export function askedNams(patients: readonly PatientRef[]): Map<string, string> {
  const asked = new Map<string, string>();
  for (const patient of patients) asked.set(normalizeNam(patient.nam), patient.nam);
  return asked;
}

/** `<system>|<NAM>,...`: a token list, a comma being OR (http://hl7.org/fhir/R4/search.html#combining). */
export function namTokens(source: SourceConfig, asked: ReadonlyMap<string, string>): string {
  return [...asked.keys()].map((nam) => `${escapeSearchValue(source.namSystem)}|${escapeSearchValue(nam)}`).join(',');
}

/**
 * `patient.identifier=<system>|<NAM>,...` chains through the patient reference to the Patient's
 * identifier (http://hl7.org/fhir/R4/search.html#chaining), and `_include=<Type>:patient` brings
 * those Patients into the Bundle: the only place the answer says which NAM a resource is about.
 */
export function chainedCriteria(source: SourceConfig, resourceType: string, patients: readonly PatientRef[]): [string, string][] {
  const asked = askedNams(patients);
  return asked.size ? [['patient.identifier', namTokens(source, asked)], ['_include', `${resourceType}:patient`]] : [];
}

/** `<id>,<id>` for `patient=`: the ids the people are filed under on this source. */
export const idList = (ids: Iterable<string>) => [...ids].map(escapeSearchValue).join(',');

/** A resolver from local ids ("Patient/<id>" -> NAM): what the cross-reference or a Patient search gave. */
export function byLocalIds(namById: ReadonlyMap<string, string>): PatientResolver {
  const namByKey = new Map([...namById].map(([id, nam]) => [`Patient/${id}`, nam]));
  return (reference) => namByKey.get(patientKeyOf(reference?.reference) ?? '');
}

/**
 * A resolver for a chained search's answer: the NAMs of the Patients it included, and logical
 * references by NAM (a reference by identifier names the person without a Patient to look up).
 */
export function byIncludedPatients(source: SourceConfig, included: readonly Resource[], asked: ReadonlyMap<string, string>): PatientResolver {
  const namByKey = new Map<string, string>();
  for (const resource of included) {
    if (resource.resourceType !== 'Patient' || typeof resource.id !== 'string') continue;
    const nam = askedNamOf(resource, source.namSystem, asked);
    if (nam) namByKey.set(`Patient/${resource.id}`, nam);
  }
  return (reference) => {
    const identifier = reference?.identifier;
    if (identifier?.system === source.namSystem && typeof identifier.value === 'string') return asked.get(normalizeNam(identifier.value));
    return namByKey.get(patientKeyOf(reference?.reference) ?? '');
  };
}

/**
 * The asked NAM a Patient carries in the source's NAM system, if any. An identifier whose use is
 * `old` no longer stands for the person (http://hl7.org/fhir/R4/valueset-identifier-use.html).
 */
export function askedNamOf(patient: Patient, namSystem: string, asked: ReadonlyMap<string, string>): string | undefined {
  for (const identifier of Array.isArray(patient.identifier) ? patient.identifier : []) {
    if (identifier?.system !== namSystem || typeof identifier.value !== 'string' || identifier.use === 'old') continue;
    const nam = asked.get(normalizeNam(identifier.value));
    if (nam) return nam;
  }
  return undefined;
}

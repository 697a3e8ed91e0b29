import type { Patient, Reference, Resource } from '@medplum/fhirtypes';
import { normalizeNam } from '../../lib/nam';
import type { SourceConfig } from '../../lib/sources';
import type { PatientRef } from '../port';

/**
 * Who a search is about, both ways: the parameters that select the asked people on a source, and
 * the NAM each answered resource belongs to. A `nam` source knows people by an identifier on
 * Patient; a `local` source by its own Patient ids, which the cross-reference gave us.
 */
export interface PatientCriteria {
  /** Search parameters to send; none when nobody asked can be named on this source. */
  params: [string, string][];
  /** For one answer (given what it included): the NAM a patient reference stands for, among those asked. */
  resolver(included: Resource[]): (reference: Reference | undefined) => string | undefined;
}

/** Escapes the characters FHIR search gives meaning to in a value (http://hl7.org/fhir/R4/search.html#escaping). */
export const escapeSearchValue = (value: string) => value.replace(/[\\,$|]/g, (c) => `\\${c}`);

/** A FHIR id (http://hl7.org/fhir/R4/datatypes.html#id), as the last part of a reference. */
const PATIENT_REFERENCE = /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]*)?$/;

/** "Patient/<id>" for a relative, absolute or versioned literal reference. */
export function patientKeyOf(reference: string | undefined): string | undefined {
  const match = reference ? PATIENT_REFERENCE.exec(reference) : null;
  return match ? `Patient/${match[1]}` : undefined;
}

/** The criteria for a batch of patients on one source, by how that source identifies people. */
export function patientCriteria(source: SourceConfig, resourceType: string, patients: readonly PatientRef[]): PatientCriteria {
  return source.patientId === 'local' ? byLocalId(patients) : byNam(source, resourceType, patients);
}

/**
 * `patient=<id>,<id>`: a comma is OR (http://hl7.org/fhir/R4/search.html#combining). Only people
 * with a local id can be asked; the rest are unknown to this source.
 */
function byLocalId(patients: readonly PatientRef[]): PatientCriteria {
  const namById = new Map<string, string>();
  for (const patient of patients) if (patient.localId) namById.set(patient.localId, patient.nam);
  const namByKey = new Map([...namById].map(([id, nam]) => [`Patient/${id}`, nam]));
  return {
    params: namById.size ? [['patient', [...namById.keys()].map(escapeSearchValue).join(',')]] : [],
    resolver: () => (reference) => namByKey.get(patientKeyOf(reference?.reference) ?? ''),
  };
}

/**
 * `patient.identifier=<system>|<NAM>,...` chains through the patient reference to the Patient's
 * identifier (http://hl7.org/fhir/R4/search.html#chaining), and `_include=<Type>:patient` brings
 * those Patients into the Bundle: the only place the answer says which NAM a resource is about.
 */
function byNam(source: SourceConfig, resourceType: string, patients: readonly PatientRef[]): PatientCriteria {
  const asked = new Map<string, string>();
  for (const patient of patients) asked.set(normalizeNam(patient.nam), patient.nam);
  const values = [...asked.keys()].map((nam) => `${escapeSearchValue(source.namSystem)}|${escapeSearchValue(nam)}`);
  return {
    params: values.length ? [['patient.identifier', values.join(',')], ['_include', `${resourceType}:patient`]] : [],
    resolver(included) {
      const namByKey = namsOfIncludedPatients(source, included, asked);
      return (reference) => {
        // A logical reference by identifier names the person without a Patient to look up.
        const identifier = reference?.identifier;
        if (identifier?.system === source.namSystem && typeof identifier.value === 'string') return asked.get(normalizeNam(identifier.value));
        return namByKey.get(patientKeyOf(reference?.reference) ?? '');
      };
    },
  };
}

/**
 * "Patient/<id>" -> NAM from the included Patients, kept only for NAMs we asked: a server that
 * ignores the chained parameter answers for everyone, and those people must not leak into a batch.
 */
function namsOfIncludedPatients(source: SourceConfig, included: Resource[], asked: Map<string, string>): Map<string, string> {
  const namByKey = new Map<string, string>();
  for (const resource of included) {
    if (resource.resourceType !== 'Patient' || typeof resource.id !== 'string') continue;
    const nam = namOfPatient(resource, source.namSystem, asked);
    if (nam) namByKey.set(`Patient/${resource.id}`, nam);
  }
  return namByKey;
}

function namOfPatient(patient: Patient, namSystem: string, asked: Map<string, string>): string | undefined {
  for (const identifier of Array.isArray(patient.identifier) ? patient.identifier : []) {
    if (identifier?.system !== namSystem || typeof identifier.value !== 'string') continue;
    const nam = asked.get(normalizeNam(identifier.value));
    if (nam) return nam;
  }
  return undefined;
}

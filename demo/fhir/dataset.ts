import type { Encounter, Medication, MedicationDispense, Organization, Patient, Resource } from '@medplum/fhirtypes';
import { isUnknownToSources, localPharmacyIdOf, seeded, type DemoPerson } from '../people';
import { DRUGS } from './catalog';
import { demoClinicRecords } from './clinic-records';
import { demoDispenses, type DispenseOptions } from './dispenses';
import { demoLabReports } from './lab-reports';
import { namIdentifier, patientResource } from './patient-resource';

/**
 * The neighbourhood pharmacies of Montréal's other five areas (the roll-out connects every area's
 * pharmacies first): a person living in an area fills some prescriptions near home too.
 */
export const AREA_PHARMACIES = {
  'pharmacy-mtl-east': 'East',
  'pharmacy-mtl-north': 'North',
  'pharmacy-mtl-south-west': 'South-west',
  'pharmacy-mtl-centre-west': 'Centre-west',
  'pharmacy-mtl-west': 'West',
} as const;
type AreaPharmacy = keyof typeof AREA_PHARMACIES;
const AREA_PHARMACY_IDS = Object.keys(AREA_PHARMACIES) as AreaPharmacy[];

/**
 * Sources demo/sources.json lists for a later day (a clinic of the North area, the Centre's
 * emergency room): their servers answer, with nothing on file yet, when their day comes.
 */
const PLANNED_CLINICS = ['clinic-mtl-north', 'er-mtl-centre'] as const;

/**
 * The FHIR tenants of the demo server, one per FHIR source in demo/sources.json (same ids).
 * `lab-mtl-north` is the demo FHIR laboratory (LAB_RESULTS over fhir-r4): its base is
 * `[server]/lab-mtl-north/fhir`.
 */
export const DEMO_FHIR_TENANTS = ['pharmacy-mtl-centre', 'pharmacy-trois-rivieres', 'clinic-mtl-east', 'lab-mtl-north', ...AREA_PHARMACY_IDS, ...PLANNED_CLINICS] as const;
export type DemoFhirTenant = (typeof DEMO_FHIR_TENANTS)[number];
export type DemoFhirDataset = Record<DemoFhirTenant, Resource[]>;

const PHARMACY_TYPES = ['Patient', 'MedicationDispense'] as const;
const CLINIC_TYPES = ['Patient', 'Encounter', 'Condition', 'AllergyIntolerance', 'Immunization', 'Organization'] as const;
/** The resource types each tenant serves (besides Patient). */
export const DEMO_FHIR_TYPES: Record<DemoFhirTenant, readonly string[]> = {
  'pharmacy-mtl-centre': PHARMACY_TYPES,
  'pharmacy-trois-rivieres': ['Patient', 'MedicationDispense', 'Medication'],
  'clinic-mtl-east': CLINIC_TYPES,
  'clinic-mtl-north': CLINIC_TYPES,
  'er-mtl-centre': CLINIC_TYPES,
  'lab-mtl-north': ['Patient', 'DiagnosticReport', 'Observation'],
  ...(Object.fromEntries(AREA_PHARMACY_IDS.map((id) => [id, PHARMACY_TYPES])) as unknown as Record<AreaPharmacy, readonly string[]>),
};

/** The hospital whose emergency room the clinic's patients go to: the serviceProvider of their ER visits. */
export const DEMO_ER_HOSPITAL: Organization = {
  resourceType: 'Organization',
  id: 'hmr',
  meta: { versionId: '1', lastUpdated: '2026-01-05T14:00:00Z' },
  active: true,
  type: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/organization-type', code: 'prov', display: 'Healthcare Provider' }] }],
  name: 'Hôpital Maisonneuve-Rosemont',
  address: [{ city: 'Montréal', state: 'QC', country: 'CA' }],
};

/** Who performs the demo laboratory's tests, as its reports name it. */
export const DEMO_LAB_NAME = 'Laboratoire de l’Hôpital du Sacré-Cœur-de-Montréal';

/** Most Montréal people have had blood drawn at the laboratory. */
export const hasLabReports = (person: DemoPerson) => person.region === 'Montréal' && seeded(9400 + person.index)() < 0.7;

/** The area pharmacy near a Montréal person's home, when they fill there too (one in three, drawn per person). */
export function areaPharmacyOf(person: DemoPerson): AreaPharmacy | undefined {
  if (person.region !== 'Montréal' || hasNoDemoRecords(person) || seeded(9500 + person.index)() >= 1 / 3) return undefined;
  return AREA_PHARMACY_IDS.find((id) => AREA_PHARMACIES[id] === person.area);
}

/** The Trois-Rivières pharmacy's own patient file numbers. */
export const TROIS_RIVIERES_FILE_SYSTEM = 'https://pharmaciedesforges.example/dossier-patient';

/** A handful of people the demo systems know (their record exists) but who have nothing on file. */
export const hasNoDemoRecords = isUnknownToSources;

/** Mauricie people who also fill prescriptions in Montréal (visiting family, a specialist...). */
export const fillsInBothRegions = (person: DemoPerson) => person.region === 'Mauricie' && person.index % 10 === 9;

/** Most Montréal people are followed at the clinic; the draw is per person, so it never changes. */
export const isFollowedAtClinic = (person: DemoPerson) => person.region === 'Montréal' && seeded(9000 + person.index)() < 0.8;

/**
 * The Patient.id a tenant files a person under. The nam tenants use server-assigned numbers (as
 * HAPI does) and carry the NAM as an identifier; Trois-Rivières uses its file number, which the
 * gateway only links to a NAM through the imported cross-reference.
 */
export function demoPatientIdOf(tenant: DemoFhirTenant, person: DemoPerson): string {
  if (tenant === 'pharmacy-trois-rivieres') return localPharmacyIdOf(person);
  if (tenant in AREA_PHARMACIES) return String(3000 + person.index * 3);
  return String(({ 'pharmacy-mtl-centre': 1000, 'clinic-mtl-east': 5000, 'lab-mtl-north': 3000, 'clinic-mtl-north': 7000, 'er-mtl-centre': 8000 } as Record<string, number>)[tenant] + person.index * 3);
}

/**
 * Everything the demo FHIR server holds, per tenant, derived from the people alone (seeded per
 * person and tenant): the same people always get the same records, in every process.
 */
export function demoFhirResources(people: readonly DemoPerson[]): DemoFhirDataset {
  const dataset = Object.fromEntries(DEMO_FHIR_TENANTS.map((tenant) => [tenant, []])) as unknown as DemoFhirDataset;
  const counters = { 'pharmacy-mtl-centre': 20000, 'pharmacy-trois-rivieres': 70000, 'clinic-mtl-east': 40000, 'lab-mtl-north': 60000, ...Object.fromEntries(AREA_PHARMACY_IDS.map((id, i) => [id, 100000 * (i + 1)])) } as Record<DemoFhirTenant, number>;
  const nextId = (tenant: DemoFhirTenant) => () => String(++counters[tenant]);
  for (const person of people) {
    const empty = hasNoDemoRecords(person);
    const montreal = person.region === 'Montréal';
    if (montreal || fillsInBothRegions(person)) {
      dataset['pharmacy-mtl-centre'].push(patient('pharmacy-mtl-centre', person));
      if (!empty) {
        const options: DispenseOptions = montreal
          ? { dinSystem: 'http://hl7.org/fhir/NamingSystem/ca-hc-din', withOffset: true, drugs: 1 + Math.floor(seeded(7000 + person.index)() * 3), maxFills: 6, acute: true }
          : { dinSystem: 'http://hl7.org/fhir/NamingSystem/ca-hc-din', withOffset: true, drugs: 1, maxFills: 2, acute: false };
        dataset['pharmacy-mtl-centre'].push(...demoDispenses(seeded(7100 + person.index), demoPatientIdOf('pharmacy-mtl-centre', person), nextId('pharmacy-mtl-centre'), options));
      }
    }
    if (!montreal) {
      dataset['pharmacy-trois-rivieres'].push(patient('pharmacy-trois-rivieres', person));
      if (!empty) {
        // This pharmacy's software writes Infoway's DIN system and local times without an offset.
        const options: DispenseOptions = { dinSystem: 'https://fhir.infoway-inforoute.ca/NamingSystem/ca-hc-din', withOffset: false, drugs: 1 + (person.index % 3), maxFills: 6, acute: true };
        dataset['pharmacy-trois-rivieres'].push(...demoDispenses(seeded(8100 + person.index), demoPatientIdOf('pharmacy-trois-rivieres', person), nextId('pharmacy-trois-rivieres'), options).map(byMedicationReference));
      }
    }
    const near = areaPharmacyOf(person);
    if (near) {
      dataset[near].push(patient(near, person));
      const options: DispenseOptions = { dinSystem: 'http://hl7.org/fhir/NamingSystem/ca-hc-din', withOffset: true, drugs: 1, maxFills: 3, acute: true };
      dataset[near].push(...demoDispenses(seeded(9600 + person.index), demoPatientIdOf(near, person), nextId(near), options));
    }
    if (montreal && (empty || isFollowedAtClinic(person))) {
      dataset['clinic-mtl-east'].push(patient('clinic-mtl-east', person));
      if (!empty) {
        dataset['clinic-mtl-east'].push(...demoClinicRecords(seeded(9100 + person.index), person, demoPatientIdOf('clinic-mtl-east', person), nextId('clinic-mtl-east')).map(asTheClinicWrites));
      }
    }
    if (montreal && (empty || hasLabReports(person))) {
      dataset['lab-mtl-north'].push(patient('lab-mtl-north', person));
      if (!empty) dataset['lab-mtl-north'].push(...demoLabReports(seeded(9500 + person.index), demoPatientIdOf('lab-mtl-north', person), nextId('lab-mtl-north'), DEMO_LAB_NAME));
    }
  }
  dataset['pharmacy-trois-rivieres'].push(...medicationsReferenced(dataset['pharmacy-trois-rivieres']));
  dataset['clinic-mtl-east'].push(DEMO_ER_HOSPITAL);
  return dataset;
}

/**
 * The Trois-Rivières pharmacy's software files each drug once, as a Medication, and its dispenses
 * point to it (medicationReference), as many pharmacy systems do: the adapter reads the drug
 * through `_include=MedicationDispense:medication`, or by `_id` from a server without `_include`.
 */
function byMedicationReference(dispense: MedicationDispense): MedicationDispense {
  const din = dispense.medicationCodeableConcept?.coding?.[0]?.code;
  const { medicationCodeableConcept, ...rest } = dispense;
  return medicationCodeableConcept && din ? { ...rest, medicationReference: { reference: `Medication/din-${din}` } } : dispense;
}

/** One Medication per drug the dispenses reference, with the DIN coding and the label they carried. */
function medicationsReferenced(resources: readonly Resource[]): Medication[] {
  const byId = new Map<string, Medication>();
  for (const resource of resources) {
    if (resource.resourceType !== 'MedicationDispense' || !resource.medicationReference?.reference) continue;
    const id = resource.medicationReference.reference.slice('Medication/'.length);
    const din = id.slice('din-'.length);
    const drug = DRUGS.find((d) => d.din === din);
    if (!drug || byId.has(id)) continue;
    byId.set(id, {
      resourceType: 'Medication',
      id,
      meta: { versionId: '1', lastUpdated: '2026-01-05T14:00:00Z' },
      code: { coding: [{ system: 'https://fhir.infoway-inforoute.ca/NamingSystem/ca-hc-din', code: din, display: drug.name }], text: drug.name },
      form: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-orderableDrugForm', code: drug.unit.code, display: drug.unit.display }] },
    });
  }
  return [...byId.values()].sort((a, b) => a.id!.localeCompare(b.id!));
}

/**
 * The clinic's chart as its EMR writes it: an emergency visit took place at the hospital's ER,
 * recorded as the Encounter's serviceProvider; a problem that began long before the patient came
 * to the clinic has the month it began, not a day (FHIR dateTime allows YYYY-MM).
 */
function asTheClinicWrites(resource: Resource): Resource {
  if (resource.resourceType === 'Encounter' && resource.class?.code === 'EMER') {
    const encounter: Encounter = { ...resource, serviceProvider: { reference: `Organization/${DEMO_ER_HOSPITAL.id}`, display: DEMO_ER_HOSPITAL.name } };
    return encounter;
  }
  if (resource.resourceType === 'Condition' && resource.onsetDateTime && resource.onsetDateTime < '2012') return { ...resource, onsetDateTime: resource.onsetDateTime.slice(0, 7) };
  return resource;
}

function patient(tenant: DemoFhirTenant, person: DemoPerson): Patient {
  const id = demoPatientIdOf(tenant, person);
  const identifier =
    tenant === 'pharmacy-trois-rivieres'
      ? [{ use: 'usual' as const, type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] }, system: TROIS_RIVIERES_FILE_SYSTEM, value: id }]
      : [namIdentifier(person.nam)];
  return patientResource(person, { id, lastUpdated: '2026-01-05T14:00:00Z', identifier });
}

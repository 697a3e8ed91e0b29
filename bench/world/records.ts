import type { Patient, Resource } from '@medplum/fhirtypes';
import type { DemoPerson } from '../../demo/people';
import { namIdentifier, patientResource } from '../../demo/fhir/patient-resource';
import type { DemoStudy } from '../../demo/pacs-studies';
import { allergiesOf, conditionsOf, encountersOf, immunizationsOf, type ChartContext } from './clinic-chart';
import { atTime, dayBetween, dayOf, instant, LAST } from './clock';
import { dispensesOf } from './dispenses';
import type { WorldSource } from './province';
import { STREAM, streamOf } from './random';
import { studiesOf } from './studies';

/**
 * What a source holds for a person, generated on demand from (seed, source, person): nothing is
 * stored, so 100,000 people at 800 sources cost no memory, and every request sees the same data.
 */

/** The resource types each kind of FHIR source serves. */
export const FHIR_TYPES = {
  pharmacy: ['Patient', 'MedicationDispense'],
  clinic: ['Patient', 'Encounter', 'Condition', 'AllergyIntolerance', 'Immunization'],
} as const satisfies Record<'pharmacy' | 'clinic', readonly string[]>;

/** Server-assigned Patient ids (as HAPI gives): a number per person, the same at every source. */
const PATIENT_ID_BASE = 100_000;
export const patientIdOf = (person: number) => String(PATIENT_ID_BASE + person);
export function personOfPatientId(id: string): number | undefined {
  const person = Number(id) - PATIENT_ID_BASE;
  return /^\d+$/.test(id) && person >= 0 ? person : undefined;
}

const DIN_SYSTEMS = ['http://hl7.org/fhir/NamingSystem/ca-hc-din', 'https://fhir.infoway-inforoute.ca/NamingSystem/ca-hc-din'];
const ROSTER_FROM = dayOf('2020-01-01');

/** The Patient a source files a person under, with the NAM as its identifier and when the source last changed it. */
export function patientAt(seed: number, source: WorldSource, person: DemoPerson): Patient {
  const random = streamOf(seed, STREAM.patient, source.index, person.index);
  const lastUpdated = instant(atTime(random, dayBetween(random, ROSTER_FROM, LAST), 0, 24));
  return patientResource(person, { id: patientIdOf(person.index), lastUpdated, identifier: [namIdentifier(person.nam)] });
}

const CHART: Record<string, { stream: number; letter: string; build(context: ChartContext): Resource[] }> = {
  Condition: { stream: STREAM.conditions, letter: 'c', build: conditionsOf },
  Encounter: { stream: STREAM.encounters, letter: 'e', build: encountersOf },
  AllergyIntolerance: { stream: STREAM.allergies, letter: 'a', build: allergiesOf },
  Immunization: { stream: STREAM.immunizations, letter: 'i', build: immunizationsOf },
};

/** A person's resources of one type at one FHIR source (none when the source does not serve that type). */
export function resourcesAt(seed: number, source: WorldSource, person: DemoPerson, type: string): Resource[] {
  const patientId = patientIdOf(person.index);
  if (source.kind === 'pharmacy' && type === 'MedicationDispense') {
    // Pharmacy software differs: half write Infoway's DIN system, one in three bare local times.
    const style = { dinSystem: DIN_SYSTEMS[source.index % 2], withOffset: source.index % 3 !== 0 };
    return dispensesOf(streamOf(seed, STREAM.dispenses, source.index, person.index), patientId, `${person.index}-d`, style);
  }
  const chart = source.kind === 'clinic' ? CHART[type] : undefined;
  if (!chart) return [];
  return chart.build({ random: streamOf(seed, chart.stream, source.index, person.index), person, patientId, idPrefix: `${person.index}-${chart.letter}` });
}

/** A person's studies at one imaging centre. */
export const studiesAt = (seed: number, source: WorldSource, person: DemoPerson): DemoStudy[] =>
  studiesOf(streamOf(seed, STREAM.studies, source.index, person.index), person, `${seed}/${source.id}/${person.index}`);

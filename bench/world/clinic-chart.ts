import type { AllergyIntolerance, Condition, Encounter, Immunization } from '@medplum/fhirtypes';
import { ALLERGIES, AMBULATORY_REASONS, EMERGENCY_REASONS, PROBLEMS, VACCINES, type DemoProblem } from '../../demo/fhir/catalog';
import { pick, type DemoPerson } from '../../demo/people';
import { atTime, dayBetween, dayOf, FIRST, instant, isoDateOf, LAST, plusMinutes, written, type WallTime } from './clock';
import { between } from './random';

/**
 * A person's chart at one clinic's EMR, one resource type at a time (each type draws from its own
 * stream, so an Encounter search never has to build the Conditions): the demo's chart
 * (demo/fhir/clinic-records.ts) with the world's fast clock. The EMR writes some date-times with
 * an offset and some as bare local time, as real ones do.
 */
export interface ChartContext {
  random: () => number;
  person: DemoPerson;
  patientId: string;
  idPrefix: string;
}

const ICD10CA = 'https://fhir.infoway-inforoute.ca/CodeSystem/icd10ca';
const SNOMED = 'http://snomed.info/sct';
const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const CVX = 'http://hl7.org/fhir/sid/cvx';
const concept = (system: string, code: string, display: string) => ({ coding: [{ system, code, display }], text: display });
const status = (system: string, code: string) => ({ coding: [{ system: `http://terminology.hl7.org/CodeSystem/${system}`, code }] });
const reference = (patientId: string) => ({ reference: `Patient/${patientId}` });
const CHRONIC_SINCE = dayOf('2008-01-01');

/** One to three problems on the problem list; chronic ones stay active. */
export function conditionsOf({ random, patientId, idPrefix }: ChartContext): Condition[] {
  const problems = new Set<DemoProblem>();
  const count = between(random, 1, 3);
  while (problems.size < count) problems.add(pick(random, PROBLEMS));
  return [...problems].map((problem, n) => {
    const onset = problem.chronic ? dayBetween(random, CHRONIC_SINCE, LAST - 365) : dayBetween(random, FIRST, LAST);
    const recorded = atTime(random, onset, 8, 17);
    return {
      resourceType: 'Condition',
      id: `${idPrefix}${n + 1}`,
      meta: { versionId: '1', lastUpdated: instant(recorded) },
      clinicalStatus: status('condition-clinical', problem.chronic ? 'active' : 'resolved'),
      verificationStatus: status('condition-ver-status', 'confirmed'),
      category: [status('condition-category', 'problem-list-item')],
      code: { coding: [{ system: ICD10CA, code: problem.icd10ca, display: problem.display }, { system: SNOMED, code: problem.snomed }], text: problem.display },
      subject: reference(patientId),
      onsetDateTime: isoDateOf(onset),
      recordedDate: written(recorded, true),
    };
  });
}

/** One to five visits; one in seven an emergency at any hour, the rest booked in clinic hours. */
export function encountersOf({ random, patientId, idPrefix }: ChartContext): Encounter[] {
  const visits = between(random, 1, 5);
  const encounters: Encounter[] = [];
  for (let visit = 0; visit < visits; visit++) {
    const emergency = random() < 0.15;
    const day = dayBetween(random, FIRST, LAST);
    const start = emergency ? atTime(random, day, 0, 24) : atTime(random, day, 8, 17);
    const end = plusMinutes(start, emergency ? 120 + Math.floor(random() * 420) : 15 + Math.floor(random() * 30));
    const withOffset = visit % 2 === 0;
    encounters.push({
      resourceType: 'Encounter',
      id: `${idPrefix}${visit + 1}`,
      meta: { versionId: '1', lastUpdated: instant(end) },
      status: 'finished',
      class: emergency ? { system: ACT_CODE, code: 'EMER', display: 'emergency' } : { system: ACT_CODE, code: 'AMB', display: 'ambulatory' },
      subject: reference(patientId),
      period: { start: written(start, withOffset), end: written(end, withOffset) },
      reasonCode: [{ text: pick(random, emergency ? EMERGENCY_REASONS : AMBULATORY_REASONS) }],
    });
  }
  return encounters;
}

/** About one person in three has a known allergy. */
export function allergiesOf({ random, patientId, idPrefix }: ChartContext): AllergyIntolerance[] {
  if (random() >= 0.35) return [];
  const known = pick(random, ALLERGIES);
  const recorded = atTime(random, dayBetween(random, FIRST, LAST), 8, 17);
  return [
    {
      resourceType: 'AllergyIntolerance',
      id: `${idPrefix}1`,
      meta: { versionId: '1', lastUpdated: instant(recorded) },
      clinicalStatus: status('allergyintolerance-clinical', 'active'),
      verificationStatus: status('allergyintolerance-verification', 'confirmed'),
      type: 'allergy',
      category: [known.category],
      criticality: known.criticality,
      code: concept(SNOMED, known.snomed, known.substance),
      patient: reference(patientId),
      recordedDate: written(recorded, true),
      reaction: [{ manifestation: [concept(SNOMED, known.reaction.snomed, known.reaction.display)] }],
    },
  ];
}

const seasonOf = (random: () => number, from: string, to: string) => dayBetween(random, dayOf(from), dayOf(to));

/**
 * Québec's programme, roughly: a flu shot most autumns, the COVID-19 primary series in 2021 and a
 * fall 2022 booster, the pneumococcal vaccine once past 65. For one person in nine a dose keyed
 * twice is struck out as entered-in-error, as EMRs do instead of deleting it (a reader drops it).
 */
export function immunizationsOf({ random, person, patientId, idPrefix }: ChartContext): Immunization[] {
  const doses: { vaccine: (typeof VACCINES)[keyof typeof VACCINES]; day: number }[] = [];
  for (let year = 2019; year <= 2025; year++) if (random() < 0.5) doses.push({ vaccine: VACCINES.influenza, day: seasonOf(random, `${year}-10-15`, `${year}-11-30`) });
  if (random() < 0.7) {
    const first = seasonOf(random, '2021-04-01', '2021-06-15');
    doses.push({ vaccine: VACCINES.covid, day: first }, { vaccine: VACCINES.covid, day: first + 56 });
    if (random() < 0.5) doses.push({ vaccine: VACCINES.covid, day: seasonOf(random, '2022-10-01', '2022-12-15') });
  }
  if (Number(person.birthDate.slice(0, 4)) <= 1955) doses.push({ vaccine: VACCINES.pneumococcal, day: seasonOf(random, '2019-03-01', '2024-06-30') });
  const shots = doses.map(({ vaccine, day }, n): Immunization => {
    const at: WallTime = atTime(random, day, 8, 17);
    return {
      resourceType: 'Immunization',
      id: `${idPrefix}${n + 1}`,
      meta: { versionId: '1', lastUpdated: instant(at) },
      status: 'completed',
      vaccineCode: concept(CVX, vaccine.cvx, vaccine.text),
      patient: reference(patientId),
      occurrenceDateTime: written(at, n % 2 === 1),
      primarySource: true,
      lotNumber: `${vaccine.lotPrefix}${between(random, 1000, 9999)}`,
      doseQuantity: { value: 0.5, unit: 'mL', system: 'http://unitsofmeasure.org', code: 'mL' },
    };
  });
  if (person.index % 9 === 0 && shots.length) shots.push({ ...shots[0], id: `${idPrefix}${shots.length + 1}`, status: 'entered-in-error' });
  return shots;
}

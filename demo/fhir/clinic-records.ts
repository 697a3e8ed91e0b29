import type { AllergyIntolerance, Condition, Encounter, Immunization, Resource } from '@medplum/fhirtypes';
import { DateTime } from 'luxon';
import { pick, type DemoPerson } from '../people';
import { ALLERGIES, AMBULATORY_REASONS, EMERGENCY_REASONS, PROBLEMS, VACCINES, type DemoProblem } from './catalog';
import { atTime, dateOnly, dayBetween, DEMO_ZONE, FIRST_DAY, instant, LAST_DAY, written } from './clock';

const ICD10CA = 'https://fhir.infoway-inforoute.ca/CodeSystem/icd10ca';
const SNOMED = 'http://snomed.info/sct';
const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const CVX = 'http://hl7.org/fhir/sid/cvx';

const concept = (system: string, code: string, display: string) => ({ coding: [{ system, code, display }], text: display });
const status = (system: string, code: string) => ({ coding: [{ system: `http://terminology.hl7.org/CodeSystem/${system}`, code }] });

/**
 * A person's chart at the clinic (a GMF's EMR): problems, visits, allergies and vaccines. The EMR
 * writes some date-times with an offset and some as bare local time, as real ones do.
 */
export function demoClinicRecords(random: () => number, person: DemoPerson, patientId: string, nextId: () => string): Resource[] {
  const subject = { reference: `Patient/${patientId}` };
  const records: Resource[] = [];
  const problems = new Set<DemoProblem>();
  const problemCount = 1 + Math.floor(random() * 3);
  while (problems.size < problemCount) problems.add(pick(random, PROBLEMS));
  for (const problem of problems) records.push(condition(random, problem, subject, nextId()));
  const visits = 1 + Math.floor(random() * 5);
  for (let visit = 0; visit < visits; visit++) records.push(encounter(random, subject, nextId(), visit % 2 === 0));
  if (random() < 0.35) records.push(allergy(random, subject, nextId()));
  records.push(...immunizations(random, person, subject, nextId));
  return records;
}

function condition(random: () => number, problem: DemoProblem, subject: { reference: string }, id: string): Condition {
  const onset = problem.chronic
    ? dayBetween(random, DateTime.fromISO('2008-01-01', { zone: DEMO_ZONE }), LAST_DAY.minus({ years: 1 }))
    : dayBetween(random, FIRST_DAY, LAST_DAY);
  return {
    resourceType: 'Condition',
    id,
    meta: { versionId: '1', lastUpdated: instant(onset) },
    clinicalStatus: status('condition-clinical', problem.chronic ? 'active' : 'resolved'),
    verificationStatus: status('condition-ver-status', 'confirmed'),
    category: [status('condition-category', 'problem-list-item')],
    code: { coding: [{ system: ICD10CA, code: problem.icd10ca, display: problem.display }, { system: SNOMED, code: problem.snomed }], text: problem.display },
    subject,
    onsetDateTime: dateOnly(onset),
    recordedDate: written(atTime(random, onset, 8, 17), true),
  };
}

function encounter(random: () => number, subject: { reference: string }, id: string, withOffset: boolean): Encounter {
  const emergency = random() < 0.15;
  const day = dayBetween(random, FIRST_DAY, LAST_DAY);
  // Walk-in emergencies come at any hour; booked visits during clinic hours.
  const start = emergency ? atTime(random, day, 0, 24) : atTime(random, day, 8, 17);
  const end = start.plus({ minutes: emergency ? 120 + Math.floor(random() * 420) : 15 + Math.floor(random() * 30) });
  return {
    resourceType: 'Encounter',
    id,
    meta: { versionId: '1', lastUpdated: instant(end) },
    status: 'finished',
    class: emergency ? { system: ACT_CODE, code: 'EMER', display: 'emergency' } : { system: ACT_CODE, code: 'AMB', display: 'ambulatory' },
    subject,
    period: { start: written(start, withOffset), end: written(end, withOffset) },
    reasonCode: [{ text: pick(random, emergency ? EMERGENCY_REASONS : AMBULATORY_REASONS) }],
  };
}

function allergy(random: () => number, subject: { reference: string }, id: string): AllergyIntolerance {
  const known = pick(random, ALLERGIES);
  const recorded = atTime(random, dayBetween(random, FIRST_DAY, LAST_DAY), 8, 17);
  return {
    resourceType: 'AllergyIntolerance',
    id,
    meta: { versionId: '1', lastUpdated: instant(recorded) },
    clinicalStatus: status('allergyintolerance-clinical', 'active'),
    verificationStatus: status('allergyintolerance-verification', 'confirmed'),
    type: 'allergy',
    category: [known.category],
    criticality: known.criticality,
    code: concept(SNOMED, known.snomed, known.substance),
    patient: subject,
    recordedDate: written(recorded, true),
    reaction: [{ manifestation: [concept(SNOMED, known.reaction.snomed, known.reaction.display)] }],
  };
}

/**
 * Québec's programme, roughly: a flu shot most autumns, the COVID-19 primary series in 2021 and
 * a fall 2022 booster, and the pneumococcal vaccine once past 65. Now and then a dose keyed twice
 * is struck out as entered-in-error, as EMRs do instead of deleting it.
 */
function immunizations(random: () => number, person: DemoPerson, subject: { reference: string }, nextId: () => string): Immunization[] {
  const doses: { vaccine: (typeof VACCINES)[keyof typeof VACCINES]; at: DateTime }[] = [];
  for (let year = 2019; year <= 2025; year++) {
    if (random() < 0.5) doses.push({ vaccine: VACCINES.influenza, at: dayInRange(random, `${year}-10-15`, `${year}-11-30`) });
  }
  if (random() < 0.7) {
    const first = dayInRange(random, '2021-04-01', '2021-06-15');
    doses.push({ vaccine: VACCINES.covid, at: first }, { vaccine: VACCINES.covid, at: first.plus({ weeks: 8 }) });
    if (random() < 0.5) doses.push({ vaccine: VACCINES.covid, at: dayInRange(random, '2022-10-01', '2022-12-15') });
  }
  if (Number(person.birthDate.slice(0, 4)) <= 1955) doses.push({ vaccine: VACCINES.pneumococcal, at: dayInRange(random, '2019-03-01', '2024-06-30') });
  const shots = doses.map(({ vaccine, at }, index) => {
    const time = atTime(random, at, 8, 17);
    const shot: Immunization = {
      resourceType: 'Immunization',
      id: nextId(),
      meta: { versionId: '1', lastUpdated: instant(time) },
      status: 'completed',
      vaccineCode: concept(CVX, vaccine.cvx, vaccine.text),
      patient: subject,
      occurrenceDateTime: written(time, index % 2 === 1),
      primarySource: true,
      lotNumber: `${vaccine.lotPrefix}${String(1000 + Math.floor(random() * 9000))}`,
      doseQuantity: { value: 0.5, unit: 'mL', system: 'http://unitsofmeasure.org', code: 'mL' },
    };
    return shot;
  });
  if (person.index % 9 === 0 && shots.length) shots.push({ ...shots[0], id: nextId(), status: 'entered-in-error' });
  return shots;
}

function dayInRange(random: () => number, from: string, to: string): DateTime {
  return dayBetween(random, DateTime.fromISO(from, { zone: DEMO_ZONE }), DateTime.fromISO(to, { zone: DEMO_ZONE }));
}

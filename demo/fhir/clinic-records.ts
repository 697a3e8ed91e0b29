import type { AllergyIntolerance, Condition, Encounter, Immunization, Resource } from '@medplum/fhirtypes';
import { DateTime } from 'luxon';
import { pick, type DemoPerson } from '../people';
import { ALLERGIES, AMBULATORY_REASONS, EMERGENCY_REASONS, PROBLEMS, type DemoProblem } from './catalog';
import { allergyResource, conditionResource, encounterResource, immunizationResource } from './chart-resources';
import { atTime, dateOnly, dayBetween, DEMO_ZONE, FIRST_DAY, instant, LAST_DAY, written } from './clock';
import { vaccineDoses } from './vaccine-doses';

/**
 * A person's chart at the clinic (a GMF's EMR): problems, visits, allergies and vaccines. The EMR
 * writes some date-times with an offset and some as bare local time, as real ones do.
 */
export function demoClinicRecords(random: () => number, person: DemoPerson, patientId: string, nextId: () => string): Resource[] {
  const records: Resource[] = [];
  const problems = new Set<DemoProblem>();
  const problemCount = 1 + Math.floor(random() * 3);
  while (problems.size < problemCount) problems.add(pick(random, PROBLEMS));
  for (const problem of problems) records.push(condition(random, problem, patientId, nextId()));
  const visits = 1 + Math.floor(random() * 5);
  for (let visit = 0; visit < visits; visit++) records.push(encounter(random, patientId, nextId(), visit % 2 === 0));
  if (random() < 0.35) records.push(allergy(random, patientId, nextId()));
  records.push(...immunizations(random, person, patientId, nextId));
  return records;
}

function condition(random: () => number, problem: DemoProblem, patientId: string, id: string): Condition {
  const onset = problem.chronic
    ? dayBetween(random, DateTime.fromISO('2008-01-01', { zone: DEMO_ZONE }), LAST_DAY.minus({ years: 1 }))
    : dayBetween(random, FIRST_DAY, LAST_DAY);
  return conditionResource(problem, { id, patientId, lastUpdated: instant(onset), onsetDate: dateOnly(onset), recordedDate: written(atTime(random, onset, 8, 17), true) });
}

function encounter(random: () => number, patientId: string, id: string, withOffset: boolean): Encounter {
  const emergency = random() < 0.15;
  const day = dayBetween(random, FIRST_DAY, LAST_DAY);
  // Walk-in emergencies come at any hour; booked visits during clinic hours.
  const start = emergency ? atTime(random, day, 0, 24) : atTime(random, day, 8, 17);
  const end = start.plus({ minutes: emergency ? 120 + Math.floor(random() * 420) : 15 + Math.floor(random() * 30) });
  const reason = pick(random, emergency ? EMERGENCY_REASONS : AMBULATORY_REASONS);
  return encounterResource({ id, patientId, lastUpdated: instant(end), emergency, start: written(start, withOffset), end: written(end, withOffset), reason });
}

function allergy(random: () => number, patientId: string, id: string): AllergyIntolerance {
  const known = pick(random, ALLERGIES);
  const recorded = atTime(random, dayBetween(random, FIRST_DAY, LAST_DAY), 8, 17);
  return allergyResource(known, { id, patientId, lastUpdated: instant(recorded), recordedDate: written(recorded, true) });
}

/**
 * The doses of Québec's programme (vaccine-doses.ts), given in clinic hours. Now and then a dose
 * keyed twice is struck out as entered-in-error, as EMRs do instead of deleting it.
 */
function immunizations(random: () => number, person: DemoPerson, patientId: string, nextId: () => string): Immunization[] {
  const doses = vaccineDoses(random, Number(person.birthDate.slice(0, 4)), {
    season: (from, to) => dayBetween(random, DateTime.fromISO(from, { zone: DEMO_ZONE }), DateTime.fromISO(to, { zone: DEMO_ZONE })),
    weeksAfter: (day, weeks) => day.plus({ weeks }),
  });
  const shots = doses.map(({ vaccine, day }, index) => {
    const id = nextId();
    const time = atTime(random, day, 8, 17);
    const lotNumber = `${vaccine.lotPrefix}${String(1000 + Math.floor(random() * 9000))}`;
    return immunizationResource(vaccine, { id, patientId, lastUpdated: instant(time), occurrence: written(time, index % 2 === 1), lotNumber });
  });
  if (person.index % 9 === 0 && shots.length) shots.push({ ...shots[0], id: nextId(), status: 'entered-in-error' });
  return shots;
}

import type { AllergyIntolerance, Condition, Encounter, Immunization } from '@medplum/fhirtypes';
import { ALLERGIES, AMBULATORY_REASONS, EMERGENCY_REASONS, PROBLEMS, type DemoProblem } from '../../demo/fhir/catalog';
import { allergyResource, conditionResource, encounterResource, immunizationResource } from '../../demo/fhir/chart-resources';
import { vaccineDoses } from '../../demo/fhir/vaccine-doses';
import { pick, type DemoPerson } from '../../demo/people';
import { atTime, dayBetween, dayOf, FIRST, instant, isoDateOf, LAST, plusMinutes, written, type WallTime } from './clock';
import { between } from './random';

/**
 * A person's chart at one clinic's EMR, one resource type at a time (each type draws from its own
 * stream, so an Encounter search never has to build the Conditions): the demo's chart
 * (demo/fhir/clinic-records.ts) with the world's fast clock, its records written by the same
 * builders (demo/fhir/chart-resources.ts). The EMR writes some date-times with an offset and some
 * as bare local time, as real ones do.
 */
export interface ChartContext {
  random: () => number;
  person: DemoPerson;
  patientId: string;
  idPrefix: string;
}

const CHRONIC_SINCE = dayOf('2008-01-01');

/** One to three problems on the problem list; chronic ones stay active. */
export function conditionsOf({ random, patientId, idPrefix }: ChartContext): Condition[] {
  const problems = new Set<DemoProblem>();
  const count = between(random, 1, 3);
  while (problems.size < count) problems.add(pick(random, PROBLEMS));
  return [...problems].map((problem, n) => {
    const onset = problem.chronic ? dayBetween(random, CHRONIC_SINCE, LAST - 365) : dayBetween(random, FIRST, LAST);
    const recorded = atTime(random, onset, 8, 17);
    return conditionResource(problem, { id: `${idPrefix}${n + 1}`, patientId, lastUpdated: instant(recorded), onsetDate: isoDateOf(onset), recordedDate: written(recorded, true) });
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
    const reason = pick(random, emergency ? EMERGENCY_REASONS : AMBULATORY_REASONS);
    encounters.push(encounterResource({ id: `${idPrefix}${visit + 1}`, patientId, lastUpdated: instant(end), emergency, start: written(start, withOffset), end: written(end, withOffset), reason }));
  }
  return encounters;
}

/** About one person in three has a known allergy. */
export function allergiesOf({ random, patientId, idPrefix }: ChartContext): AllergyIntolerance[] {
  if (random() >= 0.35) return [];
  const known = pick(random, ALLERGIES);
  const recorded = atTime(random, dayBetween(random, FIRST, LAST), 8, 17);
  return [allergyResource(known, { id: `${idPrefix}1`, patientId, lastUpdated: instant(recorded), recordedDate: written(recorded, true) })];
}

/**
 * The doses of Québec's programme (demo/fhir/vaccine-doses.ts), given in clinic hours. For one
 * person in nine a dose keyed twice is struck out as entered-in-error, as EMRs do instead of
 * deleting it (a reader drops it).
 */
export function immunizationsOf({ random, person, patientId, idPrefix }: ChartContext): Immunization[] {
  const doses = vaccineDoses(random, Number(person.birthDate.slice(0, 4)), {
    season: (from, to) => dayBetween(random, dayOf(from), dayOf(to)),
    weeksAfter: (day, weeks) => day + weeks * 7,
  });
  const shots = doses.map(({ vaccine, day }, n): Immunization => {
    const at: WallTime = atTime(random, day, 8, 17);
    const lotNumber = `${vaccine.lotPrefix}${between(random, 1000, 9999)}`;
    return immunizationResource(vaccine, { id: `${idPrefix}${n + 1}`, patientId, lastUpdated: instant(at), occurrence: written(at, n % 2 === 1), lotNumber });
  });
  if (person.index % 9 === 0 && shots.length) shots.push({ ...shots[0], id: `${idPrefix}${shots.length + 1}`, status: 'entered-in-error' });
  return shots;
}

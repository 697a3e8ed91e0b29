import { isFollowedAtClinic } from '../../demo/fhir-server';
import { hasLabResults } from '../../demo/lab-system';
import { demoStudies } from '../../demo/pacs-studies';
import { isUnknownToSources, type DemoPerson } from '../../demo/people';

/**
 * The demo people every domain holds something for (laboratory, clinic, PACS; a Montréal pharmacy
 * too, since the clinic follows Montréal people only), decided from the demo systems' own data.
 */
export function peopleInEveryDomain(people: readonly DemoPerson[]): DemoPerson[] {
  const imaged = new Set(demoStudies(people).map((s) => s.person.index));
  return people.filter((p) => hasLabResults(p) && isFollowedAtClinic(p) && !isUnknownToSources(p) && imaged.has(p.index));
}

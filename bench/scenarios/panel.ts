import { figure, type Figures } from '../figures';
import type { FreshPeople } from '../people';
import { PANEL, queryOurs } from '../requests';
import type { OurSystem } from '../system';
import type { World } from '../world';

const PANEL_SIZE = 50;
/** Searches a FHIR source answers for one kind of holder, whatever the number of people asked. */
const SEARCHES: Record<string, number> = { MEDICATIONS: 1, CLINICAL: 4 };

/**
 * Scenario 3: a panel of 50 people (a clinic's list, an emergency board) as one `patients`
 * request, cache cold: how many requests each source asked received. A FHIR source is asked once
 * per record type for the whole panel (the adapter ORs the NAMs into one search); QIDO-RS has no OR
 * on PatientID, so a PACS is asked once per person it holds.
 */
export async function benchPanel(world: World, ours: OurSystem, fresh: FreshPeople, rounds: number, progress: (line: string) => void): Promise<Figures> {
  const fhirPerType: number[] = [];
  const pacsPerPerson: number[] = [];
  const total: number[] = [];
  for (let round = 0; round < rounds; round++) {
    progress(`panel of ${PANEL_SIZE}, round ${round + 1}/${rounds}`);
    const panel = fresh.take(PANEL_SIZE);
    await world.resetStats();
    const answer = await queryOurs(ours.gatewayUrl, ours.jwtSecret, PANEL, { nams: panel.map((p) => p.nam) });
    if (answer.errors) throw new Error(`panel: the gateway answered errors (${answer.errors.map((e: { extensions?: { code?: string } }) => e.extensions?.code).join(', ')})`);
    const stats = await world.stats();
    const held = new Map<string, { domain: string; people: number }>();
    for (const person of panel) for (const source of person.sources) held.set(source.id, { domain: source.domain, people: (held.get(source.id)?.people ?? 0) + 1 });
    const fhir = [...held].filter(([, h]) => SEARCHES[h.domain]).map(([id, h]) => stats[id] / SEARCHES[h.domain]);
    const pacs = [...held].filter(([, h]) => h.domain === 'IMAGING').map(([id, h]) => stats[id] / h.people);
    fhirPerType.push(Math.max(...fhir));
    if (pacs.length > 0) pacsPerPerson.push(Math.max(...pacs));
    total.push(Object.values(stats).reduce((sum, n) => sum + n, 0));
  }
  return {
    panel_fhir_requests_per_source_and_type: figure(fhirPerType, 'requests', { atMost: 1 }, `the most any FHIR source holding someone of a ${PANEL_SIZE}-person panel received per record type (paging would add pages)`),
    panel_pacs_requests_per_person: figure(pacsPerPerson, 'requests', { atMost: 1 }, 'QIDO-RS has no OR on PatientID: one study search per person a PACS holds'),
    panel_upstream_requests: figure(total, 'requests', undefined, `every source request of one ${PANEL_SIZE}-person panel; sources holding nobody of the panel are not asked`),
  };
}

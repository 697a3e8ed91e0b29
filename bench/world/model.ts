import type { DemoPerson } from '../../demo/people';
import { assignHoldings, type Holdings } from './holdings';
import { population } from './population';
import { province, type WorldSource } from './province';

/** The world as the server holds it: people, sources, who holds whom; records are generated on demand. */
export interface WorldModel {
  seed: number;
  people: readonly DemoPerson[];
  sources: readonly WorldSource[];
  holdings: Holdings;
  personOfNam(nam: string): number | undefined;
  sourceById(id: string): WorldSource | undefined;
}

export function buildWorld(options: { people: number; pharmacies: number; clinics: number; pacs: number; seed: number }): WorldModel {
  const people = population(options.people, options.seed);
  const sources = province(options);
  const holdings = assignHoldings(people, sources, options.seed);
  const byNam = new Map(people.map((person) => [person.nam, person.index]));
  const byId = new Map(sources.map((source) => [source.id, source]));
  return { seed: options.seed, people, sources, holdings, personOfNam: (nam) => byNam.get(nam), sourceById: (id) => byId.get(id) };
}

import { namFor } from '../lib/nam';

/**
 * The demo population: deterministic, Québec-realistic people the demo source systems hold data
 * for. Everything derives from the index through a seeded generator, so every run (and every demo
 * system) agrees on who exists without sharing files.
 */
export interface DemoPerson {
  index: number;
  nam: string;
  familyName: string;
  givenName: string;
  birthDate: string;
  sex: 'F' | 'M';
  region: 'Montréal' | 'Mauricie';
  area: string;
}

export const DEMO_PEOPLE_COUNT = 60;
export const MONTREAL_AREAS = ['Centre', 'East', 'North', 'South-west', 'Centre-west', 'West'] as const;

const FAMILY = ['Tremblay', 'Gagnon', 'Roy', 'Côté', 'Bouchard', 'Gauthier', 'Morin', 'Lavoie', 'Fortin', 'Gagné', 'Ouellet', 'Pelletier', 'Bélanger', 'Lévesque', 'Bergeron', 'Leblanc', 'Paquette', 'Girard', 'Simard', 'Boucher', 'Caron', 'Beaulieu', 'Cloutier', 'Dubé', 'Poirier', 'Fournier', 'Lapointe', 'Leclerc', 'Lefebvre', 'Poulin', 'Thibault', 'Nadeau', 'Landry', 'Martel', 'Bédard', 'Grenier', 'Lessard', 'Bernier', 'Michaud', 'Hébert', 'Desjardins', 'Couture', 'Turcotte', 'Lachance', 'Parent', 'Blais', 'Gosselin', 'Savard', 'Proulx', 'Demers'];
const GIVEN_F = ['Marie', 'Sylvie', 'Julie', 'Isabelle', 'Nathalie', 'Chantal', 'Émilie', 'Camille', 'Léa', 'Chloé', 'Sophie', 'Geneviève', 'Catherine', 'Mélanie', 'Valérie'];
const GIVEN_M = ['Jean', 'Pierre', 'Michel', 'Luc', 'François', 'Alexandre', 'Mathieu', 'Olivier', 'Gabriel', 'Samuel', 'Étienne', 'Marc', 'Sébastien', 'Simon', 'Yves'];

/** mulberry32: a small, well-known seeded generator; good enough for demo data, not for secrets. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = <T>(random: () => number, list: readonly T[]): T => list[Math.floor(random() * list.length)];
const two = (n: number) => String(n).padStart(2, '0');

function person(index: number): DemoPerson {
  const random = seeded(1000 + index);
  const sex = random() < 0.5 ? 'F' : 'M';
  const familyName = FAMILY[index % FAMILY.length];
  const givenName = pick(random, sex === 'F' ? GIVEN_F : GIVEN_M);
  const year = 1935 + Math.floor(random() * 85);
  const month = 1 + Math.floor(random() * 12);
  const day = 1 + Math.floor(random() * 28);
  const birthDate = `${year}-${two(month)}-${two(day)}`;
  // One in five lives in Mauricie (the second region to connect), the rest across Montréal's six areas.
  const region = index % 5 === 4 ? 'Mauricie' : 'Montréal';
  const area = region === 'Mauricie' ? 'Trois-Rivières' : MONTREAL_AREAS[index % MONTREAL_AREAS.length];
  return { index, nam: namFor(familyName, givenName, birthDate, sex, 10 + (index % 90)), familyName, givenName, birthDate, sex, region, area };
}

export function demoPeople(count = DEMO_PEOPLE_COUNT): DemoPerson[] {
  return Array.from({ length: count }, (_, index) => person(index));
}

/**
 * A handful of people whom no demo source knows: their record exists (they are in the registry)
 * and stays empty until a source holds data for them, as every record starts.
 */
export const isUnknownToSources = (p: DemoPerson) => p.index % 12 === 7;

/** The demo Mauricie pharmacy files people under its own ids, linked to NAMs by the cross-reference. */
export const localPharmacyIdOf = (p: DemoPerson) => `TR-${4000 + p.index * 7}`;
/** The demo laboratory's medical record number (PID-3, type MR). */
export const labMrnOf = (p: DemoPerson) => `MRN${200000 + p.index * 13}`;

/** Registry CSV (REGISTRY_FILE format): the insured people, with a header. */
export function registryCsv(people: DemoPerson[]): string {
  const rows = people.map((p) => [p.nam, p.familyName, p.givenName, p.birthDate, p.sex].join(','));
  return ['nam,family_name,given_name,birth_date,sex', ...rows].join('\n') + '\n';
}

/** The demo cross-reference (xref import format) for the Mauricie pharmacy, which uses local ids. */
export function xrefCsv(people: DemoPerson[]): string {
  const rows = people.filter((p) => p.region === 'Mauricie').map((p) => ['pharmacy-trois-rivieres', localPharmacyIdOf(p), p.nam].join(','));
  return ['source_id,local_id,nam', ...rows].join('\n') + '\n';
}

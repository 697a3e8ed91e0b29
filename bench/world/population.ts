import { MONTREAL_AREAS, pick, type DemoPerson } from '../../demo/people';
import { namFor } from '../../lib/nam';
import { STREAM, streamOf } from './random';

/** The one Mauricie area of the world (the demo's second region). */
export const MAURICIE_AREA = 'Trois-Rivières';
/** Montréal's six areas, then Mauricie: sources are spread over these in turn. */
export const AREAS: readonly string[] = [...MONTREAL_AREAS, MAURICIE_AREA];

/** Common Québec family names (no comma or quote: the registry CSV is written unquoted). */
const FAMILY = ['Tremblay', 'Gagnon', 'Roy', 'Côté', 'Bouchard', 'Gauthier', 'Morin', 'Lavoie', 'Fortin', 'Gagné', 'Ouellet', 'Pelletier', 'Bélanger', 'Lévesque', 'Bergeron', 'Leblanc', 'Paquette', 'Girard', 'Simard', 'Boucher', 'Caron', 'Beaulieu', 'Cloutier', 'Dubé', 'Poirier', 'Fournier', 'Lapointe', 'Leclerc', 'Lefebvre', 'Poulin', 'Thibault', 'Nadeau', 'Landry', 'Martel', 'Bédard', 'Grenier', 'Lessard', 'Bernier', 'Michaud', 'Hébert', 'Desjardins', 'Couture', 'Turcotte', 'Lachance', 'Parent', 'Blais', 'Gosselin', 'Savard', 'Proulx', 'Demers', 'Nguyen', 'Tran', 'Joseph', 'Pierre', 'Haddad', 'Khoury', 'Rossi', 'Wong', 'Singh', 'Dufour'];
const GIVEN_F = ['Marie', 'Sylvie', 'Julie', 'Isabelle', 'Nathalie', 'Chantal', 'Émilie', 'Camille', 'Léa', 'Chloé', 'Sophie', 'Geneviève', 'Catherine', 'Mélanie', 'Valérie', 'Alice', 'Florence', 'Rosalie', 'Amira', 'Yasmine'];
const GIVEN_M = ['Jean', 'Pierre', 'Michel', 'Luc', 'François', 'Alexandre', 'Mathieu', 'Olivier', 'Gabriel', 'Samuel', 'Étienne', 'Marc', 'Sébastien', 'Simon', 'Yves', 'William', 'Thomas', 'Noah', 'Karim', 'Antoine'];

const DAY_MS = 86_400_000;
const BORN_FROM = Date.UTC(1930, 0, 1) / DAY_MS;
const BORN_TO = Date.UTC(2024, 11, 31) / DAY_MS;
/** One in five lives in Mauricie, as in the demo. */
const MAURICIE_SHARE = 0.2;

/**
 * The world's insured people, drawn from the seed: Québec names, birth dates from 1930 to 2024,
 * four in five in Montréal (spread over its six areas), one in five in Mauricie. NAMs are built by
 * lib/nam's namFor; two people whose NAM would coincide (same name initials, birth date and sex)
 * get the next free administrative digits, so every NAM is distinct.
 */
export function population(count: number, seed: number): DemoPerson[] {
  const taken = new Set<string>();
  const people = new Array<DemoPerson>(count);
  for (let index = 0; index < count; index++) {
    const random = streamOf(seed, STREAM.person, index);
    const sex = random() < 0.5 ? 'F' : 'M';
    const familyName = pick(random, FAMILY);
    const givenName = pick(random, sex === 'F' ? GIVEN_F : GIVEN_M);
    const birthDate = new Date((BORN_FROM + Math.floor(random() * (BORN_TO - BORN_FROM + 1))) * DAY_MS).toISOString().slice(0, 10);
    const mauricie = random() < MAURICIE_SHARE;
    const area = mauricie ? MAURICIE_AREA : pick(random, MONTREAL_AREAS);
    const nam = freeNam(taken, (admin) => namFor(familyName, givenName, birthDate, sex, admin), Math.floor(random() * 90));
    people[index] = { index, nam, familyName, givenName, birthDate, sex, region: mauricie ? 'Mauricie' : 'Montréal', area };
  }
  return people;
}

/** The first NAM not yet taken, trying the 90 administrative numbers (10 to 99) from `start` on. */
function freeNam(taken: Set<string>, namWith: (admin: number) => string, start: number): string {
  for (let step = 0; step < 90; step++) {
    const nam = namWith(10 + ((start + step) % 90));
    if (!taken.has(nam)) {
      taken.add(nam);
      return nam;
    }
  }
  throw new Error('population: more people share a name and a birth date than NAMs can tell apart');
}

import { seeded } from '../demo/people';
import type { World, WorldPerson } from './world';

/** Requests a view should cost at a source holding the person: one search per record type asked. */
const REQUESTS_PER_VIEW: Record<string, number> = { MEDICATIONS: 1, CLINICAL: 4, IMAGING: 1 };

/** What a view of this person should cost the sources, if only the holders are asked (issue #7 §1). */
export const expectedRequests = (person: WorldPerson) => person.sources.reduce((sum, source) => sum + (REQUESTS_PER_VIEW[source.domain] ?? 0), 0);

/**
 * The people of one world with records, handed out without repeats across every scenario, in a
 * fixed shuffled order, so a "cold" round never finds what an earlier round (of any scenario)
 * cached. Throws when the pool runs dry rather than silently repeating.
 */
export class FreshPeople {
  private readonly pool: WorldPerson[];
  private readonly used = new Set<number>();

  constructor(world: World, seed = 7) {
    this.pool = shuffled(world.people().filter((p) => p.sources.length > 0), seed);
  }

  /** The next `count` people not handed out yet that `where` accepts. */
  take(count: number, where: (person: WorldPerson) => boolean = () => true): WorldPerson[] {
    const taken: WorldPerson[] = [];
    for (let i = 0; i < this.pool.length && taken.length < count; i++) {
      if (this.used.has(i) || !where(this.pool[i])) continue;
      this.used.add(i);
      taken.push(this.pool[i]);
    }
    if (taken.length < count) throw new Error(`bench: only ${taken.length} fresh people left of those asked for, ${count} needed`);
    return taken;
  }
}

/** Whether a person's slowest holding source answers in exactly `slowestMs` (the view's floor). */
export const slowestSourceIs = (world: World, slowestMs: number) => (person: WorldPerson) => Math.max(...person.sources.map((s) => world.latencyMsOf(s.id))) === slowestMs;

function shuffled<T>(list: readonly T[], seed: number): T[] {
  const copy = [...list];
  const random = seeded(seed);
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

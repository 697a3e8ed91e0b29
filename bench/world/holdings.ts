import type { DemoPerson } from '../../demo/people';
import type { SourceKind, WorldSource } from './province';
import { STREAM, streamOf } from './random';

/** Who holds whom: built once at start, read on every request. */
export interface Holdings {
  /** The sources holding a person's data (0 to 3 indices). */
  sourcesOf(person: number): number[];
  /** The people a source holds, by ascending index. */
  membersOf(source: number): Int32Array;
  holds(source: number, person: number): boolean;
}

/** Most people fill prescriptions, many are followed at a clinic, some have imaging; a few are known nowhere. */
const SHARE = { none: 0.02, pharmacy: 0.85, clinic: 0.55, pacs: 0.25, secondPharmacy: 0.1 };
const SLOTS = 3;
const EMPTY = 0xffff;

/**
 * Each person's sources, drawn from the seed: a pharmacy most often, a clinic often, a PACS
 * sometimes, now and then a second pharmacy; always in the person's own area when that kind has a
 * source there (else in their region, else anywhere). One to three sources each, except the few
 * people held by none (their record is empty). Kept in typed arrays: 100,000 people take a few MB.
 */
export function assignHoldings(people: readonly DemoPerson[], sources: readonly WorldSource[], seed: number): Holdings {
  if (sources.length >= EMPTY) throw new Error(`holdings: at most ${EMPTY - 1} sources`);
  const near = nearbySources(sources);
  const slots = new Uint16Array(people.length * SLOTS).fill(EMPTY);
  const counts = new Int32Array(sources.length);
  for (const person of people) {
    const random = streamOf(seed, STREAM.holdings, person.index);
    if (random() < SHARE.none) continue;
    const chosen: number[] = [];
    const take = (kind: SourceKind, anywhere = false) => {
      const candidates = (anywhere ? near.all(kind) : near.of(kind, person)).filter((s) => !chosen.includes(s));
      if (candidates.length) chosen.push(candidates[Math.floor(random() * candidates.length)]);
    };
    for (const kind of ['pharmacy', 'clinic', 'pacs'] as const) if (random() < SHARE[kind]) take(kind);
    if (chosen.length < SLOTS && random() < SHARE.secondPharmacy) take('pharmacy', true);
    if (chosen.length === 0) for (const kind of ['pharmacy', 'clinic', 'pacs'] as const) if (chosen.length === 0) take(kind);
    chosen.forEach((source, slot) => {
      slots[person.index * SLOTS + slot] = source;
      counts[source]++;
    });
  }
  const members = [...counts].map((count) => new Int32Array(count));
  const filled = new Int32Array(sources.length);
  for (let person = 0; person < people.length; person++) {
    for (let slot = 0; slot < SLOTS; slot++) {
      const source = slots[person * SLOTS + slot];
      if (source !== EMPTY) members[source][filled[source]++] = person;
    }
  }
  const sourcesOf = (person: number) => [...slots.subarray(person * SLOTS, person * SLOTS + SLOTS)].filter((s) => s !== EMPTY);
  return {
    sourcesOf,
    membersOf: (source) => members[source],
    holds: (source, person) => sourcesOf(person).includes(source),
  };
}

/** Sources of a kind by area, by region, and all of them. */
function nearbySources(sources: readonly WorldSource[]) {
  const lists = new Map<string, number[]>();
  const add = (key: string, index: number) => {
    const list = lists.get(key);
    if (list) list.push(index);
    else lists.set(key, [index]);
  };
  for (const s of sources) {
    add(`${s.kind}|area|${s.area}`, s.index);
    add(`${s.kind}|region|${s.region}`, s.index);
    add(`${s.kind}|all`, s.index);
  }
  const get = (key: string) => lists.get(key) ?? [];
  return {
    of: (kind: SourceKind, person: DemoPerson) => {
      const inArea = get(`${kind}|area|${person.area}`);
      if (inArea.length) return inArea;
      const inRegion = get(`${kind}|region|${person.region}`);
      return inRegion.length ? inRegion : get(`${kind}|all`);
    },
    all: (kind: SourceKind) => get(`${kind}|all`),
  };
}

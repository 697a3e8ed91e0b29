import { seeded } from '../../demo/people';

/**
 * The independent draw streams of the world. Every (stream, source, person) has its own
 * generator, so a record is the same whichever order, process or request asks for it, and
 * nothing has to be kept between requests.
 */
export const STREAM = {
  person: 1,
  holdings: 2,
  patient: 3,
  dispenses: 4,
  conditions: 5,
  encounters: 6,
  allergies: 7,
  immunizations: 8,
  studies: 9,
} as const;

/** Mixes the seed and the keys into one 32-bit state (murmur3's finalizer steps), then draws with mulberry32. */
export function streamOf(seed: number, ...keys: number[]): () => number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const key of keys) {
    h = Math.imul(h ^ (key >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return seeded(h);
}

/** A whole number in [min, max]. */
export const between = (random: () => number, min: number, max: number) => min + Math.floor(random() * (max - min + 1));

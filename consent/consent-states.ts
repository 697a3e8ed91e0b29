import { cacheKey, type Cache } from '../lib/cache';
import type { ConsentChangeInput, ConsentState, RefusalRegister } from './refusal-register';

/**
 * Each person's current consent state, read through the shared cache (issue #4 §6: a change takes
 * effect at once on every gateway instance sharing the database and cache).
 *
 * Cache policy: the writer of a change overwrites the cached state right after the register
 * commits it; readers fill a missing key only if it is still missing (SET NX). A reader that read
 * the old state just before the change can therefore never put it back over the new one. The TTL
 * bounds what a failed cache write could leave behind.
 */
export class ConsentStates {
  constructor(
    private readonly register: Pick<RefusalRegister, 'currentMany' | 'record'>,
    private readonly cache: Cache,
    private readonly ttlMs = 30_000,
  ) {}

  async get(nams: readonly string[]): Promise<Map<string, ConsentState>> {
    const unique = [...new Set(nams)];
    const states = new Map<string, ConsentState>();
    const cached = await this.cache.getMany(unique.map(keyOf)).catch(() => unique.map(() => undefined));
    const missing = unique.filter((nam, index) => {
      const hit = cached[index];
      if (hit) states.set(nam, JSON.parse(hit) as ConsentState);
      return !hit;
    });
    if (missing.length > 0) {
      const fresh = await this.register.currentMany(missing);
      for (const [nam, state] of fresh) {
        states.set(nam, state);
        await this.cache.add(keyOf(nam), JSON.stringify(state), this.ttlMs).catch(() => undefined);
      }
    }
    return states;
  }

  /** Records a change in the register, then makes it the cached state everywhere. */
  async change(input: ConsentChangeInput): Promise<ConsentState> {
    const state = await this.register.record(input);
    try {
      await this.cache.set(keyOf(input.nam), JSON.stringify(state), this.ttlMs);
    } catch {
      // The cache could not take the new state: remove the old one so nobody reads it (and if even
      // that fails, the TTL ends it).
      await this.cache.delete([keyOf(input.nam)]).catch(() => undefined);
    }
    return state;
  }
}

const keyOf = (nam: string) => cacheKey('consent', nam);

import { LRUCache } from 'lru-cache';
import type { AnswerCache, AnswerKey } from './answer-cache';
import { fieldOf, guardOf, isFresh, MARKER_LIFE_MS, versionsSeen, type StoredAnswer } from './answer-policy';
import { personDigest, type CacheKeys } from './sealing';

/** One (source, person): the invalidation version and the answers per field, as a Redis hash holds them. */
interface Entry {
  version: string;
  fields: Map<string, StoredAnswer<unknown>>;
}

/**
 * The answer cache of a single process (services/stack.ts): the same semantics as Redis
 * (versions, ttl, invalidation that a racing reader cannot undo) in an LRU bounded by entries.
 * Nothing leaves the process, so values are not sealed; keys are still digests, never NAMs.
 *
 * An entry evicted from the LRU takes its version with it, and a person with no entry reads as
 * version `e<epoch>`. So that an evicted invalidation cannot make an older read's version valid
 * again, losing an entry that carries an invalidation (`v<n>`) moves the epoch on: the writes of
 * reads that saw the person absent before are then refused.
 */
export function memoryAnswers(keys: CacheKeys, maxEntries = 20_000): AnswerCache {
  let epoch = 0;
  let invalidations = 0;
  const entries = new LRUCache<string, Entry>({
    max: maxEntries,
    dispose: (entry, _digest, reason) => {
      if (reason !== 'set' && entry.version.startsWith('v')) epoch += 1;
    },
  });
  const absent = () => `e${epoch}`;
  const digestOf = (sourceId: string, nam: string) => personDigest(keys.hashKey, sourceId, nam);
  /** Longest life first: an entry is never shortened below a ttl or a marker already granted. */
  const keep = (digest: string, entry: Entry, lifeMs: number) => {
    const remaining = entries.getRemainingTTL(digest);
    entries.set(digest, entry, { ttl: Math.max(lifeMs, Number.isFinite(remaining) ? remaining : 0) });
  };

  return {
    kind: 'memory',
    async read<T>(key: AnswerKey, nams: readonly string[]) {
      const people = [...new Set(nams)];
      const field = fieldOf(key);
      const hits = new Map<string, T[]>();
      const answeredAt = new Map<string, number>();
      const versions = new Map<string, string>();
      const now = Date.now();
      for (const nam of people) {
        const entry = entries.get(digestOf(key.sourceId, nam));
        versions.set(nam, entry?.version ?? absent());
        const answer = field === undefined ? undefined : entry?.fields.get(field);
        if (answer && isFresh(answer, now)) {
          hits.set(nam, [...answer.records] as T[]);
          answeredAt.set(nam, answer.at);
        }
      }
      return { hits, answeredAt, misses: people.filter((nam) => !hits.has(nam)), guard: guardOf(key, versions) };
    },
    async write(key, answers, guard, ttlMs) {
      const field = fieldOf(key);
      const seen = versionsSeen(guard, key);
      if (field === undefined || ttlMs <= 0) return;
      const at = Date.now();
      for (const [nam, records] of answers) {
        const version = seen.get(nam);
        const digest = digestOf(key.sourceId, nam);
        const entry = entries.get(digest) ?? { version: absent(), fields: new Map() };
        if (version === undefined || entry.version !== version) continue;
        entry.fields.set(field, { at, ttl: ttlMs, records: [...records] });
        keep(digest, entry, Math.max(ttlMs, MARKER_LIFE_MS));
      }
    },
    async invalidate(sourceId, nams) {
      for (const nam of new Set(nams)) {
        invalidations += 1;
        keep(digestOf(sourceId, nam), { version: `v${invalidations}`, fields: new Map() }, MARKER_LIFE_MS);
      }
    },
    async close() {
      entries.clear();
    },
  };
}

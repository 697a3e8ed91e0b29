import type { AnswerInvalidation } from '../adapters/port';
import type { Logger } from '../lib/logger';
import type { RecordKind } from '../schema/records';
import { guardOf } from './answer-policy';
import { memoryAnswers } from './memory-answers';
import { openRedisAnswers } from './redis-answers';
import { deriveCacheKeys } from './sealing';

/**
 * The cache of source answers: what a source answered for a person, for one kind of record and
 * one lower date bound, kept a short while (the ttl) so warm views spare the sources. It holds
 * health data, so it never names a person in a key, seals values (Redis), and never serves an
 * answer older than an invalidation (a lab result ingested, a roster change) or than its ttl.
 * A cache can only ever make a view faster: any failure is a miss.
 */

/** Which answers: one source, one kind of record, records on or after `since` (YYYY-MM-DD) when given. */
export interface AnswerKey {
  sourceId: string;
  kind: RecordKind;
  since?: string;
}

declare const opaque: unique symbol;
/** What a read saw of each person's invalidation version; the matching write needs it back. */
export interface CacheGuard {
  readonly [opaque]: 'CacheGuard';
}

export interface CacheRead<T> {
  /** NAM -> the source's records for that person (an empty list is a hit: "holds nothing"). */
  hits: Map<string, T[]>;
  /** NAM -> when the source gave the cached answer (ms since the epoch), for each hit. */
  answeredAt: Map<string, number>;
  /** NAMs to ask the source for. */
  misses: string[];
  /** Hand back to write(). */
  guard: CacheGuard;
}

export interface AnswerCache extends AnswerInvalidation {
  readonly kind: 'redis' | 'memory' | 'off';
  read<T>(key: AnswerKey, nams: readonly string[]): Promise<CacheRead<T>>;
  /**
   * Caches what the source answered for the people a read missed. A person is stored only if no
   * invalidation of them at that source happened since that read; `ttlMs` 0 stores nothing.
   */
  write<T>(key: AnswerKey, answers: ReadonlyMap<string, readonly T[]>, guard: CacheGuard, ttlMs: number): Promise<void>;
  /** Drops every cached answer (every kind and bound) of these people at this source, and refuses writes of reads begun before. */
  invalidate(sourceId: string, nams: readonly string[]): Promise<void>;
  /** Resolves when the store answers now (Redis PING), rejects when not: for readiness probes only. */
  ping?(): Promise<void>;
  close(): Promise<void>;
}

export interface AnswerCacheOptions {
  mode: 'redis' | 'memory' | 'off';
  redisUrl?: string;
  /** 32 bytes; the key hashing and value sealing keys are derived from it. */
  key: Buffer;
  /** Prepended to every Redis key (one per deployment or test suite). */
  prefix?: string;
  logger: Logger;
  /** Longest a Redis call may take before it counts as a miss (default 100 ms). */
  timeoutMs?: number;
}

export async function openAnswerCache(options: AnswerCacheOptions): Promise<AnswerCache> {
  if (options.mode === 'off') return offAnswers();
  const keys = deriveCacheKeys(options.key);
  if (options.mode === 'memory') return memoryAnswers(keys);
  if (!options.redisUrl) throw new Error('the answer cache in redis mode needs a Redis URL');
  return openRedisAnswers({ url: options.redisUrl, keys, prefix: options.prefix ?? '', logger: options.logger, timeoutMs: options.timeoutMs ?? 100 });
}

/** `SOURCE_CACHE=off`: every read misses, nothing is kept. */
export function offAnswers(): AnswerCache {
  return {
    kind: 'off',
    read: async (key, nams) => ({ hits: new Map(), answeredAt: new Map(), misses: [...new Set(nams)], guard: guardOf(key, new Map()) }),
    write: async () => undefined,
    invalidate: async () => undefined,
    close: async () => undefined,
  };
}

import type { AnswerKey, CacheGuard } from './answer-cache';

/**
 * The rules every answer store follows, whatever holds the answers (Redis or process memory):
 * which field an answer lives in, when it is too old to serve, and how a write proves that no
 * invalidation happened since its read.
 */

/** The per-(source, person) version marker; bumped by every invalidation. */
export const VERSION_FIELD = '~v';

/**
 * How long a version marker outlives its last invalidation. It must outlast any read in flight
 * (a source answers within its timeout, seconds), or a write could find the marker gone and the
 * version it saw back: 10 minutes is far beyond any source timeout.
 */
export const MARKER_LIFE_MS = 10 * 60_000;

/** What is stored for one (source, person, kind, since): the records and when and for how long. */
export interface StoredAnswer<T> {
  /** Epoch ms at write. */
  at: number;
  ttl: number;
  records: T[];
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * `<kind>|<since or ''>`: one field per kind and lower date bound, so answers for other kinds or
 * other bounds are never served in place of each other. Undefined (not cacheable) for a bound
 * that is not a plain date, which could otherwise make two different bounds share a field.
 */
export function fieldOf(key: AnswerKey): string | undefined {
  if (key.since !== undefined && !DATE.test(key.since)) return undefined;
  return `${key.kind}|${key.since ?? ''}`;
}

/**
 * Served only while younger than the ttl it was written with, whatever the store still holds
 * (the hash lives as long as its version marker). A time in the future by more than the ttl is
 * nonsense (a clock far off), not a licence to serve.
 */
export function isFresh(answer: StoredAnswer<unknown>, now: number): boolean {
  return answer.ttl > 0 && now - answer.at < answer.ttl && answer.at - now < answer.ttl;
}

/** A parsed payload, or undefined when it is not the shape written by this cache. */
export function storedAnswerOf<T>(json: string): StoredAnswer<T> | undefined {
  try {
    const value = JSON.parse(json) as StoredAnswer<T>;
    return typeof value?.at === 'number' && typeof value.ttl === 'number' && Array.isArray(value.records) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** What a read saw: the source and field it read, and the version of each person's marker. */
interface Seen {
  sourceId: string;
  field: string | undefined;
  versions: ReadonlyMap<string, string>;
}

export function guardOf(key: AnswerKey, versions: ReadonlyMap<string, string>): CacheGuard {
  const seen: Seen = { sourceId: key.sourceId, field: fieldOf(key), versions };
  return seen as unknown as CacheGuard;
}

/**
 * The versions a write may rely on: only those a read of the same source and field saw. Anyone
 * the read did not see (or a read that could not reach the store) cannot be written.
 */
export function versionsSeen(guard: CacheGuard, key: AnswerKey): ReadonlyMap<string, string> {
  const seen = guard as unknown as Seen;
  const field = fieldOf(key);
  return field !== undefined && seen?.sourceId === key.sourceId && seen.field === field ? seen.versions : new Map();
}

import Redis from 'ioredis';
import type { Logger } from '../lib/logger';
import type { AnswerCache, AnswerKey } from './answer-cache';
import { fieldOf, guardOf, isFresh, MARKER_LIFE_MS, storedAnswerOf, VERSION_FIELD, versionsSeen } from './answer-policy';
import { personDigest, seal, unseal, type CacheKeys } from './sealing';
import { throttledWarning } from './throttled-warning';

/**
 * Stores a field only if the person's version is still the one its reader saw, so an
 * invalidation between a read and its write wins (a reader racing with it cannot put back what
 * it dropped). The hash lives at least as long as the version marker must.
 * KEYS[1] hash; ARGV: version seen, field, sealed value, life in ms.
 */
const WRITE = `
local version = redis.call('HGET', KEYS[1], '${VERSION_FIELD}') or '0'
if version ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[4]) then redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
return 1`;

/**
 * Bumps the version and drops every answer of the hash (every kind and bound) in one step.
 * KEYS[1] hash; ARGV: marker life in ms.
 */
const INVALIDATE = `
local version = tonumber(redis.call('HGET', KEYS[1], '${VERSION_FIELD}') or '0') + 1
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], '${VERSION_FIELD}', version)
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return version`;

/**
 * The scripts as ioredis (defineCommand) runs them: EVAL the first time on a connection, EVALSHA
 * after, and EVAL again for a command Redis answers NOSCRIPT (restart, SCRIPT FLUSH).
 */
interface AnswerScripts {
  qhrAnswerWrite(key: string, version: string, field: string, value: Buffer, lifeMs: number): Promise<number>;
  qhrAnswerInvalidate(key: string, lifeMs: number): Promise<number>;
}
type Client = Redis & AnswerScripts;
type Replies = [Error | null, unknown][];

export interface RedisAnswersOptions {
  url: string;
  keys: CacheKeys;
  prefix: string;
  logger: Logger;
  timeoutMs: number;
}

/** Why Redis did not answer, as a category safe to log. */
function failureOf(error: unknown): string {
  const text = `${(error as { code?: string })?.code ?? ''} ${(error as Error)?.message ?? ''}`;
  if (/timed out|ETIMEDOUT/i.test(text)) return 'timeout';
  if (/writeable|closed|ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENOTFOUND|EPIPE/i.test(text)) return 'unreachable';
  if (/NOSCRIPT/.test(text)) return 'noscript';
  return 'error';
}

/**
 * The answer cache shared by every subgraph process: one Redis hash per (source, person),
 * `<prefix>qhr:ans:<digest>`, one sealed field per kind and bound, and the version marker `~v`.
 * Commands are sent as they come and ioredis's auto-pipelining puts every command of one turn of
 * the event loop in one write: the reads of every source of a view, and the writes of every view
 * answered in that turn, cost one round trip together, not one each. Redis down, slow or timing out is a miss for
 * everyone (read) and nothing done (write, invalidate), warned at most every 10 s; ioredis
 * reconnects by itself and the cache is used again as soon as Redis answers.
 */
export async function openRedisAnswers(options: RedisAnswersOptions): Promise<AnswerCache> {
  const { keys, prefix, logger, timeoutMs } = options;
  const warnUnavailable = throttledWarning(logger, 'answer cache unavailable: asking the sources');
  const warnUnreadable = throttledWarning(logger, 'cached answers failed to open: treated as misses');
  const redis = new Redis(options.url, {
    lazyConnect: true,
    commandTimeout: timeoutMs,
    connectTimeout: Math.max(1000, timeoutMs),
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    // The reads (and writes) of one view's sources, issued in one tick, go out as one write to Redis.
    enableAutoPipelining: true,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
    // ioredis waits this long for a dead socket to close before destroying it (default 2 s), holding the process open at close.
    disconnectTimeout: 200,
  });
  let down = false;
  const unavailable = (error: unknown) => {
    down = true;
    warnUnavailable({ failure: failureOf(error) });
  };
  redis.on('error', unavailable);
  redis.on('ready', () => {
    if (down) logger.info({ cache: 'answers' }, 'answer cache available again');
    down = false;
  });
  redis.defineCommand('qhrAnswerWrite', { numberOfKeys: 1, lua: WRITE });
  redis.defineCommand('qhrAnswerInvalidate', { numberOfKeys: 1, lua: INVALIDATE });
  // Not there yet at start is not an error: every call misses until ioredis has reconnected.
  await redis.connect().catch(unavailable);

  const hashOf = (sourceId: string, nam: string) => `${prefix}qhr:ans:${personDigest(keys.hashKey, sourceId, nam)}`;
  /** Where a value is stored is authenticated with it: moved elsewhere, it no longer opens. */
  const placeOf = (hash: string, field: string) => `${hash}\u0000${field}`;
  const client = redis as Client;
  /** Each command's reply or error, in order; any error says Redis is in trouble (a miss, or nothing done). */
  const settle = async (commands: Promise<unknown>[]): Promise<Replies> => {
    const replies = (await Promise.allSettled(commands)).map((settled): Replies[number] => (settled.status === 'fulfilled' ? [null, settled.value] : [settled.reason as Error, undefined]));
    const failed = replies.find(([error]) => error)?.[0];
    if (failed) unavailable(failed);
    return replies;
  };

  return {
    kind: 'redis',
    async read<T>(key: AnswerKey, nams: readonly string[]) {
      const people = [...new Set(nams)];
      const field = fieldOf(key);
      const hits = new Map<string, T[]>();
      const answeredAt = new Map<string, number>();
      const versions = new Map<string, string>();
      if (field !== undefined && people.length > 0) {
        const hashes = people.map((nam) => hashOf(key.sourceId, nam));
        const replies = await settle(hashes.map((hash) => client.hmgetBuffer(hash, field, VERSION_FIELD)));
        const now = Date.now();
        let unreadable = 0;
        people.forEach((nam, index) => {
          const [error, reply] = replies[index];
          if (error) return;
          const [sealed, version] = reply as [Buffer | null, Buffer | null];
          versions.set(nam, version?.toString() ?? '0');
          if (!sealed) return;
          const plain = unseal(keys.sealKey, placeOf(hashes[index], field), sealed);
          const answer = plain && storedAnswerOf<T>(plain.toString('utf8'));
          if (!answer) unreadable += 1;
          else if (isFresh(answer, now)) {
            hits.set(nam, answer.records);
            answeredAt.set(nam, answer.at);
          }
        });
        if (unreadable > 0) warnUnreadable({ source: key.sourceId, kind: key.kind, unreadable });
      }
      return { hits, answeredAt, misses: people.filter((nam) => !hits.has(nam)), guard: guardOf(key, versions) };
    },

    async write(key, answers, guard, ttlMs) {
      const field = fieldOf(key);
      const seen = versionsSeen(guard, key);
      if (field === undefined || ttlMs <= 0) return;
      const at = Date.now();
      const lifeMs = Math.max(ttlMs, MARKER_LIFE_MS);
      const commands: Promise<number>[] = [];
      for (const [nam, records] of answers) {
        const version = seen.get(nam);
        if (version === undefined) continue;
        const hash = hashOf(key.sourceId, nam);
        const payload = Buffer.from(JSON.stringify({ at, ttl: ttlMs, records }), 'utf8');
        commands.push(client.qhrAnswerWrite(hash, version, field, seal(keys.sealKey, placeOf(hash, field), payload), lifeMs));
      }
      if (commands.length > 0) await settle(commands);
    },

    async invalidate(sourceId, nams) {
      const people = [...new Set(nams)];
      if (people.length === 0) return;
      await settle(people.map((nam) => client.qhrAnswerInvalidate(hashOf(sourceId, nam), MARKER_LIFE_MS)));
    },

    async ping() {
      await redis.ping();
    },

    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

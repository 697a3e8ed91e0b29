import { randomBytes } from 'node:crypto';
import { openAnswerCache, type AnswerCache } from '../cache/answer-cache';
import type { Config } from '../lib/config';
import type { Logger } from '../lib/logger';

/**
 * The answer cache a process gets (README, "Cache of source answers"):
 * - Redis when REDIS_URL and CACHE_KEY are set: shared by every process, which must all derive the
 *   same key names and seals, or a lab listener's invalidation would miss a subgraph's entries;
 * - an in-process LRU when every service runs in this one process (npm start, the stack);
 * - none otherwise (services apart without a shared Redis and key), said once at start.
 */
export async function openAnswerCacheFor(config: Config, logger: Logger, options: { oneProcess: boolean; prefix?: string; say?: (line: string) => void }): Promise<AnswerCache> {
  const say = options.say ?? (() => undefined);
  const mode = !config.answerCache.enabled ? 'off' : config.redisUrl && config.answerCache.key ? 'redis' : !config.redisUrl && options.oneProcess ? 'memory' : 'off';
  if (config.answerCache.enabled && mode === 'off') say(config.redisUrl ? 'answer cache: off (set CACHE_KEY, the same in every process, to share it through Redis)' : 'answer cache: off (services apart need REDIS_URL and CACHE_KEY)');
  else say(`answer cache: ${mode === 'redis' ? 'Redis (REDIS_URL), sealed with CACHE_KEY' : mode === 'memory' ? 'in-process (one process only)' : 'off (SOURCE_CACHE=off)'}`);
  return openAnswerCache({ mode, redisUrl: config.redisUrl, key: config.answerCache.key ?? randomBytes(32), prefix: options.prefix, logger });
}

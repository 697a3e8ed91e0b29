import type { Logger } from '../../lib/logger';
import type { AnswerInvalidation } from '../port';
import { failureOf } from './handler';

/**
 * Tells the answer cache, per source, whose answers a commit made stale, before the ACKs go out. A
 * failure or a hang (past `timeoutMs`) is logged by category, with a count of people, never who:
 * it changes no ACK (the data is durable; a stale answer lives at most its time to live).
 */
export async function invalidateAfterCommit(
  cache: AnswerInvalidation | undefined,
  bySource: ReadonlyMap<string, readonly string[]>,
  options: { timeoutMs?: number; logger?: Logger; what: string },
): Promise<void> {
  if (!cache) return;
  const timeoutMs = options.timeoutMs ?? 2000;
  await Promise.all(
    [...bySource].map(async ([sourceId, nams]) => {
      if (nams.length === 0) return;
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          cache.invalidate(sourceId, nams),
          new Promise<never>((_, reject) => (timer = setTimeout(() => reject(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })), timeoutMs))),
        ]);
      } catch (error) {
        options.logger?.warn({ source: sourceId, people: nams.length, failure: failureOf(error) }, `answer cache not invalidated after ${options.what}`);
      } finally {
        clearTimeout(timer);
      }
    }),
  );
}

import { openAnswerCache, type AnswerCache, type AnswerKey } from '../../cache/answer-cache';
import type { MedicationDispenseRecord } from '../../schema/records';
import { cacheThrough, deleteKeysUnder, medication, newKey, newPrefix, PHARMACY } from './support/answers';
import { logLines } from './support/log-lines';

/**
 * A warm 50-person panel is read back whole, every person a hit with every record, from Redis and
 * from process memory. How fast is the bench's to say (npm run bench, scenario 2 warm), not a
 * timed unit test's: on a loaded CI machine a timing here only measures the machine.
 * Needs REDIS_URL for the Redis half.
 */
const REDIS_URL = process.env.REDIS_URL;
const describeRedis = REDIS_URL ? describe : describe.skip;
if (!REDIS_URL) test.skip('the Redis answer cache needs REDIS_URL', () => undefined);

/** Generous: a read slower than the cache's timeout is a miss, and this spec is about what is read, not how fast. */
const TIMEOUT_MS = 5_000;
const MEDS: AnswerKey = { sourceId: PHARMACY, kind: 'medications' };
/** 50 made-up NAMs, each with 5 dispensations. */
const panel = new Map<string, MedicationDispenseRecord[]>(
  Array.from({ length: 50 }, (_, i) => {
    const nam = `TEST${String(10_000_000 + i).slice(1)}`;
    return [nam, Array.from({ length: 5 }, (_, j) => medication(`${PHARMACY}/md-${i}-${j}`, `Médicament ${j} 10 mg`))];
  }),
);

async function readsBackWhole(cache: AnswerCache): Promise<void> {
  await cacheThrough(cache, MEDS, panel, 60_000);
  const { hits, misses } = await cache.read(MEDS, [...panel.keys()]);
  expect(misses).toEqual([]);
  expect(hits.size).toBe(50);
  for (const [nam, records] of panel) expect(hits.get(nam)).toEqual(records);
}

describeRedis('a warm panel of 50 people', () => {
  const prefix = newPrefix();
  afterAll(() => deleteKeysUnder(REDIS_URL!, prefix));

  test('is read back whole from Redis: every person a hit, with every record as the source gave it', async () => {
    const cache = await openAnswerCache({ mode: 'redis', redisUrl: REDIS_URL, key: newKey(), prefix, logger: logLines().logger, timeoutMs: TIMEOUT_MS });
    try {
      await readsBackWhole(cache);
    } finally {
      await cache.close();
    }
  });

  test('is read back whole from process memory (one instance, no Redis)', async () => {
    const cache = await openAnswerCache({ mode: 'memory', key: newKey(), logger: logLines().logger });
    try {
      await readsBackWhole(cache);
    } finally {
      await cache.close();
    }
  });
});

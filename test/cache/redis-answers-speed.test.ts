import { openAnswerCache, type AnswerCache, type AnswerKey } from '../../cache/answer-cache';
import type { MedicationDispenseRecord } from '../../schema/records';
import { cacheThrough, deleteKeysUnder, medication, newKey, newPrefix, PHARMACY } from './support/answers';
import { logLines } from './support/log-lines';

/**
 * A warm 50-person panel is read from Redis in one round trip, well within the cache's timeout
 * (a read slower than the timeout would always be a miss). Reports the median over 200 reads.
 * Needs REDIS_URL.
 */
const REDIS_URL = process.env.REDIS_URL;
const describeRedis = REDIS_URL ? describe : describe.skip;
if (!REDIS_URL) test.skip('the Redis answer cache needs REDIS_URL', () => undefined);

const TIMEOUT_MS = 100;
const MEDS: AnswerKey = { sourceId: PHARMACY, kind: 'medications' };
/** 50 made-up NAMs, each with 5 dispensations. */
const panel = new Map<string, MedicationDispenseRecord[]>(
  Array.from({ length: 50 }, (_, i) => {
    const nam = `TEST${String(10_000_000 + i).slice(1)}`;
    return [nam, Array.from({ length: 5 }, (_, j) => medication(`${PHARMACY}/md-${i}-${j}`, `Médicament ${j} 10 mg`))];
  }),
);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function medianReadMs(cache: AnswerCache, runs: number): Promise<number> {
  const times: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    const started = performance.now();
    const { hits } = await cache.read(MEDS, [...panel.keys()]);
    times.push(performance.now() - started);
    expect(hits.size).toBe(50);
  }
  return median(times);
}

describeRedis('reading a warm panel', () => {
  const prefix = newPrefix();
  afterAll(() => deleteKeysUnder(REDIS_URL!, prefix));

  test('50 people are read from Redis well within the timeout (median of 200 reads)', async () => {
    const cache = await openAnswerCache({ mode: 'redis', redisUrl: REDIS_URL, key: newKey(), prefix, logger: logLines().logger, timeoutMs: TIMEOUT_MS });
    await cacheThrough(cache, MEDS, panel, 60_000);
    await medianReadMs(cache, 20); // warm up
    const ms = await medianReadMs(cache, 200);
    console.log(`answer cache, Redis: read of 50 people (5 records each), median of 200 = ${ms.toFixed(2)} ms`);
    expect(ms).toBeLessThan(TIMEOUT_MS / 4);
    await cache.close();
  });

  test('50 people are read from process memory (median of 200 reads)', async () => {
    const cache = await openAnswerCache({ mode: 'memory', key: newKey(), logger: logLines().logger });
    await cacheThrough(cache, MEDS, panel, 60_000);
    await medianReadMs(cache, 20);
    const ms = await medianReadMs(cache, 200);
    console.log(`answer cache, memory: read of 50 people (5 records each), median of 200 = ${ms.toFixed(2)} ms`);
    expect(ms).toBeLessThan(TIMEOUT_MS / 4);
    await cache.close();
  });
});

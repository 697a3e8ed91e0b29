import { openAnswerCache, type AnswerCache, type AnswerKey } from '../../cache/answer-cache';
import { memoryAnswers } from '../../cache/memory-answers';
import { deriveCacheKeys } from '../../cache/sealing';
import type { LabResultRecord, MedicationDispenseRecord } from '../../schema/records';
import { cacheThrough, deleteKeysUnder, GAGNON, LAB, labResult, medication, newKey, newPrefix, OTHER_PHARMACY, PHARMACY, ROY, sleep, TREMBLAY } from './support/answers';
import { logLines } from './support/log-lines';

/**
 * The behaviour every answer cache shares, whether the subgraphs share it through Redis or one
 * process keeps it in memory: what was cached comes back to the same question only, for its
 * ttl, and never across an invalidation.
 */
const REDIS_URL = process.env.REDIS_URL;
const prefix = newPrefix();
const TTL = 30_000;

const MEDS: AnswerKey = { sourceId: PHARMACY, kind: 'medications' };
const LABS: AnswerKey = { sourceId: LAB, kind: 'labResults' };
const metformin = medication('pharmacy.jean-coutu-12/md-1', 'Metformine 500 mg');
const atorvastatin = medication('pharmacy.jean-coutu-12/md-2', 'Atorvastatine 20 mg');
const glucose = labResult('lab.chum/obs-1', 'Glucose', '7.9');

const modes: [string, () => Promise<AnswerCache>][] = [
  ['process memory', () => openAnswerCache({ mode: 'memory', key: newKey(), logger: logLines().logger })],
];
// A generous command timeout: these specs are about what is kept, not about a slow Redis (the 100 ms
// default drops a write on a loaded machine, by design: test/faults covers that).
if (REDIS_URL) modes.push(['Redis', () => openAnswerCache({ mode: 'redis', redisUrl: REDIS_URL, key: newKey(), prefix, logger: logLines().logger, timeoutMs: 2_000 })]);
else test.skip('the Redis answer cache needs REDIS_URL', () => undefined);

afterAll(async () => {
  if (REDIS_URL) await deleteKeysUnder(REDIS_URL, prefix);
});

describe.each(modes)('the answer cache in %s', (_mode, open) => {
  let cache: AnswerCache;
  beforeEach(async () => {
    cache = await open();
  });
  afterEach(() => cache.close());

  test('a person whose answer was cached after a miss is served from the cache next time', async () => {
    const first = await cache.read<MedicationDispenseRecord>(MEDS, [GAGNON]);
    expect(first.misses).toEqual([GAGNON]);
    await cache.write(MEDS, new Map([[GAGNON, [metformin, atorvastatin]]]), first.guard, TTL);
    const second = await cache.read<MedicationDispenseRecord>(MEDS, [GAGNON]);
    expect(second.hits.get(GAGNON)).toEqual([metformin, atorvastatin]);
    expect(second.misses).toEqual([]);
  });

  test('a source that holds nothing for a person is remembered as holding nothing', async () => {
    await cacheThrough(cache, MEDS, new Map([[GAGNON, []]]), TTL);
    const { hits, misses } = await cache.read(MEDS, [GAGNON]);
    expect(hits.get(GAGNON)).toEqual([]);
    expect(misses).toEqual([]);
  });

  test('in a panel, only the people not cached are asked of the source', async () => {
    await cacheThrough(cache, MEDS, new Map([[GAGNON, [metformin]]]), TTL);
    const { hits, misses } = await cache.read(MEDS, [GAGNON, TREMBLAY, ROY]);
    expect([...hits.keys()]).toEqual([GAGNON]);
    expect(misses).toEqual([TREMBLAY, ROY]);
  });

  test("one person's answer is never served for another person", async () => {
    await cacheThrough(cache, MEDS, new Map([[GAGNON, [metformin]]]), TTL);
    expect((await cache.read(MEDS, [TREMBLAY])).misses).toEqual([TREMBLAY]);
  });

  test("one pharmacy's answer is never served as another pharmacy's", async () => {
    await cacheThrough(cache, MEDS, new Map([[GAGNON, [metformin]]]), TTL);
    expect((await cache.read({ ...MEDS, sourceId: OTHER_PHARMACY }, [GAGNON])).misses).toEqual([GAGNON]);
  });

  test("a source's answer for one kind of record is never served for another kind", async () => {
    await cacheThrough(cache, { sourceId: LAB, kind: 'labResults' }, new Map([[GAGNON, [glucose]]]), TTL);
    expect((await cache.read({ sourceId: LAB, kind: 'encounters' }, [GAGNON])).misses).toEqual([GAGNON]);
  });

  test('an answer for records since one date is never served for another date, nor for all records', async () => {
    await cacheThrough(cache, { ...LABS, since: '2024-01-01' }, new Map([[GAGNON, [glucose]]]), TTL);
    expect((await cache.read({ ...LABS, since: '2023-01-01' }, [GAGNON])).misses).toEqual([GAGNON]);
    expect((await cache.read(LABS, [GAGNON])).misses).toEqual([GAGNON]);
    expect((await cache.read<LabResultRecord>({ ...LABS, since: '2024-01-01' }, [GAGNON])).hits.get(GAGNON)).toEqual([glucose]);
  });

  test('an answer older than its ttl is asked of the source again', async () => {
    await cacheThrough(cache, MEDS, new Map([[GAGNON, [metformin]]]), 80);
    expect((await cache.read(MEDS, [GAGNON])).hits.has(GAGNON)).toBe(true);
    await sleep(120);
    expect((await cache.read(MEDS, [GAGNON])).misses).toEqual([GAGNON]);
  });

  test('a ttl of 0 caches nothing', async () => {
    await cacheThrough(cache, MEDS, new Map([[GAGNON, [metformin]]]), 0);
    expect((await cache.read(MEDS, [GAGNON])).misses).toEqual([GAGNON]);
  });

  test('a lab result ingested while the laboratory was being asked keeps the older answer out of the cache', async () => {
    const read = await cache.read(LABS, [GAGNON]);
    await cache.invalidate(LAB, [GAGNON]); // the result arrives over MLLP while the read is in flight
    await cache.write(LABS, new Map([[GAGNON, [glucose]]]), read.guard, TTL); // the answer from before it
    expect((await cache.read(LABS, [GAGNON])).misses).toEqual([GAGNON]);
  });

  test('after an invalidation, the next read caches the new answer again', async () => {
    await cacheThrough(cache, LABS, new Map([[GAGNON, [glucose]]]), TTL);
    await cache.invalidate(LAB, [GAGNON]);
    const newer = labResult('lab.chum/obs-2', 'Glucose', '5.1');
    await cacheThrough(cache, LABS, new Map([[GAGNON, [glucose, newer]]]), TTL);
    expect((await cache.read<LabResultRecord>(LABS, [GAGNON])).hits.get(GAGNON)).toEqual([glucose, newer]);
  });

  test('invalidating a person at a source drops every kind and date bound of theirs there, and nothing else', async () => {
    const clinic = 'clinic.gmf-plateau';
    const kinds: AnswerKey[] = [
      { sourceId: clinic, kind: 'encounters' },
      { sourceId: clinic, kind: 'conditions' },
      { sourceId: clinic, kind: 'encounters', since: '2024-01-01' },
    ];
    for (const key of kinds) await cacheThrough(cache, key, new Map([[GAGNON, []], [TREMBLAY, []]]), TTL);
    await cacheThrough(cache, MEDS, new Map([[GAGNON, [metformin]]]), TTL);

    await cache.invalidate(clinic, [GAGNON]);

    for (const key of kinds) {
      const { hits, misses } = await cache.read(key, [GAGNON, TREMBLAY]);
      expect(misses).toEqual([GAGNON]);
      expect([...hits.keys()]).toEqual([TREMBLAY]);
    }
    expect((await cache.read(MEDS, [GAGNON])).hits.has(GAGNON)).toBe(true);
  });

  test('a write for someone the read did not cover stores nothing', async () => {
    const read = await cache.read(MEDS, [GAGNON]);
    await cache.write(MEDS, new Map([[TREMBLAY, [metformin]]]), read.guard, TTL);
    expect((await cache.read(MEDS, [TREMBLAY])).misses).toEqual([TREMBLAY]);
  });

  test("a read of one source cannot license a write of another source's answer", async () => {
    const read = await cache.read(MEDS, [GAGNON]);
    const other = { ...MEDS, sourceId: OTHER_PHARMACY };
    await cache.write(other, new Map([[GAGNON, [metformin]]]), read.guard, TTL);
    expect((await cache.read(other, [GAGNON])).misses).toEqual([GAGNON]);
  });

  test('a date bound that is not a calendar date is never cached', async () => {
    const odd = { ...LABS, since: '2024-01-01|x' };
    await cacheThrough(cache, odd, new Map([[GAGNON, [glucose]]]), TTL);
    expect((await cache.read(odd, [GAGNON])).misses).toEqual([GAGNON]);
  });
});

describe('the answer cache turned off', () => {
  test('asks the sources for everyone every time and keeps nothing', async () => {
    const cache = await openAnswerCache({ mode: 'off', key: newKey(), logger: logLines().logger });
    await cacheThrough(cache, MEDS, new Map([[GAGNON, [metformin]]]), TTL);
    const { hits, misses } = await cache.read(MEDS, [GAGNON, TREMBLAY]);
    expect(cache.kind).toBe('off');
    expect(hits.size).toBe(0);
    expect(misses).toEqual([GAGNON, TREMBLAY]);
  });
});

describe('the answer cache in process memory, when full', () => {
  test('an invalidation pushed out of a full cache still keeps the older answer out', async () => {
    const cache = memoryAnswers(deriveCacheKeys(newKey()), 2);
    const read = await cache.read(LABS, [GAGNON]);
    await cache.invalidate(LAB, [GAGNON]);
    await cacheThrough(cache, MEDS, new Map([[TREMBLAY, []], [ROY, []]]), TTL); // evicts Gagnon's marker
    await cache.write(LABS, new Map([[GAGNON, [glucose]]]), read.guard, TTL);
    expect((await cache.read(LABS, [GAGNON])).misses).toEqual([GAGNON]);
  });

  test('keeps the most recently used people', async () => {
    const cache = memoryAnswers(deriveCacheKeys(newKey()), 2);
    await cacheThrough(cache, MEDS, new Map([[GAGNON, []], [TREMBLAY, []]]), TTL);
    await cache.read(MEDS, [GAGNON]);
    await cacheThrough(cache, MEDS, new Map([[ROY, []]]), TTL);
    expect((await cache.read(MEDS, [GAGNON, TREMBLAY, ROY])).misses).toEqual([TREMBLAY]);
  });
});

import Redis from 'ioredis';
import { openAnswerCache, type AnswerCache, type AnswerKey } from '../../cache/answer-cache';
import type { LabResultRecord } from '../../schema/records';
import { cacheThrough, deleteKeysUnder, GAGNON, keysUnder, LAB, labResult, newKey, newPrefix, ROY, TREMBLAY } from './support/answers';
import { logLines } from './support/log-lines';

/**
 * What Redis holds is health data in a shared store: anyone who can list its keys or read its
 * values (MONITOR, dumps, backups) must learn nothing of who is treated where, and no value can be
 * made to answer for someone else. Needs REDIS_URL; only this suite's prefix is read or changed.
 */
const REDIS_URL = process.env.REDIS_URL;
const describeRedis = REDIS_URL ? describe : describe.skip;
if (!REDIS_URL) test.skip('the Redis answer cache needs REDIS_URL', () => undefined);

const TTL = 30_000;
const LABS: AnswerKey = { sourceId: LAB, kind: 'labResults' };
const glucose = labResult('lab.chum/obs-1', 'Glucose à jeun', '7.9');
const potassium = labResult('lab.chum/obs-2', 'Potassium', '3.1');

describeRedis('what the answer cache leaves in Redis', () => {
  const prefix = newPrefix();
  const log = logLines();
  let cache: AnswerCache;
  let redis: Redis;
  /** The single key this suite created since `before`. */
  const newKeySince = async (before: Set<string>) => {
    const created = [...(await keysUnder(REDIS_URL!, prefix)).keys()].filter((key) => !before.has(key));
    expect(created).toHaveLength(1);
    return created[0];
  };
  const keysNow = async () => new Set((await keysUnder(REDIS_URL!, prefix)).keys());

  beforeAll(async () => {
    cache = await openAnswerCache({ mode: 'redis', redisUrl: REDIS_URL, key: newKey(), prefix, logger: log.logger });
    redis = new Redis(REDIS_URL!);
  });
  beforeEach(() => deleteKeysUnder(REDIS_URL!, prefix));
  afterAll(async () => {
    await cache?.close();
    redis?.disconnect();
    await deleteKeysUnder(REDIS_URL!, prefix);
  });

  test('no key and no value names a person, a source or a result', async () => {
    await cacheThrough(cache, LABS, new Map([[GAGNON, [glucose]], [TREMBLAY, [potassium]], [ROY, []]]), TTL);
    await cacheThrough(cache, { ...LABS, since: '2024-01-01' }, new Map([[GAGNON, [glucose]]]), TTL);
    await cache.invalidate(LAB, [ROY]);
    const stored = await keysUnder(REDIS_URL!, prefix);
    expect(stored.size).toBe(3);
    const forbidden = [GAGNON, TREMBLAY, ROY, LAB, 'Glucose', 'Potassium', '7.9', 'chum'];
    for (const [key, fields] of stored) {
      expect(key).toMatch(new RegExp(`^${prefix}qhr:ans:[A-Za-z0-9_-]{43}$`));
      for (const [field, value] of fields) {
        const text = `${key} ${field} ${value.toString('latin1')} ${value.toString('utf8')}`;
        for (const word of forbidden) expect(text).not.toContain(word);
      }
    }
  });

  test('a value copied under another person is not served to them', async () => {
    let before = await keysNow();
    await cacheThrough(cache, LABS, new Map([[GAGNON, [glucose]]]), TTL);
    const gagnon = await newKeySince(before);
    before = await keysNow();
    await cacheThrough(cache, LABS, new Map([[TREMBLAY, []]]), TTL);
    const tremblay = await newKeySince(before);

    await redis.hset(tremblay, 'labResults|', (await redis.hgetBuffer(gagnon, 'labResults|'))!);

    const { hits, misses } = await cache.read(LABS, [TREMBLAY]);
    expect(hits.size).toBe(0);
    expect(misses).toEqual([TREMBLAY]);
  });

  test('a value copied under another date bound or kind of the same person is not served there', async () => {
    await cacheThrough(cache, LABS, new Map([[GAGNON, [glucose]]]), TTL);
    const [gagnon] = await keysNow();
    const sealed = (await redis.hgetBuffer(gagnon, 'labResults|'))!;
    await redis.hset(gagnon, 'labResults|2020-01-01', sealed, 'encounters|', sealed);
    expect((await cache.read({ ...LABS, since: '2020-01-01' }, [GAGNON])).misses).toEqual([GAGNON]);
    expect((await cache.read({ sourceId: LAB, kind: 'encounters' }, [GAGNON])).misses).toEqual([GAGNON]);
    expect((await cache.read(LABS, [GAGNON])).hits.has(GAGNON)).toBe(true);
  });

  test('an altered value is a miss, and the log says so by source and count only', async () => {
    await cacheThrough(cache, LABS, new Map([[GAGNON, [glucose]]]), TTL);
    const [gagnon] = await keysNow();
    const sealed = (await redis.hgetBuffer(gagnon, 'labResults|'))!;
    sealed[sealed.length - 1] ^= 1;
    await redis.hset(gagnon, 'labResults|', sealed);

    expect((await cache.read(LABS, [GAGNON])).misses).toEqual([GAGNON]);
    const warning = log.lines.find((line) => line.msg === 'cached answers failed to open: treated as misses');
    expect(warning).toMatchObject({ source: LAB, kind: 'labResults', unreadable: 1 });
    expect(log.text()).not.toContain(GAGNON);
    expect(log.text()).not.toContain(gagnon.slice(prefix.length));
  });

  test('an answer past its ttl is a miss even while Redis still holds it', async () => {
    await cacheThrough(cache, LABS, new Map([[GAGNON, [glucose]]]), 50);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const [gagnon] = await keysNow();
    expect(await redis.hexists(gagnon, 'labResults|')).toBe(1);
    expect((await cache.read(LABS, [GAGNON])).misses).toEqual([GAGNON]);
  });

  test("a person's version marker outlives a short-lived answer, so a slow read cannot outlast an invalidation", async () => {
    await cacheThrough(cache, LABS, new Map([[GAGNON, [glucose]]]), 1_000);
    const [gagnon] = await keysNow();
    expect(await redis.pttl(gagnon)).toBeGreaterThan(9 * 60_000);
    await cache.invalidate(LAB, [GAGNON]);
    expect(await redis.hgetall(gagnon)).toEqual({ '~v': '1' });
    expect(await redis.pttl(gagnon)).toBeGreaterThan(9 * 60_000);
  });
});

describeRedis('two subgraph processes sharing one Redis', () => {
  const prefix = newPrefix();
  const key = newKey();
  const open = (cacheKey = key) => openAnswerCache({ mode: 'redis', redisUrl: REDIS_URL, key: cacheKey, prefix, logger: logLines().logger });
  afterAll(() => deleteKeysUnder(REDIS_URL!, prefix));

  test('an answer one process cached is served to the other', async () => {
    const [first, second] = [await open(), await open()];
    await cacheThrough(first, LABS, new Map([[GAGNON, [glucose]]]), TTL);
    expect((await second.read<LabResultRecord>(LABS, [GAGNON])).hits.get(GAGNON)).toEqual([glucose]);
    await Promise.all([first.close(), second.close()]);
  });

  test("the lab listener's invalidation in one process refuses the racing write of another", async () => {
    const [listener, subgraph] = [await open(), await open()];
    const read = await subgraph.read(LABS, [TREMBLAY]);
    await listener.invalidate(LAB, [TREMBLAY]);
    await subgraph.write(LABS, new Map([[TREMBLAY, [potassium]]]), read.guard, TTL);
    expect((await subgraph.read(LABS, [TREMBLAY])).misses).toEqual([TREMBLAY]);
    await Promise.all([listener.close(), subgraph.close()]);
  });

  test('processes with different cache keys never see each other’s answers', async () => {
    const [first, stranger] = [await open(), await open(newKey())];
    await cacheThrough(first, LABS, new Map([[ROY, [glucose]]]), TTL);
    expect((await stranger.read(LABS, [ROY])).misses).toEqual([ROY]);
    await Promise.all([first.close(), stranger.close()]);
  });
});

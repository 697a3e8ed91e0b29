import { openAnswerCache, type AnswerCache, type AnswerKey } from '../../cache/answer-cache';
import { cacheThrough, GAGNON, LAB, labResult, newKey, sleep, TREMBLAY } from './support/answers';
import { logLines } from './support/log-lines';
import { ownRedis, type OwnRedis } from './support/own-redis';

/**
 * A cache must never fail a view nor slow it down: with Redis gone, hung or restarted, every
 * person is asked of the sources, nothing throws, and the cache is used again once Redis is back.
 * Each test runs its own redis-server (the shared one is never stopped).
 */
const TIMEOUT_MS = 100;
const TTL = 30_000;
const LABS: AnswerKey = { sourceId: LAB, kind: 'labResults' };
const glucose = labResult('lab.chum/obs-1', 'Glucose', '7.9');

/** Time of `work`, in ms. */
async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

/** Caches Gagnon's answer until a read serves it: Redis is (back) in use. */
async function untilServed(cache: AnswerCache, withinMs = 5_000): Promise<boolean> {
  for (const end = Date.now() + withinMs; Date.now() < end; await sleep(50)) {
    await cacheThrough(cache, LABS, new Map([[GAGNON, [glucose]]]), TTL);
    if ((await cache.read(LABS, [GAGNON])).hits.has(GAGNON)) return true;
  }
  return false;
}

describe('the answer cache when Redis fails', () => {
  let redis: OwnRedis;
  let cache: AnswerCache;
  let log: ReturnType<typeof logLines>;
  beforeEach(async () => {
    redis = await ownRedis();
    log = logLines();
  });
  afterEach(async () => {
    redis.resume();
    await cache?.close();
    await redis.dispose();
  });
  const open = () => openAnswerCache({ mode: 'redis', redisUrl: redis.url, key: newKey(), logger: log.logger, timeoutMs: TIMEOUT_MS });

  test('with Redis gone, everyone is asked of the sources at once and nothing throws', async () => {
    await redis.start();
    cache = await open();
    expect(await untilServed(cache)).toBe(true);
    const before = await cache.read(LABS, [TREMBLAY]);
    await redis.kill();

    const { value: read, ms } = await timed(() => cache.read(LABS, [GAGNON, TREMBLAY]));
    expect(read.hits.size).toBe(0);
    expect(read.misses).toEqual([GAGNON, TREMBLAY]);
    expect(ms).toBeLessThan(TIMEOUT_MS);
    await expect(cache.write(LABS, new Map([[TREMBLAY, []]]), before.guard, TTL)).resolves.toBeUndefined();
    await expect(cache.invalidate(LAB, [GAGNON])).resolves.toBeUndefined();
  });

  test('with Redis hung, every call gives up within the timeout and everyone is a miss', async () => {
    await redis.start();
    cache = await open();
    expect(await untilServed(cache)).toBe(true);
    const before = await cache.read(LABS, [TREMBLAY]);
    redis.pause();

    const read = await timed(() => cache.read(LABS, [GAGNON, TREMBLAY]));
    expect(read.value.misses).toEqual([GAGNON, TREMBLAY]);
    expect(read.ms).toBeLessThan(TIMEOUT_MS * 2.5);
    const write = await timed(() => cache.write(LABS, new Map([[TREMBLAY, []]]), before.guard, TTL));
    expect(write.ms).toBeLessThan(TIMEOUT_MS * 2.5);
    const invalidate = await timed(() => cache.invalidate(LAB, [GAGNON]));
    expect(invalidate.ms).toBeLessThan(TIMEOUT_MS * 2.5);
  });

  test('an outage is warned about once per 10 seconds, without naming anyone', async () => {
    await redis.start();
    cache = await open();
    await redis.kill();
    for (let i = 0; i < 20; i += 1) await cache.read(LABS, [GAGNON]);
    await cache.invalidate(LAB, [TREMBLAY]);

    const warnings = log.lines.filter((line) => line.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ cache: 'answers', failure: 'unreachable', msg: 'answer cache unavailable: asking the sources' });
    expect(log.text()).not.toMatch(/GAGN|TREM|qhr:ans/);
  });

  test('when Redis comes back, the cache is used again without a restart', async () => {
    await redis.start();
    cache = await open();
    await redis.kill();
    expect((await cache.read(LABS, [GAGNON])).misses).toEqual([GAGNON]);
    await redis.start();
    expect(await untilServed(cache)).toBe(true);
  });

  test('a Redis not yet up when the service starts is used as soon as it is', async () => {
    const { value, ms } = await timed(() => open());
    cache = value;
    expect(ms).toBeLessThan(2_000);
    expect((await cache.read(LABS, [GAGNON])).misses).toEqual([GAGNON]);
    await redis.start();
    expect(await untilServed(cache)).toBe(true);
  });

  test('a Redis that lost its scripts (restart, SCRIPT FLUSH) still takes writes and invalidations', async () => {
    await redis.start();
    cache = await open();
    expect(await untilServed(cache)).toBe(true);
    await cache.invalidate(LAB, [TREMBLAY]); // both scripts now known to this connection
    const { default: Redis } = await import('ioredis');
    const admin = new Redis(redis.url);
    await admin.script('FLUSH');
    admin.disconnect();

    await cache.invalidate(LAB, [GAGNON]);
    expect((await cache.read(LABS, [GAGNON])).misses).toEqual([GAGNON]);
    await cacheThrough(cache, LABS, new Map([[GAGNON, [glucose]]]), TTL);
    expect((await cache.read(LABS, [GAGNON])).hits.has(GAGNON)).toBe(true);
  });
});

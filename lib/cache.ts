import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';

/**
 * The cache port: Redis (ioredis) when REDIS_URL is set, shared by every gateway instance; an
 * in-process LRU otherwise (one instance only: a second instance would not see invalidations).
 * Values are strings; keys are built with `cacheKey`, which hashes personal identifiers so a NAM
 * never appears in Redis key space (MONITOR, slow log, key dumps).
 */
export interface Cache {
  readonly kind: 'redis' | 'memory';
  get(key: string): Promise<string | undefined>;
  getMany(keys: readonly string[]): Promise<(string | undefined)[]>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Sets only when the key is absent (Redis SET NX): readers fill, writers overwrite. */
  add(key: string, value: string, ttlMs: number): Promise<void>;
  delete(keys: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

export function cacheKey(namespace: string, ...parts: string[]): string {
  return `qhr:${namespace}:${createHash('sha256').update(parts.join('\u0000')).digest('base64url').slice(0, 32)}`;
}

export async function openCache(options: { url?: string; prefix?: string }): Promise<Cache> {
  return options.url ? openRedis(options.url, options.prefix ?? '') : memoryCache();
}

function memoryCache(): Cache {
  const lru = new LRUCache<string, string>({ max: 50_000, ttlAutopurge: false });
  return {
    kind: 'memory',
    get: async (key) => lru.get(key),
    getMany: async (keys) => keys.map((key) => lru.get(key)),
    set: async (key, value, ttlMs) => void lru.set(key, value, { ttl: ttlMs }),
    add: async (key, value, ttlMs) => void (lru.has(key) ? undefined : lru.set(key, value, { ttl: ttlMs })),
    delete: async (keys) => keys.forEach((key) => lru.delete(key)),
    close: async () => lru.clear(),
  };
}

async function openRedis(url: string, prefix: string): Promise<Cache> {
  const { default: Redis } = await import('ioredis');
  // A cache that cannot answer must not stall a clinician: fail fast, and let callers fall back to the database.
  const redis = new Redis(url, { keyPrefix: prefix, lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000 });
  await redis.connect();
  return {
    kind: 'redis',
    get: async (key) => (await redis.get(key)) ?? undefined,
    getMany: async (keys) => (keys.length === 0 ? [] : (await redis.mget(...keys)).map((v) => v ?? undefined)),
    set: async (key, value, ttlMs) => void (await redis.set(key, value, 'PX', Math.max(1, Math.round(ttlMs)))),
    add: async (key, value, ttlMs) => void (await redis.set(key, value, 'PX', Math.max(1, Math.round(ttlMs)), 'NX')),
    delete: async (keys) => void (keys.length > 0 ? await redis.del(...keys) : undefined),
    close: async () => void (await redis.quit().catch(() => redis.disconnect())),
  };
}

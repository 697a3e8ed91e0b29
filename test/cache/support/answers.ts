import { randomBytes, randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import type { AnswerCache, AnswerKey } from '../../../cache/answer-cache';
import type { LabResultRecord, MedicationDispenseRecord } from '../../../schema/records';

/** Well-formed NAMs of made-up people. */
export const GAGNON = 'GAGN44541911';
export const TREMBLAY = 'TREM52060312';
export const ROY = 'ROYM63121519';

export const PHARMACY = 'pharmacy.jean-coutu-12';
export const OTHER_PHARMACY = 'pharmacy.uniprix-7';
export const LAB = 'lab.chum';

export const medication = (id: string, name: string): MedicationDispenseRecord => ({
  id,
  din: '02242974',
  name,
  dosageInstruction: '1 co. 2 fois par jour',
  dispensedAt: '2024-05-02T10:15:00-04:00',
  pharmacy: { id: PHARMACY, name: 'Pharmacie Jean Coutu', region: 'Montréal' },
});

export const labResult = (id: string, display: string, value: string): LabResultRecord => ({
  id,
  code: '2345-7',
  display,
  value,
  unit: 'mmol/L',
  abnormalFlag: 'H',
  observedAt: '2024-03-02T08:00:00-05:00',
  laboratory: { id: LAB, name: 'Laboratoire du CHUM' },
});

export const newKey = () => randomBytes(32);
export const newPrefix = () => `test:cache:${randomUUID()}:`;

/** What a subgraph does around a source: read, ask the source for the misses, write its answer. */
export async function cacheThrough<T>(cache: AnswerCache, key: AnswerKey, answers: ReadonlyMap<string, readonly T[]>, ttlMs: number) {
  const { misses, guard } = await cache.read<T>(key, [...answers.keys()]);
  await cache.write(key, new Map(misses.map((nam) => [nam, answers.get(nam) ?? []])), guard, ttlMs);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every key under a prefix, with its hash fields and values as raw bytes. */
export async function keysUnder(url: string, prefix: string): Promise<Map<string, Map<string, Buffer>>> {
  const redis = new Redis(url);
  try {
    const found = new Map<string, Map<string, Buffer>>();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const fields = await redis.hgetallBuffer(key);
        found.set(key, new Map(Object.entries(fields)));
      }
    } while (cursor !== '0');
    return found;
  } finally {
    redis.disconnect();
  }
}

/** Deletes this suite's keys, and only those (the shared Redis is never flushed). */
export async function deleteKeysUnder(url: string, prefix: string): Promise<void> {
  const keys = [...(await keysUnder(url, prefix)).keys()];
  if (keys.length === 0) return;
  const redis = new Redis(url);
  try {
    await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

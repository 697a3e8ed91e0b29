import DataLoader from 'dataloader';
import type { RecordSource } from '../adapters/port';
import { DATE_OF, type RecordKind, type RecordsByKind } from '../schema/records';
import { askSources, type AskDeps, type PersonKeys, type SourceReport } from './ask-sources';

/** One person's answer for one kind of record: the records, and which sources were asked and failed. */
export interface PersonRecords<K extends RecordKind> {
  records: RecordsByKind[K][];
  asked: string[];
  failed: string[];
}

interface Key {
  person: PersonKeys;
  since?: string;
}

export interface RecordLoaderDeps extends AskDeps {
  sourcesOf(kind: RecordKind): readonly RecordSource[];
}

/** Most recent first, by instant (offsets differ between sources, so compare parsed times). */
const newestFirst = (kind: RecordKind) => {
  const dateOf = DATE_OF[kind] as (record: RecordsByKind[RecordKind]) => string | undefined;
  const time = (record: RecordsByKind[RecordKind]) => Date.parse(dateOf(record) ?? '') || 0;
  return (a: RecordsByKind[RecordKind], b: RecordsByKind[RecordKind]) => time(b) - time(a);
};

/**
 * Per-request loaders, one per kind of record: every Patient in an `_entities` batch asks through
 * the same DataLoader, so 50 people cost one call per source (and the adapter one search per
 * resource type), not 50. Each `since` value is its own batch. Reports go to `onReports`.
 */
export function createRecordLoaders(deps: RecordLoaderDeps, onReports: (reports: SourceReport[]) => void) {
  const loaders = new Map<RecordKind, DataLoader<Key, PersonRecords<RecordKind>, string>>();
  const loaderFor = <K extends RecordKind>(kind: K) => {
    let loader = loaders.get(kind);
    if (!loader) {
      loader = new DataLoader<Key, PersonRecords<RecordKind>, string>(
        async (keys) => {
          const bySince = new Map<string | undefined, Key[]>();
          keys.forEach((key) => bySince.set(key.since, [...(bySince.get(key.since) ?? []), key]));
          const answers = new Map<string, PersonRecords<RecordKind>>();
          await Promise.all(
            [...bySince].map(async ([since, group]) => {
              const people = group.map((k) => k.person);
              const { records, reports } = await askSources(deps.sourcesOf(kind), people, since, deps);
              onReports(reports);
              for (const person of people) {
                const mine = reports.filter((r) => r.nam === person.nam);
                answers.set(cacheKey({ person, since }), {
                  records: [...(records.get(person.nam) ?? [])].sort(newestFirst(kind)),
                  asked: mine.map((r) => r.sourceId),
                  failed: mine.filter((r) => r.state === 'UNAVAILABLE').map((r) => r.sourceId),
                });
              }
            }),
          );
          return keys.map((key) => answers.get(cacheKey(key))!);
        },
        { cacheKeyFn: cacheKey, maxBatchSize: 200 },
      );
      loaders.set(kind, loader);
    }
    return loader as unknown as DataLoader<Key, PersonRecords<K>, string>;
  };
  return {
    load: <K extends RecordKind>(kind: K, person: PersonKeys, since?: string) => loaderFor(kind).load({ person, since }),
  };
}

/** One answer per person and date bound: the same person asked twice in a request (aliases) is asked once. */
const cacheKey = (key: Key) => `${key.person.nam}|${key.person.allSources ? 'all' : ''}|${key.since ?? ''}`;

import { isBrokenCircuitError, isTaskCancelledError } from 'cockatiel';
import type { PatientRef, RecordSource } from '../adapters/port';
import type { Logger } from '../lib/logger';
import type { Domain } from '../lib/sources';
import type { AnswerCache } from '../cache/answer-cache';
import type { SourceCoverage, SourcesAtAGlance } from '../locator/coverage';
import type { RecordKind, RecordsByKind } from '../schema/records';
import type { SourceGuards } from './source-guard';

/** Why a source was asked for a person (the API's SourceSelection). */
export type SourceSelection = 'LOCATOR' | 'NOT_COVERED' | 'ALL_SOURCES';

/** How one source answered for one person: what `Patient.sources` and SOURCE_UNAVAILABLE are made of. */
export interface SourceReport {
  nam: string;
  sourceId: string;
  domain: Domain;
  kind: RecordKind;
  state: 'OK' | 'UNAVAILABLE';
  /** Whether a request went to the source: false when its answer came from the cache, or its circuit was open. */
  asked: boolean;
  /** When the source gave the records reported (ISO 8601): now, or when the cached answer was given. */
  answeredAt?: string;
  selectedBy: SourceSelection;
  /** When the locator last read the source's roster (ISO 8601), for pull sources it has read. */
  locatorReadAt?: string;
  /** Why it did not answer (UNAVAILABLE only), as the API's SourceFailure: a category, never the source's words. */
  failure?: SourceFailureCode;
}

/** The API's SourceFailure (subgraphs/patient-index/schema.graphql). */
export type SourceFailureCode = 'TIMEOUT' | 'NETWORK' | 'HTTP_STATUS' | 'MALFORMED' | 'UNATTRIBUTABLE' | 'STORE' | 'CIRCUIT_OPEN' | 'OTHER';

const FAILURE_CODES: Record<string, SourceFailureCode> = {
  timeout: 'TIMEOUT',
  network: 'NETWORK',
  'http-status': 'HTTP_STATUS',
  malformed: 'MALFORMED',
  unattributable: 'UNATTRIBUTABLE',
  store: 'STORE',
  'circuit-open': 'CIRCUIT_OPEN',
};

/** A person as the subgraph knows them, from the patient index: where their records are, and whether to ask everyone. */
export interface PersonKeys {
  nam: string;
  /** Source id -> the source's own id for the person (undefined for a source that files people by NAM). */
  locations: ReadonlyMap<string, string | undefined>;
  allSources: boolean;
}

export interface Answers<K extends RecordKind> {
  records: Map<string, RecordsByKind[K][]>;
  reports: SourceReport[];
}

export interface AskDeps {
  guards: SourceGuards;
  logger: Logger;
  coverage: { of(source: RecordSource['source']): SourceCoverage; among<S extends { source: RecordSource['source'] }>(sources: readonly S[]): SourcesAtAGlance<S> };
  /** Recent answers of the sources (cache/answer-cache.ts); consent is applied after it, never inside. */
  cache: Pick<AnswerCache, 'read' | 'write'>;
  /** How long a source's answers may be served from the cache (0: never). */
  cacheTtlMsOf(source: RecordSource['source']): number;
  /** Told how each source call and cache read went (ops/metrics.ts): ids and counts, never who. */
  observer?: SourceObserver;
}

/** What askSources reports as it goes, for the service's metrics. */
export interface SourceObserver {
  /** One call to a source: `failure` undefined when it answered. */
  sourceAnswered(sourceId: string, kind: RecordKind, failure: string | undefined, seconds: number): void;
  cacheRead(kind: RecordKind, hits: number, misses: number): void;
}

/** Who to ask one source about, and why each of them. */
interface Ask {
  source: RecordSource;
  patients: PatientRef[];
  selectedBy: Map<string, SourceSelection>;
}

/**
 * Which sources of one kind to ask about whom (README, "Record locator"): the sources the locator
 * names for each person, plus every source it cannot vouch for (NOT_COVERED), or every source
 * when the caller asked for all. A source filing people under local ids can only be asked about
 * people the cross-reference links to it. Work grows with the locations and the uncovered sources,
 * not with the number of sources connected.
 */
export function planAsks(sources: readonly RecordSource[], people: readonly PersonKeys[], coverage: AskDeps['coverage']): Ask[] {
  const { byId, uncovered } = coverage.among(sources);
  const asks = new Map<RecordSource, Ask>();
  const add = (source: RecordSource, person: PersonKeys, selectedBy: SourceSelection) => {
    let ask = asks.get(source);
    if (ask?.selectedBy.has(person.nam)) return;
    const localId = person.locations.get(source.source.id);
    if (source.source.patientId === 'local' && !localId) return;
    if (!ask) asks.set(source, (ask = { source, patients: [], selectedBy: new Map() }));
    ask.patients.push(localId ? { nam: person.nam, localId } : { nam: person.nam });
    ask.selectedBy.set(person.nam, selectedBy);
  };
  for (const person of people) {
    if (person.allSources) {
      for (const source of sources) add(source, person, 'ALL_SOURCES');
      continue;
    }
    for (const sourceId of person.locations.keys()) {
      const source = byId.get(sourceId);
      if (source) add(source, person, 'LOCATOR');
    }
    for (const source of uncovered) add(source, person, 'NOT_COVERED');
  }
  return [...asks.values()];
}

/**
 * Asks the planned sources of one kind, in parallel, for a batch of people: one call per source
 * (the adapter batches further) for the people whose answer is not in the cache, each under its
 * guard. A failing source is reported UNAVAILABLE for the people it was asked about; the others'
 * records still come back.
 */
export async function askSources<K extends RecordKind>(sources: readonly RecordSource<K>[], people: readonly PersonKeys[], since: string | undefined, deps: AskDeps): Promise<Answers<K>> {
  const records = new Map<string, RecordsByKind[K][]>();
  const reports: SourceReport[] = [];
  const keep = (nam: string, list: readonly RecordsByKind[K][]) => {
    if (list.length > 0) records.set(nam, [...(records.get(nam) ?? []), ...list]);
  };
  await Promise.all(
    planAsks(sources, people, deps.coverage).map(async ({ source, patients, selectedBy }) => {
      const readAt = deps.coverage.of(source.source).readAt?.toISOString();
      const report = (nams: readonly string[], state: SourceReport['state'], asked: boolean, answeredAt?: (nam: string) => string, failure?: SourceFailureCode) =>
        nams.forEach((nam) =>
          reports.push({
            nam,
            sourceId: source.source.id,
            domain: source.source.domain,
            kind: source.kind,
            state,
            asked,
            selectedBy: selectedBy.get(nam)!,
            ...(answeredAt ? { answeredAt: answeredAt(nam) } : {}),
            ...(readAt ? { locatorReadAt: readAt } : {}),
            ...(failure ? { failure } : {}),
          }),
        );
      const key = { sourceId: source.source.id, kind: source.kind, since };
      const ttl = deps.cacheTtlMsOf(source.source);
      const cached = ttl > 0 ? await deps.cache.read<RecordsByKind[K]>(key, patients.map((p) => p.nam)) : undefined;
      if (cached) {
        for (const [nam, list] of cached.hits) keep(nam, list);
        report([...cached.hits.keys()], 'OK', false, (nam) => new Date(cached.answeredAt.get(nam)!).toISOString());
        deps.observer?.cacheRead(source.kind, cached.hits.size, cached.misses.length);
      }
      const misses = cached ? new Set(cached.misses) : undefined;
      const asked = misses ? patients.filter((p) => misses.has(p.nam)) : patients;
      if (asked.length === 0) return;
      const started = performance.now();
      const nams = asked.map((p) => p.nam);
      try {
        const found = (await deps.guards.policyFor(source.source).execute(({ signal }) => source.fetch({ patients: asked, since, signal }))) as Map<string, RecordsByKind[K][]>;
        const ms = performance.now() - started;
        const now = new Date().toISOString();
        for (const [nam, list] of found) keep(nam, list);
        report(nams, 'OK', true, () => now);
        deps.observer?.sourceAnswered(source.source.id, source.kind, undefined, ms / 1000);
        // After the view's own work (sealing the answer is not free), and not awaited: the cache never throws.
        if (cached) setImmediate(() => void deps.cache.write(key, new Map(nams.map((nam) => [nam, found.get(nam) ?? []])), cached.guard, ttl));
        deps.logger.debug({ source: source.source.id, kind: source.kind, people: asked.length, ms: Math.round(ms) }, 'source answered');
      } catch (error) {
        const failure = failureOf(error);
        const ms = performance.now() - started;
        report(nams, 'UNAVAILABLE', failure !== 'circuit-open', undefined, FAILURE_CODES[failure] ?? 'OTHER');
        deps.observer?.sourceAnswered(source.source.id, source.kind, failure, ms / 1000);
        deps.logger.warn({ source: source.source.id, kind: source.kind, people: asked.length, ms: Math.round(ms), failure }, 'source unavailable');
      }
    }),
  );
  return { records, reports };
}

/** A loggable category: SourceError carries one; anything else is named by its class only. */
function failureOf(error: unknown): string {
  const failure = (error as { failure?: string }).failure;
  if (failure) return failure;
  // cockatiel's errors are named "Error": recognised by what they carry, not by name. Its own
  // isTaskCancelledError (3.2.1, dist/errors/Errors.js) tests for `isBulkheadRejectedError` and so
  // never recognises a timeout: the flag its TaskCancelledError sets is read directly.
  if (isTaskCancelledError(error) || (error as { isTaskCancelledError?: unknown })?.isTaskCancelledError === true) return 'timeout';
  if (isBrokenCircuitError(error)) return 'circuit-open';
  return (error as Error)?.name ?? 'Error';
}

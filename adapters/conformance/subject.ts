import type { Logger } from '../../lib/logger';
import type { SourceConfig } from '../../lib/sources';
import type { PatientRef, RecordSource, RosterSource, SourceFailure } from '../port';

/** What the checks are run against: one source, its adapter, and people it holds records for. */
export interface ConformanceSubject {
  source: SourceConfig;
  /** The adapter's record sources for a source entry (the registry's factory), logging to `logger`. */
  recordSources(source: SourceConfig, logger: Logger): RecordSource[];
  /** Its roster reader, for a pull protocol that has one. */
  roster?(source: SourceConfig, logger: Logger): RosterSource | undefined;
  /**
   * People to ask, with their local id on a `patientId: local` source: people the source holds
   * records for (two or more for the batching checks).
   */
  people: PatientRef[];
  /** Further words that must never be logged: the people's names when the caller knows them. */
  personalWords?: string[];
  /**
   * Broken copies of the source, to see the adapter fail safely; absent for a live source (the
   * adapter's handling of failures is the same for every source of a protocol, and is checked in CI).
   */
  failures?: FailureCase[];
  /** `live`: a real source; its roster is read one page only, and nothing is ever written to it. */
  mode: 'demo' | 'live';
}

/** A broken copy of the source and the failure the adapter must report for it. */
export interface FailureCase {
  /** In words: "answers HTTP 500 with an error page". */
  name: string;
  expected: SourceFailure;
  /** Words placed in what the broken source says: never to be copied into an error or a log line. */
  bait: string[];
  /**
   * Starts the broken source. `onRequest` (when the broken source is asked over the network) resolves
   * once it has the adapter's request; `abortAfterRequest`: the check aborts the query then, since the
   * source will never answer.
   */
  start(logger: Logger): Promise<{ recordSources: RecordSource[]; onRequest?: Promise<void>; abortAfterRequest?: boolean; close(): Promise<void> }>;
}

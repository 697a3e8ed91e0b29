import type { PatientRef, RecordSource } from '../adapters/port';
import type { Logger } from '../lib/logger';
import type { Domain } from '../lib/sources';
import type { RecordKind, RecordsByKind } from '../schema/records';
import type { SourceGuards } from './source-guard';

/** How one source answered for one person: what `Patient.sources` and SOURCE_UNAVAILABLE are made of. */
export interface SourceReport {
  nam: string;
  sourceId: string;
  domain: Domain;
  kind: RecordKind;
  state: 'OK' | 'UNAVAILABLE';
}

/** A person as the subgraph knows them: NAM and, from the patient index, each source's local id. */
export interface PersonKeys {
  nam: string;
  localIds: ReadonlyMap<string, string>;
}

export interface Answers<K extends RecordKind> {
  records: Map<string, RecordsByKind[K][]>;
  reports: SourceReport[];
}

/** Who to ask a source about: everyone for a NAM source (with its local id when known), only linked people otherwise. */
function refsFor(source: RecordSource, people: readonly PersonKeys[]): PatientRef[] {
  return people.flatMap((p) => {
    const localId = p.localIds.get(source.source.id);
    if (source.source.patientId === 'nam') return [localId ? { nam: p.nam, localId } : { nam: p.nam }];
    return localId ? [{ nam: p.nam, localId }] : [];
  });
}

/**
 * Asks every source of one kind, in parallel, for a batch of people: one call per source (the
 * adapter batches further), each under its guard. A failing source is reported UNAVAILABLE for
 * the people it was asked about; the others' records still come back.
 */
export async function askSources<K extends RecordKind>(
  sources: readonly RecordSource<K>[],
  people: readonly PersonKeys[],
  since: string | undefined,
  deps: { guards: SourceGuards; logger: Logger },
): Promise<Answers<K>> {
  const records = new Map<string, RecordsByKind[K][]>();
  const reports: SourceReport[] = [];
  await Promise.all(
    sources.map(async (source) => {
      const patients = refsFor(source, people);
      if (patients.length === 0) return;
      const started = performance.now();
      const report = (state: SourceReport['state']) =>
        patients.forEach((p) => reports.push({ nam: p.nam, sourceId: source.source.id, domain: source.source.domain, kind: source.kind, state }));
      try {
        const found = await deps.guards.policyFor(source.source).execute(({ signal }) => source.fetch({ patients, since, signal }));
        for (const [nam, list] of found) records.set(nam, [...(records.get(nam) ?? []), ...list]);
        report('OK');
        deps.logger.info({ source: source.source.id, kind: source.kind, people: patients.length, ms: Math.round(performance.now() - started) }, 'source answered');
      } catch (error) {
        report('UNAVAILABLE');
        deps.logger.warn(
          { source: source.source.id, kind: source.kind, people: patients.length, ms: Math.round(performance.now() - started), failure: failureOf(error) },
          'source unavailable',
        );
      }
    }),
  );
  return { records, reports };
}

/** A loggable category: SourceError carries one; anything else is named by its class only. */
function failureOf(error: unknown): string {
  const failure = (error as { failure?: string }).failure;
  if (failure) return failure;
  const name = (error as Error)?.name ?? 'Error';
  if (name === 'TaskCancelledError') return 'timeout';
  if (name === 'BrokenCircuitError') return 'circuit-open';
  return name;
}

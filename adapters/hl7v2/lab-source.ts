import type { SourceConfig } from '../../lib/sources';
import { SourceError, type RecordSource } from '../port';
import type { LabStore } from './lab-store';

/**
 * The read side of an HL7 v2 lab: the lab pushes results to our MLLP listener, so there is nothing
 * to ask it at read time; its results are read from our own store.
 */
export function createLabSource(source: SourceConfig, store: Pick<LabStore, 'resultsFor'>): RecordSource<'labResults'> {
  return {
    source,
    kind: 'labResults',
    async fetch({ patients, since, signal }) {
      if (signal.aborted) throw new SourceError('timeout', 'no answer in time');
      try {
        return await store.resultsFor(source, patients, since);
      } catch {
        // The database's message may quote parameters (NAMs): only the category leaves here.
        throw new SourceError('store', 'lab results could not be read');
      }
    },
  };
}

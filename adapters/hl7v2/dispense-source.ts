import type { SourceConfig } from '../../lib/sources';
import { SourceError, type RecordSource } from '../port';
import type { DispenseStore } from './dispense-store';

/**
 * The read side of an HL7 v2 pharmacy: it pushes its dispenses (RDS^O13) to our MLLP listener, so
 * there is nothing to ask it at read time; its dispenses are read from our own store.
 */
export function createDispenseSource(source: SourceConfig, store: Pick<DispenseStore, 'dispensesFor'>): RecordSource<'medications'> {
  return {
    source,
    kind: 'medications',
    async fetch({ patients, since, signal }) {
      if (signal.aborted) throw new SourceError('timeout', 'no answer in time');
      try {
        return await store.dispensesFor(source, patients, since);
      } catch {
        // The database's message may quote parameters (NAMs): only the category leaves here.
        throw new SourceError('store', 'pharmacy dispenses could not be read');
      }
    },
  };
}

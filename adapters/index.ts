import type { SourceConfig } from '../lib/sources';
import { createDicomwebSources } from './dicomweb';
import { createFhirSources } from './fhir';
import { createLabSource, type LabStore } from './hl7v2';
import type { RecordSource } from './port';

/**
 * Every connected source behind the RecordSource port, by protocol. Adding a protocol is a new
 * adapter folder and one line here; subgraphs only ever see RecordSource.
 */
export function createRecordSources(sources: readonly SourceConfig[], deps: { labStore: LabStore }): RecordSource[] {
  return sources.flatMap((source): RecordSource[] => {
    switch (source.protocol) {
      case 'fhir-r4':
        return createFhirSources(source);
      case 'dicomweb':
        return createDicomwebSources(source);
      case 'hl7v2-mllp':
        return [createLabSource(source, deps.labStore)];
    }
  });
}

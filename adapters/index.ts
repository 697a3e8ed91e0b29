import type { Logger } from '../lib/logger';
import type { SourceConfig } from '../lib/sources';
import { createDicomwebSources } from './dicomweb';
import { createDicomwebRoster } from './dicomweb/roster';
import { createFhirSources } from './fhir';
import { createFhirRoster } from './fhir/roster';
import { createLabSource, type LabStore } from './hl7v2';
import type { CrossReferenceFeed, RecordSource, RosterSource } from './port';

/**
 * Every connected source behind the RecordSource port, by protocol. Adding a protocol is a new
 * adapter folder and one line here; subgraphs only ever see RecordSource.
 */
export function createRecordSources(sources: readonly SourceConfig[], deps: { labStore: LabStore; xref?: CrossReferenceFeed; logger?: Logger }): RecordSource[] {
  return sources.flatMap((source): RecordSource[] => {
    switch (source.protocol) {
      case 'fhir-r4':
        return createFhirSources(source, { xref: deps.xref, logger: deps.logger });
      case 'dicomweb':
        return createDicomwebSources(source);
      case 'hl7v2-mllp':
        return [createLabSource(source, deps.labStore)];
    }
  });
}

/**
 * The roster readers of the pull sources, for the record locator's schedule. A source whose
 * `rosterIntervalMs` is 0 is never read (views keep asking it); HL7 v2 sources push their data,
 * so the locator learns of their people at each message and they have no roster.
 */
export function createRosterSources(sources: readonly SourceConfig[], deps: { logger?: Logger } = {}): RosterSource[] {
  return sources.flatMap((source): RosterSource[] => {
    if (source.rosterIntervalMs === 0) return [];
    switch (source.protocol) {
      case 'fhir-r4':
        return [createFhirRoster(source, { logger: deps.logger })];
      case 'dicomweb':
        return [createDicomwebRoster(source, { logger: deps.logger })];
      case 'hl7v2-mllp':
        return [];
    }
  });
}

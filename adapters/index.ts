import type { Logger } from '../lib/logger';
import type { Protocol } from '../lib/protocols';
import type { SourceConfig } from '../lib/sources';
import { createDicomwebSources } from './dicomweb';
import { createDicomwebRoster } from './dicomweb/roster';
import { createFhirSources } from './fhir';
import type { CapabilityCaches } from './fhir/capability-cache';
import { createFhirRoster } from './fhir/roster';
import { createDispenseSource, createLabSource, type DispenseStore, type LabStore } from './hl7v2';
import { SourceConnections } from './source-connections';
import type { CrossReferenceFeed, RecordSource, RosterSource } from './port';

/** What every adapter may need to build a source's readers. */
export interface AdapterDeps {
  /** Where the MLLP listeners store what the push sources sent, read back by their record sources (push sources only). */
  labStore?: LabStore;
  dispenseStore?: DispenseStore;
  /** Where a pull adapter keeps the patient ids it learns (a FHIR server searched in two steps). */
  xref?: CrossReferenceFeed;
  /** The service's FHIR CapabilityStatement caches, kept across reloads of the sources file (one per service). */
  fhirCapabilities?: CapabilityCaches;
  /** The service's source credentials, kept across reloads (one per service); unset, these sources get their own. */
  connections?: SourceConnections;
  logger?: Logger;
}

/**
 * The adapter side of a protocol of the registry (lib/protocols.ts): the record sources a view asks,
 * and, for a pull protocol, the roster reader the record locator runs on a schedule.
 */
export interface ProtocolAdapter {
  recordSources(source: SourceConfig, deps: AdapterDeps): RecordSource[];
  roster?(source: SourceConfig, deps: AdapterDeps): RosterSource;
}

/**
 * One adapter per protocol of the registry: the `satisfies` makes a protocol added to
 * lib/protocols.ts without an adapter here a compile error, so the two cannot disagree.
 */
export const PROTOCOL_ADAPTERS = {
  'fhir-r4': {
    recordSources: (source, deps) => createFhirSources(source, { xref: deps.xref, logger: deps.logger, capabilities: deps.fhirCapabilities, connections: deps.connections }),
    roster: (source, deps) => createFhirRoster(source, { logger: deps.logger, connections: deps.connections, capabilities: deps.fhirCapabilities }),
  },
  dicomweb: { recordSources: (source, deps) => createDicomwebSources(source, { connections: deps.connections }), roster: (source, deps) => createDicomwebRoster(source, { logger: deps.logger, connections: deps.connections }) },
  // HL7 v2 sources push their data: the locator learns of their people at each message, no roster.
  // A laboratory sends ORU^R01 results, a pharmacy RDS^O13 dispenses, each kept in its store.
  'hl7v2-mllp': { recordSources: (source, deps) => [source.domain === 'MEDICATIONS' ? createDispenseSource(source, storeOf(source, deps.dispenseStore)) : createLabSource(source, storeOf(source, deps.labStore))] },
} satisfies Record<Protocol, ProtocolAdapter>;

/** A push source's records are read from the store its listener fills: asking without one is a wiring error. */
function storeOf<S>(source: SourceConfig, store: S | undefined): S {
  if (!store) throw new Error(`source ${source.id}: an MLLP source's records are read from its listener's store, and none was given`);
  return store;
}

/** Every connected source behind the RecordSource port; subgraphs only ever see RecordSource. */
export function createRecordSources(sources: readonly SourceConfig[], deps: AdapterDeps): RecordSource[] {
  // The HTTP sources' credentials (`auth`, client `tls`), read now: a secret missing stops the start.
  const connected = { ...deps, connections: connectedSources(sources, deps.connections) };
  return sources.flatMap((source) => PROTOCOL_ADAPTERS[source.protocol].recordSources(source, connected));
}

/**
 * The roster readers of the pull sources, for the record locator's schedule. A source whose
 * `rosterIntervalMs` is 0 is never read (views keep asking it).
 */
export function createRosterSources(sources: readonly SourceConfig[], deps: Partial<AdapterDeps> = {}): RosterSource[] {
  const connected = { ...deps, connections: connectedSources(sources, deps.connections) };
  return sources.flatMap((source): RosterSource[] => {
    const adapter: ProtocolAdapter = PROTOCOL_ADAPTERS[source.protocol];
    if (source.rosterIntervalMs === 0 || !adapter.roster) return [];
    return [adapter.roster(source, connected as AdapterDeps)];
  });
}

/** The service's connections with these sources' credentials read (a new set when the caller keeps none). */
function connectedSources(sources: readonly SourceConfig[], connections = new SourceConnections()): SourceConnections {
  connections.connect(sources);
  return connections;
}

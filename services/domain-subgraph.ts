/**
 * A domain subgraph (pharmacy, lab, imaging, clinic) as a service: `npm run subgraph -- pharmacy`
 * (its own process), or started in process by services/stack.ts. Each asks the connected sources
 * of its domain through the adapters; the lab subgraph reads the results the lab listener stored.
 */
import type { Tracer } from '@opentelemetry/api';
import { createRecordSources, type AdapterDeps } from '../adapters';
import { SourceConnections } from '../adapters/source-connections';
import { CapabilityCaches } from '../adapters/fhir';
import { DispenseStore, LabStore } from '../adapters/hl7v2';
import type { AnswerCache } from '../cache/answer-cache';
import type { Config, SubgraphName } from '../lib/config';
import type { Db } from '../lib/db';
import type { Logger } from '../lib/logger';
import { fixedCatalog, type SourceCatalog } from '../lib/source-catalog';
import type { SourceConfig } from '../lib/sources';
import type { RecordSource } from '../adapters/port';
import { CoverageView } from '../locator/coverage';
import { XrefStore } from '../locator/cross-reference';
import { RecordLocator } from '../locator/record-locator';
import { subgraphSdl } from '../schema/compose';
import type { RecordKind } from '../schema/records';
import { domainSubgraph, type DomainContext } from '../subgraphs/domain-subgraph';
import { prepareSources } from '../subgraphs/prepare-sources';
import { serveSubgraph, type RunningSubgraph, type SubgraphDefinition } from '../subgraphs/serve';
import { SourceGuards } from '../subgraphs/source-guard';
import { databaseCheck, redisCheck } from '../ops/checks';
import { Metrics } from '../ops/metrics';

export type DomainSubgraphName = Exclude<SubgraphName, 'patient-index'>;

/** The record kinds each domain subgraph serves (its schema.graphql's Patient fields). */
export const DOMAIN_SUBGRAPHS: Record<DomainSubgraphName, RecordKind[]> = {
  pharmacy: ['medications'],
  lab: ['labResults'],
  imaging: ['imagingStudies'],
  clinic: ['encounters', 'conditions', 'allergies', 'immunizations'],
};

export interface DomainSubgraphServiceDeps {
  config: Config;
  logger: Logger;
  db: Db;
  cache: AnswerCache;
  /** Overrides the configured port (0: a free one). */
  port?: number;
  /** The process's metrics (ops/metrics.ts): source calls, circuits, cache reads, locator freshness. */
  metrics?: Metrics;
  /** OpenTelemetry tracer of the process (ops/tracing.ts) when tracing is on. */
  tracer?: Tracer;
  /** The live sources (reloaded from the sources file); without it, config.sources, fixed. */
  catalog?: SourceCatalog;
}

/** Sources whose servers are read at once when the service starts or the sources file is reloaded. */
const PREPARE_CONCURRENCY = 16;

/** The record sources of the connected sources, for the kinds one subgraph serves. */
function recordSourcesByKind(connected: readonly SourceConfig[], kinds: readonly RecordKind[], stores: Pick<AdapterDeps, 'labStore' | 'dispenseStore' | 'xref' | 'fhirCapabilities' | 'connections'>, logger: Logger): Map<RecordKind, RecordSource[]> {
  const byKind = new Map<RecordKind, RecordSource[]>();
  for (const source of createRecordSources(connected, { ...stores, logger })) {
    if (!kinds.includes(source.kind)) continue;
    const list = byKind.get(source.kind);
    if (list) list.push(source);
    else byKind.set(source.kind, [source]);
  }
  return byKind;
}

/** A domain subgraph's definition on its sources, with the coverage snapshot it keeps refreshed (stop ends it). */
export async function domainSubgraphDefinition(name: DomainSubgraphName, deps: Omit<DomainSubgraphServiceDeps, 'port'>): Promise<{ definition: SubgraphDefinition<DomainContext>; stop(): void }> {
  const { config, logger, db } = deps;
  const kinds = DOMAIN_SUBGRAPHS[name];
  const labStore = new LabStore(db);
  if (kinds.includes('labResults')) await labStore.migrate();
  // The pharmacy subgraph reads the dispenses of MLLP pharmacies (RDS^O13) from the listener's store;
  // its tables are made even before one is listed, since a reload of the sources file may add one.
  const dispenseStore = new DispenseStore(db);
  if (kinds.includes('medications')) await dispenseStore.migrate();
  // The FHIR adapters keep the patient ids a two-step search finds (the patient index owns the table and its migration);
  // the servers' CapabilityStatements and the sources' credentials are kept across reloads of the sources file.
  const connections = new SourceConnections();
  const stores = { labStore, dispenseStore, xref: new XrefStore(db), connections, fhirCapabilities: new CapabilityCaches({ logger, connections }) };
  const locator = new RecordLocator(db);
  await locator.migrate();
  // The sources of this subgraph's kinds, rebuilt when the sources file is reloaded (lib/source-catalog.ts).
  const catalog = deps.catalog ?? fixedCatalog(config.sources);
  let byKind = recordSourcesByKind(catalog.connected, kinds, stores, logger);
  const sources = () => [...byKind.values()].flat();
  // What the sources' servers say of themselves is read before views ask, not by the first view (subgraphs/prepare-sources.ts).
  const stopping = new AbortController();
  const prepare = () => void prepareSources(sources(), { concurrency: PREPARE_CONCURRENCY, logger, signal: stopping.signal });
  prepare();
  const stopWatching = catalog.onChange((connected) => {
    // A source whose new credentials cannot be read throws here: the running sources stay.
    byKind = recordSourcesByKind(connected, kinds, stores, logger);
    connections.retain(connected);
    stores.fhirCapabilities.retain(connected);
    prepare();
  });
  const coverage = new CoverageView({ locator, defaultIntervalMs: config.locator.rosterIntervalMs, logger });
  await coverage.start();
  const metrics = deps.metrics;
  // How fresh the locator's knowledge of each source is, as this subgraph's snapshot says, read at each scrape.
  metrics?.watchRosterFreshness(() => sources().map((s) => [s.source.id, coverage.of(s.source).readAt] as const));
  const definition = domainSubgraph({
    name,
    sdl: subgraphSdl(name),
    kinds,
    sourcesOf: (kind) => byKind.get(kind) ?? [],
    guards: new SourceGuards({ timeoutMs: config.sourceTimeoutMs, onCircuit: metrics && ((sourceId, open) => metrics.circuitChanged(sourceId, open)) }),
    observer: metrics,
    coverage,
    cache: deps.cache,
    cacheTtlMsOf: (source) => source.cacheTtlMs ?? config.answerCache.ttlMs,
  });
  return {
    definition,
    stop: () => {
      stopWatching();
      stopping.abort();
      coverage.stop();
    },
  };
}

/** A domain subgraph served over HTTP, for the gateway to call with signed requests. */
export async function startDomainSubgraphService(name: DomainSubgraphName, deps: DomainSubgraphServiceDeps): Promise<RunningSubgraph> {
  const { config, logger } = deps;
  const metrics = deps.metrics ?? new Metrics({ service: name });
  const { definition, stop } = await domainSubgraphDefinition(name, { ...deps, metrics });
  const readiness = [databaseCheck(deps.db), ...(deps.cache.kind === 'redis' ? [redisCheck(deps.cache)] : [])];
  const running = await serveSubgraph(definition, { host: config.host, port: deps.port ?? config.subgraphPorts[name], internalSecret: config.internalSecret, logger, metrics, readiness, tracer: deps.tracer });
  return {
    ...running,
    stop: async () => {
      stop();
      await running.stop();
    },
  };
}

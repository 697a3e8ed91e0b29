/**
 * The record locator's roster reads as a service (`npm run roster-reader`, its own process on
 * PostgreSQL; several may run, each source is read by one at a time), or started in process by
 * services/stack.ts. Reads each pull source's roster every `rosterIntervalMs` (ROSTER_INTERVAL_MS).
 */
import { createRosterSources } from '../adapters';
import { CapabilityCaches } from '../adapters/fhir/capability-cache';
import { SourceConnections } from '../adapters/source-connections';
import type { AnswerInvalidation } from '../adapters/port';
import type { Config } from '../lib/config';
import type { Db } from '../lib/db';
import type { Logger } from '../lib/logger';
import { fixedCatalog, type SourceCatalog } from '../lib/source-catalog';
import { XrefStore } from '../locator/cross-reference';
import { RecordLocator } from '../locator/record-locator';
import { RosterReads } from '../locator/roster-reads';
import type { Metrics } from '../ops/metrics';

export interface RosterReaderDeps {
  config: Config;
  logger: Logger;
  db: Db;
  invalidation?: AnswerInvalidation;
  /** The process's metrics (ops/metrics.ts): reads by outcome, and how fresh each source's last read is. */
  metrics?: Metrics;
  /** The live sources (reloaded from the sources file); without it, config.sources, fixed. */
  catalog?: SourceCatalog;
}

export interface RunningRosterReader {
  /** Sources whose roster this reader reads now. */
  readonly sources: number;
  /** Reads every source that is due once, now (the in-process stack does it before serving its first view). */
  readAllOnce(): Promise<void>;
  start(): void;
  stop(): Promise<void>;
}

export async function createRosterReader(deps: RosterReaderDeps): Promise<RunningRosterReader> {
  const { config, logger, db } = deps;
  const locator = new RecordLocator(db);
  const xref = new XrefStore(db);
  await locator.migrate();
  await xref.migrate();
  const catalog = deps.catalog ?? fixedCatalog(config.sources);
  // The sources' credentials and their servers' CapabilityStatements, kept across reloads.
  const connections = new SourceConnections();
  const fhirCapabilities = new CapabilityCaches({ logger, connections });
  let rosters = createRosterSources(catalog.connected, { logger, connections, fhirCapabilities });
  const onRead = deps.metrics && readsInto(deps.metrics);
  const reads = new RosterReads({ rosters, locator, xref, invalidation: deps.invalidation, logger, defaultIntervalMs: config.locator.rosterIntervalMs, defaultTimeoutMs: config.sourceTimeoutMs, concurrency: config.locator.rosterConcurrency, onRead });
  // A source added to the sources file is read at the next tick, without a restart.
  const stopWatching = catalog.onChange((connected) => {
    rosters = createRosterSources(connected, { logger, connections, fhirCapabilities });
    reads.setRosters(rosters);
    connections.retain(connected);
    fhirCapabilities.retain(connected);
  });
  return {
    get sources() {
      return rosters.length;
    },
    readAllOnce: async () => {
      await Promise.all(rosters.map((roster) => reads.readOnce(roster)));
    },
    start: () => reads.start(),
    stop: async () => {
      stopWatching();
      await reads.stop();
    },
  };
}

/** Counts each read, and keeps when each source was last read well for the freshness gauge. */
function readsInto(metrics: Metrics): (sourceId: string, ok: boolean, startedAt: Date) => void {
  const lastRead = new Map<string, Date>();
  metrics.watchRosterFreshness(() => lastRead);
  return (sourceId, ok, startedAt) => {
    metrics.rosterRead(sourceId, ok);
    // The read's start: what it saw is at least that fresh.
    if (ok) lastRead.set(sourceId, startedAt);
  };
}

/** `npm run roster-reader`. */
if (require.main === module) {
  void (async () => {
    const { runService, requireSharedDatabase } = await import('./run');
    const { openDb } = await import('../lib/db');
    const { openAnswerCacheFor } = await import('./answer-cache');
    const { Metrics } = await import('../ops/metrics');
    const { databaseCheck, redisCheck } = await import('../ops/checks');
    const { startOpsListener } = await import('./ops-listener');
    runService('roster reader', async ({ config, logger, say, catalog }) => {
      const db = await openDb({ url: requireSharedDatabase(config, 'the roster reader'), schema: config.dbSchema, settings: config.db, service: 'roster-reader', logger });
      const cache = await openAnswerCacheFor(config, logger, { oneProcess: false, prefix: config.dbSchema ? `${config.dbSchema}:` : '', say });
      const metrics = new Metrics({ service: 'roster-reader', processMetrics: true });
      const reader = await createRosterReader({ config, logger, db, invalidation: cache, metrics, catalog });
      reader.start();
      const ops = await startOpsListener(config, { metrics, checks: [databaseCheck(db), ...(cache.kind === 'redis' ? [redisCheck(cache)] : [])], say });
      return {
        describe: [`reading ${reader.sources} source roster(s) every ${config.locator.rosterIntervalMs / 1000} s unless a source says otherwise`],
        stop: async () => {
          await ops.stop();
          await reader.stop();
          await cache.close();
          await db.close();
        },
      };
    });
  })();
}

/**
 * Every service of ours in one process: the lab listeners, the five subgraphs and the gateway,
 * sharing one database and one cache. What `npm start` runs on the embedded defaults (PGlite,
 * in-process cache), and what the whole-stack tests start. The same start functions run each
 * service in its own process (services/*.ts entry points). The demo source systems are not part
 * of it: they stand for the outside world (bin/start.ts).
 */
import { SUBGRAPH_NAMES, type Config, type SubgraphName } from '../lib/config';
import { openDb, type Db } from '../lib/db';
import type { AnswerCache } from '../cache/answer-cache';
import { openAnswerCacheFor } from './answer-cache';
import type { Logger } from '../lib/logger';
import { XrefStore } from '../locator/cross-reference';
import type { AccessLog } from '../consent/access-log';
import { DOMAIN_SUBGRAPHS, startDomainSubgraphService, type DomainSubgraphName } from './domain-subgraph';
import { startGatewayService } from './gateway';
import { startLabListeners } from './lab-listener';
import { startPatientIndexService } from './patient-index';
import { createRosterReader } from './roster-reader';
import { Metrics } from '../ops/metrics';
import type { Tracer } from '@opentelemetry/api';
import { fixedCatalog, type SourceCatalog } from '../lib/source-catalog';

export interface StackOptions {
  config: Config;
  logger: Logger;
  /** Keeps this stack's tables in their own schema (tests); overrides DB_SCHEMA. */
  dbSchema?: string;
  /** Told each step as it happens ("lab listener: port 4130"). */
  progress?: (line: string) => void;
  /** The process's metrics, shared by every service in it (ops/metrics.ts); a registry of the stack's own when not given. */
  metrics?: Metrics;
  /** OpenTelemetry tracer of the process (ops/tracing.ts) when tracing is on: every service of the stack reports to it. */
  tracer?: Tracer;
  /** The live sources (reloaded from the sources file: `npm start` watches it); without it, config.sources, fixed. */
  catalog?: SourceCatalog;
}

export interface Stack {
  gatewayUrl: string;
  /** Where each subgraph service runs; none when they run inside the gateway (GATEWAY_SUBGRAPHS=in-process). */
  subgraphUrls?: Record<SubgraphName, string>;
  /** The port each HL7 v2 lab source's MLLP listener opened. */
  labPorts: Map<string, number>;
  db: Db;
  cache: AnswerCache;
  xref: XrefStore;
  accessLog: AccessLog;
  stop(): Promise<void>;
}

/** Starts each service in the order they need each other, and stops them in reverse. */
export async function startStack(options: StackOptions): Promise<Stack> {
  const { config, logger } = options;
  // One catalogue for every part of the process: a reload reaches them all at once.
  const catalog = options.catalog ?? fixedCatalog(config.sources);
  const progress = options.progress ?? (() => undefined);
  const metrics = options.metrics ?? new Metrics({ service: 'stack' });
  const stops: { what: string; stop: () => Promise<void> }[] = [];
  const stopAll = async () => {
    for (const { what, stop } of stops.reverse()) {
      progress(`stopping ${what}`);
      await stop().catch((error) => logger.error({ what, failure: (error as Error).name }, 'stop failed'));
    }
  };
  try {
    const dbSchema = options.dbSchema ?? config.dbSchema;
    const db = await openDb({ url: config.databaseUrl, dataDir: config.dataDir, schema: dbSchema, settings: config.db, service: 'stack', logger });
    stops.push({ what: 'database', stop: () => db.close() });
    progress(`database: ${db.kind === 'postgres' ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite (${config.dataDir ?? 'in memory'})`}`);
    // Lab ingestion writes through connections of its own, so however many messages are being
    // stored, record reads keep theirs (issue #8 §2). PGlite is one connection in one process: shared.
    const ingestionDb = db.kind === 'postgres' ? await openDb({ url: config.databaseUrl, schema: dbSchema, settings: config.db, service: 'lab-listener', logger }) : db;
    if (ingestionDb !== db) stops.push({ what: 'ingestion database', stop: () => ingestionDb.close() });

    const cache = await openAnswerCacheFor(config, logger, { oneProcess: true, prefix: dbSchema ? `${dbSchema}:` : '', say: progress });
    stops.push({ what: 'answer cache', stop: () => cache.close() });

    const labs = await startLabListeners({ config, logger, db: ingestionDb, invalidation: cache, progress, metrics, tracer: options.tracer, catalog });
    stops.push({ what: 'lab listeners', stop: labs.stop });

    // The first roster reads finish before the subgraphs take their first coverage snapshot, so the
    // first view already asks only the sources that hold the person.
    const rosters = await createRosterReader({ config, logger, db, invalidation: cache, metrics, catalog });
    await rosters.readAllOnce();
    rosters.start();
    stops.push({ what: 'roster reads', stop: rosters.stop });
    progress(`record locator: ${rosters.sources} source roster(s) read`);

    // GATEWAY_SUBGRAPHS=in-process: the gateway runs them itself; no subgraph service to start.
    let subgraphUrls: Record<SubgraphName, string> | undefined;
    if (config.gatewaySubgraphs === 'remote') {
      const urls = {} as Record<SubgraphName, string>;
      const index = await startPatientIndexService({ config, logger, db, progress, metrics, tracer: options.tracer, catalog });
      stops.push({ what: 'subgraph patient-index', stop: index.stop });
      urls['patient-index'] = index.url;
      progress(`subgraph patient-index: ${index.url}`);
      for (const name of Object.keys(DOMAIN_SUBGRAPHS) as DomainSubgraphName[]) {
        const subgraph = await startDomainSubgraphService(name, { config, logger, db, cache, metrics, tracer: options.tracer, catalog });
        stops.push({ what: `subgraph ${name}`, stop: subgraph.stop });
        urls[name] = subgraph.url;
        progress(`subgraph ${name}: ${subgraph.url}`);
      }
      if (SUBGRAPH_NAMES.some((name) => !urls[name])) throw new Error('a subgraph has no service');
      subgraphUrls = urls;
    }

    const gateway = await startGatewayService({ config, logger, db, subgraphUrls, cache, progress, metrics, readiness: labs.checks, tracer: options.tracer, catalog });
    stops.push({ what: 'gateway', stop: gateway.stop });
    progress(`gateway: ${gateway.url}${config.gatewaySubgraphs === 'in-process' ? ' (subgraphs in process)' : ''}`);
    const xref = new XrefStore(db);
    return { gatewayUrl: gateway.url, subgraphUrls, labPorts: labs.ports, db, cache, xref, accessLog: gateway.accessLog, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

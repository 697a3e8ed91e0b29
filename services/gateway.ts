/**
 * The gateway as a service: `npm run gateway` (its own process, on PostgreSQL), or started in
 * process by services/stack.ts. `GATEWAY_INSTANCES=N npm run gateway` runs N gateway processes
 * behind the one address (node:cluster: the primary holds the port and hands connections out);
 * they share PostgreSQL and Redis, nothing else. With `GATEWAY_SUBGRAPHS=in-process` each gateway
 * process runs the five subgraphs itself instead of calling their services.
 */
import type { Tracer } from '@opentelemetry/api';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AccessLog } from '../consent/access-log';
import { ConsentDecisions } from '../consent/decide';
import { RefusalRegister } from '../consent/refusal-register';
import { loadPolicy } from '../gateway/consent/policy';
import { offAnswers, type AnswerCache } from '../cache/answer-cache';
import { startGateway, type RunningGateway, type SubgraphAt } from '../gateway/server';
import { SUBGRAPH_NAMES, type Config, type SubgraphName } from '../lib/config';
import { inProcessSubgraph } from '../subgraphs/in-process';
import { DOMAIN_SUBGRAPHS, domainSubgraphDefinition, type DomainSubgraphName } from './domain-subgraph';
import { patientIndexDefinition } from './patient-index';
import type { Db } from '../lib/db';
import type { Logger } from '../lib/logger';
import { databaseCheck, httpHealthCheck, inProcessCheck, redisCheck } from '../ops/checks';
import { checksNow, type ReadinessChecks } from '../ops/health';
import type { SourceCatalog } from '../lib/source-catalog';
import { Metrics } from '../ops/metrics';
import { offerToCluster } from '../ops/cluster-metrics';

export interface GatewayServiceDeps {
  config: Config;
  logger: Logger;
  db: Db;
  /** Where the subgraphs run, when not where the configuration says (started in process on free ports). */
  subgraphUrls?: Record<SubgraphName, string>;
  /** The answer cache the subgraphs use, when they run in this process (GATEWAY_SUBGRAPHS=in-process). */
  cache?: AnswerCache;
  progress?: (line: string) => void;
  /** The process's metrics (ops/metrics.ts); the gateway's own when not given. */
  metrics?: Metrics;
  /** More for /ready to check: the other services of this process (the one-process stack's lab listeners). */
  readiness?: ReadinessChecks;
  /** OpenTelemetry tracer of the process (ops/tracing.ts) when tracing is on. */
  tracer?: Tracer;
  /** The live sources (reloaded from the sources file); without it, config.sources, fixed. */
  catalog?: SourceCatalog;
}

export async function startGatewayService(deps: GatewayServiceDeps): Promise<RunningGateway & { accessLog: AccessLog }> {
  const { config, logger, db } = deps;
  const register = new RefusalRegister(db);
  // config.audit: the links are keyed and the heads checkpointed outside the database (issue #8 §5).
  const accessLog = new AccessLog(db, config.audit, {
    onCheckpointError: (chain, error) => logger.error({ chain, failure: error.name, code: (error as NodeJS.ErrnoException).code }, 'access log checkpoint failed; retried at the next interval'),
  });
  for (const store of [register, accessLog]) await store.migrate();
  const metrics = deps.metrics ?? new Metrics({ service: 'gateway' });
  const hosted = config.gatewaySubgraphs === 'in-process' ? await hostSubgraphs({ ...deps, metrics }) : undefined;
  const urls = deps.subgraphUrls ?? config.subgraphUrls;
  // Subgraphs apart are probed on their /health (not /ready: a subgraph's Redis trouble is its own).
  const subgraphChecks = SUBGRAPH_NAMES.map((name) => (hosted ? inProcessCheck(`subgraph:${name}`) : httpHealthCheck(`subgraph:${name}`, urls[name])));
  const cacheChecks = deps.cache?.kind === 'redis' ? [redisCheck(deps.cache)] : [];
  const gateway = await startGateway({
    config,
    logger,
    supergraphSdl: readFileSync(join(__dirname, '..', 'schema', 'supergraph.graphql'), 'utf8'),
    subgraphs: hosted?.subgraphs ?? (Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, { url: urls[name] }])) as Record<SubgraphName, SubgraphAt>),
    policy: loadPolicy(config.policyFile),
    consent: new ConsentDecisions(db),
    accessLog,
    metrics,
    readiness: () => [databaseCheck(db), ...cacheChecks, ...subgraphChecks, ...checksNow(deps.readiness)],
    tracer: deps.tracer,
    catalog: deps.catalog,
  });
  return {
    ...gateway,
    accessLog,
    // The writer stops after the last request: drained, then its head checkpointed a last time.
    stop: async () => {
      await gateway.stop();
      await accessLog.close();
      hosted?.stop();
    },
  };
}

/** The five subgraphs, run inside this gateway process on its database and cache. */
async function hostSubgraphs(deps: GatewayServiceDeps): Promise<{ subgraphs: Record<SubgraphName, SubgraphAt>; stop(): void }> {
  const { config, logger, db } = deps;
  const cache = deps.cache ?? offAnswers();
  const index = await patientIndexDefinition({ config, logger, db, progress: deps.progress, catalog: deps.catalog });
  const domains = await Promise.all((Object.keys(DOMAIN_SUBGRAPHS) as DomainSubgraphName[]).map(async (name) => [name, await domainSubgraphDefinition(name, { config, logger, db, cache, metrics: deps.metrics, catalog: deps.catalog })] as const));
  return {
    subgraphs: {
      'patient-index': { local: inProcessSubgraph(index, logger) },
      ...Object.fromEntries(domains.map(([name, built]) => [name, { local: inProcessSubgraph(built.definition, logger) }])),
    } as Record<SubgraphName, SubgraphAt>,
    stop: () => domains.forEach(([, built]) => built.stop()),
  };
}

/** `npm run gateway`: GATEWAY_INSTANCES workers on one address, each its own process. */
if (require.main === module) {
  void (async () => {
    const cluster = (await import('node:cluster')).default;
    const { loadConfig } = await import('../lib/config');
    const { gatewayInstances: instances, gatewayHeapMb, host, opsPort } = loadConfig();
    if (cluster.isPrimary && instances > 1) {
      const { superviseWorkers } = await import('./workers');
      superviseWorkers('gateway', instances, { heapMb: gatewayHeapMb, ...(opsPort !== undefined ? { ops: { host, port: opsPort } } : {}) });
      return;
    }
    const { runService, requireSharedDatabase, requireSubgraphSecret } = await import('./run');
    const { openDb } = await import('../lib/db');
    const { openAnswerCacheFor } = await import('./answer-cache');
    runService(cluster.isWorker ? `gateway ${cluster.worker!.id}` : 'gateway', async ({ config, logger, say, tracer, catalog }) => {
      const inProcess = config.gatewaySubgraphs === 'in-process';
      if (!inProcess) requireSubgraphSecret(process.env, 'the gateway');
      const db = await openDb({ url: requireSharedDatabase(config, 'the gateway'), schema: config.dbSchema, settings: config.db, service: 'gateway', logger });
      const cache = inProcess ? await openAnswerCacheFor(config, logger, { oneProcess: false, prefix: config.dbSchema ? `${config.dbSchema}:` : '', say }) : undefined;
      const metrics = new Metrics({ service: 'gateway', processMetrics: true });
      // One of GATEWAY_INSTANCES: the primary sums the workers' metrics on OPS_PORT (ops/cluster-metrics.ts).
      offerToCluster(metrics.registry);
      const gateway = await startGatewayService({ config, logger, db, cache, progress: say, metrics, tracer, catalog });
      return {
        describe: [`gateway: ${gateway.url}${inProcess ? ' (subgraphs in process)' : ''}`],
        stop: async () => {
          await gateway.stop();
          await cache?.close();
          await db.close();
        },
      };
    });
  })();
}

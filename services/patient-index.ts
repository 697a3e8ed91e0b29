/**
 * The patient-index subgraph as a service: `npm run subgraph -- patient-index` (its own process,
 * on PostgreSQL), or started in process by services/stack.ts.
 */
import type { Tracer } from '@opentelemetry/api';
import { AccessLog } from '../consent/access-log';
import { RefusalRegister } from '../consent/refusal-register';
import type { Config } from '../lib/config';
import type { Db } from '../lib/db';
import type { Logger } from '../lib/logger';
import { fixedCatalog, type SourceCatalog } from '../lib/source-catalog';
import { XrefStore } from '../locator/cross-reference';
import { RecordLocator } from '../locator/record-locator';
import { patientIndexSubgraph, type PatientIndexContext } from '../subgraphs/patient-index';
import { Registry } from '../subgraphs/patient-index/registry';
import { serveSubgraph, type RunningSubgraph, type SubgraphDefinition } from '../subgraphs/serve';
import { databaseCheck } from '../ops/checks';
import type { Metrics } from '../ops/metrics';

export interface PatientIndexServiceDeps {
  config: Config;
  logger: Logger;
  db: Db;
  /** Overrides the configured port (0: a free one). */
  port?: number;
  /** Told about the registry import ("registry: 60 insured people"). */
  progress?: (line: string) => void;
  /** The process's metrics (ops/metrics.ts); the subgraph's own when not given. */
  metrics?: Metrics;
  /** OpenTelemetry tracer of the process (ops/tracing.ts) when tracing is on. */
  tracer?: Tracer;
  /** The live sources (reloaded from the sources file), for Query.coverage; without it, config.sources. */
  catalog?: SourceCatalog;
}

/** The patient index's definition on its stores (migrated, the registry file imported when it changed). */
export async function patientIndexDefinition(deps: Omit<PatientIndexServiceDeps, 'port'>): Promise<SubgraphDefinition<PatientIndexContext>> {
  const { config, db } = deps;
  const catalog = deps.catalog ?? fixedCatalog(config.sources);
  const registry = new Registry(db);
  const locator = new RecordLocator(db);
  const register = new RefusalRegister(db);
  const accessLog = new AccessLog(db, config.audit);
  for (const store of [registry, new XrefStore(db), locator, register, accessLog]) await store.migrate();
  if (config.registryFile) {
    const report = await registry.importFileIfChanged(config.registryFile, (rows) => deps.progress?.(`registry: ${rows} rows read…`));
    deps.progress?.(report.imported ? `registry: ${report.people} insured people imported (${report.removed} no longer listed)` : `registry: ${report.people} insured people (file unchanged)`);
  }
  return patientIndexSubgraph({
    registry,
    locator,
    register,
    accessLog,
    maxPatientsPerRequest: config.maxPatientsPerRequest,
    coverage: { all: () => catalog.all, status: () => catalog.status, rosterStates: () => locator.rosterStates(), defaultIntervalMs: config.locator.rosterIntervalMs },
  });
}

/** The patient index served over HTTP, for the gateway to call with signed requests. */
export async function startPatientIndexService(deps: PatientIndexServiceDeps): Promise<RunningSubgraph> {
  const { config, logger } = deps;
  return serveSubgraph(await patientIndexDefinition(deps), {
    host: config.host,
    port: deps.port ?? config.subgraphPorts['patient-index'],
    internalSecret: config.internalSecret,
    logger,
    metrics: deps.metrics,
    readiness: [databaseCheck(deps.db)],
    tracer: deps.tracer,
  });
}

/**
 * The patient-index subgraph as a service: `npm run subgraph -- patient-index` (its own process,
 * on PostgreSQL), or started in process by services/stack.ts.
 */
import { AccessLog } from '../consent/access-log';
import { ConsentStates } from '../consent/consent-states';
import { RefusalRegister } from '../consent/refusal-register';
import type { Cache } from '../lib/cache';
import type { Config } from '../lib/config';
import type { Db } from '../lib/db';
import type { Logger } from '../lib/logger';
import { XrefStore } from '../locator/cross-reference';
import { patientIndexSubgraph } from '../subgraphs/patient-index';
import { loadRegistry } from '../subgraphs/patient-index/registry';
import { serveSubgraph, type RunningSubgraph } from '../subgraphs/serve';

export interface PatientIndexServiceDeps {
  config: Config;
  logger: Logger;
  db: Db;
  cache: Cache;
  /** Overrides the configured port (0: a free one). */
  port?: number;
}

export async function startPatientIndexService(deps: PatientIndexServiceDeps): Promise<RunningSubgraph & { registrySize: number }> {
  const { config, logger, db } = deps;
  const xref = new XrefStore(db);
  const register = new RefusalRegister(db);
  const accessLog = new AccessLog(db);
  for (const store of [xref, register, accessLog]) await store.migrate();
  const registry = loadRegistry(config.registryFile);
  const definition = patientIndexSubgraph({
    registry,
    xref,
    consentStates: new ConsentStates(register, deps.cache),
    accessLog,
    maxPatientsPerRequest: config.maxPatientsPerRequest,
  });
  const running = await serveSubgraph(definition, { host: config.host, port: deps.port ?? config.subgraphPorts['patient-index'], internalSecret: config.internalSecret, logger });
  return { ...running, registrySize: registry.size };
}

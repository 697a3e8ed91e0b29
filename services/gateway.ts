/**
 * The gateway as a service: `npm run gateway` (its own process, on PostgreSQL), or started in
 * process by services/stack.ts. `GATEWAY_INSTANCES=N npm run gateway` runs N gateway processes
 * behind the one address (node:cluster: the primary holds the port and hands connections out);
 * they share PostgreSQL and Redis, nothing else.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AccessLog } from '../consent/access-log';
import { ConsentDecisions } from '../consent/decide';
import { RefusalRegister } from '../consent/refusal-register';
import { loadPolicy } from '../gateway/consent/policy';
import { startGateway, type RunningGateway } from '../gateway/server';
import type { Config, SubgraphName } from '../lib/config';
import type { Db } from '../lib/db';
import type { Logger } from '../lib/logger';

export interface GatewayServiceDeps {
  config: Config;
  logger: Logger;
  db: Db;
  /** Where the subgraphs run, when not where the configuration says (started in process on free ports). */
  subgraphUrls?: Record<SubgraphName, string>;
}

export async function startGatewayService(deps: GatewayServiceDeps): Promise<RunningGateway & { accessLog: AccessLog }> {
  const { config, logger, db } = deps;
  const register = new RefusalRegister(db);
  // config.audit: the links are keyed and the heads checkpointed outside the database (issue #8 §5).
  const accessLog = new AccessLog(db, config.audit, {
    onCheckpointError: (chain, error) => logger.error({ chain, failure: error.name, code: (error as NodeJS.ErrnoException).code }, 'access log checkpoint failed; retried at the next interval'),
  });
  for (const store of [register, accessLog]) await store.migrate();
  const gateway = await startGateway({
    config,
    logger,
    supergraphSdl: readFileSync(join(__dirname, '..', 'schema', 'supergraph.graphql'), 'utf8'),
    subgraphUrls: deps.subgraphUrls ?? config.subgraphUrls,
    policy: loadPolicy(config.policyFile),
    consent: new ConsentDecisions(db),
    accessLog,
  });
  return {
    ...gateway,
    accessLog,
    // The writer stops after the last request: drained, then its head checkpointed a last time.
    stop: async () => {
      await gateway.stop();
      await accessLog.close();
    },
  };
}

/** `npm run gateway`: GATEWAY_INSTANCES workers on one address, each its own process. */
if (require.main === module) {
  void (async () => {
    const cluster = (await import('node:cluster')).default;
    const { loadConfig } = await import('../lib/config');
    const instances = loadConfig().gatewayInstances;
    if (cluster.isPrimary && instances > 1) {
      const { superviseWorkers } = await import('./workers');
      superviseWorkers('gateway', instances);
      return;
    }
    const { runService, requireSharedDatabase, requireSubgraphSecret } = await import('./run');
    const { openDb } = await import('../lib/db');
    runService(cluster.isWorker ? `gateway ${cluster.worker!.id}` : 'gateway', async ({ config, logger }) => {
      requireSubgraphSecret(process.env, 'the gateway');
      const db = await openDb({ url: requireSharedDatabase(config, 'the gateway'), schema: config.dbSchema, settings: config.db, service: 'gateway', logger });
      const gateway = await startGatewayService({ config, logger, db });
      return {
        describe: [`gateway: ${gateway.url}`],
        stop: async () => {
          await gateway.stop();
          await db.close();
        },
      };
    });
  })();
}

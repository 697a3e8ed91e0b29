/**
 * `npm run subgraph -- <name>`: one subgraph in its own process, on PostgreSQL (DATABASE_URL),
 * at the port SUBGRAPH_BASE_PORT gives it (patient-index +0, pharmacy +1, lab +2, imaging +3,
 * clinic +4). The gateway and every subgraph must share SUBGRAPH_SECRET; domain subgraphs share
 * the answer cache through REDIS_URL and CACHE_KEY.
 */
import { SUBGRAPH_NAMES, type SubgraphName } from '../lib/config';
import { openDb } from '../lib/db';
import { openAnswerCacheFor } from './answer-cache';
import { startDomainSubgraphService, type DomainSubgraphName } from './domain-subgraph';
import { startPatientIndexService } from './patient-index';
import { requireSharedDatabase, requireSubgraphSecret, runService } from './run';
import { Metrics } from '../ops/metrics';

const name = process.argv[2] as SubgraphName;
if (!SUBGRAPH_NAMES.includes(name)) {
  process.stderr.write(`usage: npm run subgraph -- <${SUBGRAPH_NAMES.join('|')}>\n`);
  process.exit(2);
}

runService(`subgraph ${name}`, async ({ config, logger, say, tracer, catalog }) => {
  requireSubgraphSecret(process.env, `the ${name} subgraph`);
  const db = await openDb({ url: requireSharedDatabase(config, `the ${name} subgraph`), schema: config.dbSchema, settings: config.db, service: name, logger });
  const metrics = new Metrics({ service: name, processMetrics: true });
  if (name === 'patient-index') {
    const index = await startPatientIndexService({ config, logger, db, progress: say, metrics, tracer, catalog });
    return { describe: [`subgraph ${name}: ${index.url}`], stop: () => index.stop().then(() => db.close()) };
  }
  const cache = await openAnswerCacheFor(config, logger, { oneProcess: false, prefix: config.dbSchema ? `${config.dbSchema}:` : '', say });
  const subgraph = await startDomainSubgraphService(name as DomainSubgraphName, { config, logger, db, cache, metrics, tracer, catalog });
  return {
    describe: [`subgraph ${name}: ${subgraph.url}`],
    stop: async () => {
      await subgraph.stop();
      await cache.close();
      await db.close();
    },
  };
});

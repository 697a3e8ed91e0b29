/**
 * `npm run subgraph -- <name>`: one subgraph in its own process, on PostgreSQL (DATABASE_URL),
 * at the port SUBGRAPH_BASE_PORT gives it (patient-index +0, pharmacy +1, lab +2, imaging +3,
 * clinic +4). The gateway and every subgraph must share SUBGRAPH_SECRET.
 */
import { SUBGRAPH_NAMES, type SubgraphName } from '../lib/config';
import { openDb } from '../lib/db';
import { startDomainSubgraphService, type DomainSubgraphName } from './domain-subgraph';
import { startPatientIndexService } from './patient-index';
import { requireSharedDatabase, requireSubgraphSecret, runService } from './run';

const name = process.argv[2] as SubgraphName;
if (!SUBGRAPH_NAMES.includes(name)) {
  process.stderr.write(`usage: npm run subgraph -- <${SUBGRAPH_NAMES.join('|')}>\n`);
  process.exit(2);
}

runService(`subgraph ${name}`, async ({ config, logger, say }) => {
  requireSubgraphSecret(process.env, `the ${name} subgraph`);
  const db = await openDb({ url: requireSharedDatabase(config, `the ${name} subgraph`), schema: config.dbSchema });
  const running =
    name === 'patient-index'
      ? await startPatientIndexService({ config, logger, db, progress: say })
      : await startDomainSubgraphService(name as DomainSubgraphName, { config, logger, db });
  return {
    describe: [`subgraph ${name}: ${running.url}`],
    stop: async () => {
      await running.stop();
      await db.close();
    },
  };
});

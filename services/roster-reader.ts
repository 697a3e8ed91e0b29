/**
 * The record locator's roster reads as a service (`npm run roster-reader`, its own process on
 * PostgreSQL; several may run, each source is read by one at a time), or started in process by
 * services/stack.ts. Reads each pull source's roster every `rosterIntervalMs` (ROSTER_INTERVAL_MS).
 */
import { createRosterSources } from '../adapters';
import type { AnswerInvalidation } from '../adapters/port';
import type { Config } from '../lib/config';
import type { Db } from '../lib/db';
import type { Logger } from '../lib/logger';
import { XrefStore } from '../locator/cross-reference';
import { RecordLocator } from '../locator/record-locator';
import { RosterReads } from '../locator/roster-reads';

export interface RosterReaderDeps {
  config: Config;
  logger: Logger;
  db: Db;
  invalidation?: AnswerInvalidation;
}

export interface RunningRosterReader {
  /** Sources whose roster this reader reads. */
  sources: number;
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
  const rosters = createRosterSources(config.sources, { logger });
  const reads = new RosterReads({ rosters, locator, xref, invalidation: deps.invalidation, logger, defaultIntervalMs: config.locator.rosterIntervalMs, defaultTimeoutMs: config.sourceTimeoutMs, concurrency: config.locator.rosterConcurrency });
  return {
    sources: rosters.length,
    readAllOnce: async () => {
      await Promise.all(rosters.map((roster) => reads.readOnce(roster)));
    },
    start: () => reads.start(),
    stop: () => reads.stop(),
  };
}

/** `npm run roster-reader`. */
if (require.main === module) {
  void (async () => {
    const { runService, requireSharedDatabase } = await import('./run');
    const { openDb } = await import('../lib/db');
    const { openAnswerCacheFor } = await import('./answer-cache');
    runService('roster reader', async ({ config, logger, say }) => {
      const db = await openDb({ url: requireSharedDatabase(config, 'the roster reader'), schema: config.dbSchema, settings: config.db, service: 'roster-reader', logger });
      const cache = await openAnswerCacheFor(config, logger, { oneProcess: false, prefix: config.dbSchema ? `${config.dbSchema}:` : '', say });
      const reader = await createRosterReader({ config, logger, db, invalidation: cache });
      reader.start();
      return {
        describe: [`reading ${reader.sources} source roster(s) every ${config.locator.rosterIntervalMs / 1000} s unless a source says otherwise`],
        stop: async () => {
          await reader.stop();
          await cache.close();
          await db.close();
        },
      };
    });
  })();
}

/**
 * `npm run audit:verify`: checks that the access log's hash chain is intact (QHR: the access log
 * is append-only and tamper-evident) and reports the first broken link.
 *
 * Database: the gateway's configuration (lib/config.ts): PostgreSQL at DATABASE_URL, or the
 * embedded PGlite database kept in DATA_DIR. DB_SCHEMA (optional) names the schema the log
 * lives in when it is not the default search path (one schema per instance or per test suite).
 *
 * Output: a progress line every 10,000 entries, then
 *   "audit: 12345 entries in 3 chains, every chain intact"            exit 0
 *   "audit: broken link at entry 42 of chain <id>: hash mismatch"     exit 1
 *   "audit: cannot verify: ..."                          exit 2 (no log, no database, bad config)
 * It writes nothing (openDb creates DB_SCHEMA if it is missing, empty) and never prints a
 * NAM: entries are named by their sequence number.
 */
import { loadConfig } from '../lib/config';
import { openDb, type Db } from '../lib/db';
import { AccessLog } from '../consent/access-log';

const PROGRESS_EVERY = 10_000;

/** Belt and braces: a database message should not quote a row, but if one ever did, no NAM leaves. */
const withoutNams = (text: string) => text.replace(/[A-Z]{4}\s?\d{4}\s?\d{4}/gi, '[NAM]');

async function logExists(db: Db): Promise<boolean> {
  const found = await db.query<{ table: string | null }>(`SELECT to_regclass('access_log')::text AS table`);
  return found.rows[0]?.table != null;
}

async function main(): Promise<number> {
  const config = loadConfig();
  const db = await openDb({ url: config.databaseUrl, dataDir: config.dataDir, schema: config.dbSchema });
  try {
    // A missing table is not "intact": pointing the command at the wrong database must not pass.
    if (!(await logExists(db))) {
      console.error('audit: cannot verify: there is no access log in this database');
      return 2;
    }
    let reported = 0;
    const result = await new AccessLog(db).verify({
      onProgress: (checked) => {
        if (Math.floor(checked / PROGRESS_EVERY) <= Math.floor(reported / PROGRESS_EVERY)) return;
        reported = checked;
        console.log(`audit: ${checked} entries checked…`);
      },
    });
    if (result.ok) {
      console.log(`audit: ${result.entries} ${result.entries === 1 ? 'entry' : 'entries'} in ${result.chains} ${result.chains === 1 ? 'chain' : 'chains'}, every chain intact`);
      return 0;
    }
    console.log(`audit: broken link at entry ${result.brokenAt} of chain ${result.chain}: ${result.reason}`);
    return 1;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`audit: cannot verify: ${withoutNams(error instanceof Error ? error.message : String(error))}`);
    process.exitCode = 2;
  },
);

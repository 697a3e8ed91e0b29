/**
 * `npm run audit:verify`: checks that the access log is intact (QHR: the access log is append-only
 * and tamper-evident): each chain against itself (its links, keyed with AUDIT_KEY for v3 and v4 chains),
 * and, with AUDIT_CHECKPOINT_DIR, against the signed checkpoints of its head kept outside the
 * database (issue #8 §5).
 *
 * Database: the gateway's configuration (lib/config.ts): PostgreSQL at DATABASE_URL, or the
 * embedded PGlite database kept in DATA_DIR. DB_SCHEMA (optional) names the schema the log
 * lives in when it is not the default search path (one schema per instance or per test suite).
 * AUDIT_KEY must be the gateway's.
 *
 * Output: a progress line every 10,000 entries, then
 *   "audit: 12345 entries in 3 chains, every chain intact, checked against 40 signed checkpoints"  exit 0
 *   (without AUDIT_CHECKPOINT_DIR, a second line says the chains could only be checked against themselves)
 *   or one line per problem, exit 1:
 *   "audit: broken link at entry 42 of chain <id>: hash mismatch"
 *   "audit: chain <id> ends at entry 5 but a signed checkpoint reaches entry 8: entries deleted from the end"
 *   "audit: entry 6 of chain <id> is not the one its signed checkpoint names: the chain was rewritten"
 *   "audit: checkpoint file <file>, line 3: signature invalid: forged or altered checkpoint"
 *   "audit: chain <id> has 12 entries but no signed checkpoint: nothing outside the database vouches for it"
 *   "audit: cannot verify: ..."                          exit 2 (no log, no database, bad config)
 * It writes nothing (openDb creates DB_SCHEMA if it is missing, empty) and never prints a
 * NAM: entries are named by their chain and sequence number.
 */
import { loadConfig } from '../lib/config';
import { openDb, type Db } from '../lib/db';
import { maskNams } from '../lib/nam';
import { AccessLog, type Problem, type VerifyResult } from '../consent/access-log';

const PROGRESS_EVERY = 10_000;

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

/** One line per problem, naming chains and sequence numbers only. */
function describe(problem: Problem): string {
  switch (problem.kind) {
    case 'broken-link':
      return `broken link at entry ${problem.seq} of chain ${problem.chain}: ${problem.reason}`;
    case 'truncated':
      return `chain ${problem.chain} ends at entry ${problem.lastSeq} but a signed checkpoint reaches entry ${problem.checkpointSeq}: entries deleted from the end`;
    case 'rewritten':
      return `entry ${problem.seq} of chain ${problem.chain} is not the one its signed checkpoint names: the chain was rewritten`;
    case 'forged-checkpoint':
      return `checkpoint file ${problem.file}, line ${problem.line}: signature invalid: forged or altered checkpoint`;
    case 'not-checkpointed':
      return `chain ${problem.chain} has ${plural(problem.lastSeq, 'entry', 'entries')} but no signed checkpoint: nothing outside the database vouches for it`;
  }
}

function report(result: VerifyResult): string[] {
  if (!result.ok) return result.problems.map(describe);
  const summary = `${plural(result.entries, 'entry', 'entries')} in ${plural(result.chains, 'chain', 'chains')}, every chain intact`;
  if (result.checkpoints === undefined) return [summary, 'no checkpoint directory (AUDIT_CHECKPOINT_DIR): the chains could only be checked against themselves'];
  return [`${summary}, checked against ${plural(result.checkpoints, 'signed checkpoint', 'signed checkpoints')}`];
}

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
    const result = await new AccessLog(db, config.audit).verify({
      onProgress: (checked) => {
        if (Math.floor(checked / PROGRESS_EVERY) <= Math.floor(reported / PROGRESS_EVERY)) return;
        reported = checked;
        console.log(`audit: ${checked} entries checked…`);
      },
    });
    // Belt and braces: a database message, a chain or file name should not hold a NAM, but if one ever did, none leaves.
    for (const line of report(result)) console.log(`audit: ${maskNams(line)}`);
    return result.ok ? 0 : 1;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`audit: cannot verify: ${maskNams(error instanceof Error ? error.message : String(error))}`);
    process.exitCode = 2;
  },
);

/**
 * Lab ingestion throughput: ORU^R01 messages per second stored durably and acknowledged AA by the
 * lab listener service, on PostgreSQL. The system under test (services/lab-listener.ts) and the load
 * generator (./sender.ts) each run in their own process, started per round; a round uses a fresh
 * schema and checks in the database that the messages stored are exactly those acknowledged AA
 * (nothing lost, nothing twice), each with all its results, before its figure counts.
 *
 *   DATABASE_URL=postgres://… npx tsx bench/lab/ingestion.ts [--rounds 3] [--messages 20000] [--connections 16]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDb } from '../../lib/db';
import { median } from '../figures';
import { freePorts } from '../system';
import type { SenderReport } from './sender';

export interface LabIngestionOptions {
  databaseUrl: string;
  rounds: number;
  messages: number;
  connections: number;
  progress(line: string): void;
}

const ROOT = join(__dirname, '..', '..');
const SOURCE_ID = 'lab-bench';

export async function benchLabIngestion(options: LabIngestionOptions): Promise<{ perSecond: number[]; storedEqualsAcked: boolean }> {
  const perSecond: number[] = [];
  let storedEqualsAcked = true;
  for (let round = 1; round <= options.rounds; round++) {
    const { report, stored, complete } = await runRound(options);
    const exact = stored === report.aa && complete;
    storedEqualsAcked &&= exact;
    perSecond.push(report.perSecond);
    options.progress(
      `round ${round}/${options.rounds}: ${report.perSecond.toFixed(0)} messages/s (${report.aa} AA of ${report.messages} in ${report.seconds.toFixed(2)} s, ` +
        `${report.errors} errors); stored ${stored}${stored === report.aa ? ' = AA' : ' ≠ AA'}${complete ? '' : ', results missing'}`,
    );
  }
  return { perSecond, storedEqualsAcked };
}

async function runRound(options: LabIngestionOptions): Promise<{ report: SenderReport; stored: number; complete: boolean }> {
  const schema = `bench_lab_${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'lab-bench-'));
  const db = await openDb({ url: options.databaseUrl, schema });
  let listener: ChildProcess | undefined;
  try {
    // What the earlier scenarios wrote, and the schemas they dropped, are flushed first: otherwise a
    // checkpoint falls in the middle of the round and the listener is charged for their writes.
    await db.query('CHECKPOINT').catch(() => options.progress('CHECKPOINT refused (needs pg_checkpoint): measuring without it'));
    const port = await freePorts(1);
    const sourcesFile = join(dir, 'sources.json');
    const source = { id: SOURCE_ID, name: 'Laboratoire (banc d’essai)', domain: 'LAB_RESULTS', protocol: 'hl7v2-mllp', port, region: 'Montréal', area: 'Centre' };
    writeFileSync(sourcesFile, JSON.stringify({ sources: [source] }));
    listener = tsx('services/lab-listener.ts', [], { DATABASE_URL: options.databaseUrl, DB_SCHEMA: schema, SOURCES_FILE: sourcesFile, LOG_LEVEL: 'warn' });
    await readyLine(listener, /lab listener\(s\) ready/, 60_000);
    const sender = tsx('bench/lab/sender.ts', ['--port', String(port), '--connections', String(options.connections), '--messages', String(options.messages)], {});
    const report = JSON.parse((await outputOf(sender)).trim().split('\n').at(-1) ?? '{}') as SenderReport;
    if (typeof report.aa !== 'number') throw new Error('the sender printed no report');
    const { rows } = await db.query<{ messages: number; announced: number; results: number }>(
      `SELECT count(*)::int AS messages, coalesce(sum(result_count), 0)::int AS announced,
              (SELECT count(*) FROM lab_results WHERE source_id = $1)::int AS results
         FROM lab_messages WHERE source_id = $1`,
      [SOURCE_ID],
    );
    return { report, stored: rows[0].messages, complete: rows[0].results === rows[0].announced };
  } finally {
    if (listener) await stop(listener);
    await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A TypeScript entry point of this repository in a child process (Node with tsx's loader; no build step). */
function tsx(file: string, args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [...(process.env.LAB_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.LAB_CPU_PROF}`] : []), '--import', 'tsx', join(ROOT, file), ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Resolves when the child prints a line matching `ready` on stderr (runService's progress); fails if it exits first. */
async function readyLine(child: ChildProcess, ready: RegExp, withinMs: number): Promise<void> {
  let seen = '';
  child.stdout!.resume();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the lab listener did not start in time')), withinMs);
    child.stderr!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (ready.test(seen)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the lab listener exited (${code}) before it was ready: ${seen.split('\n').filter(Boolean).at(-1) ?? ''}`));
    });
  });
}

async function outputOf(child: ChildProcess): Promise<string> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code === 2 || code === null) throw new Error(`the sender failed: ${stderr.trim().split('\n').at(-1) ?? code}`);
  return stdout;
}

/** SIGTERM: the listener finishes what it is storing, then exits; SIGKILL if it does not within 15 s. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}


if (require.main === module) {
  const { values } = parseArgs({
    options: { rounds: { type: 'string', default: '3' }, messages: { type: 'string', default: '20000' }, connections: { type: 'string', default: '16' } },
  });
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    process.stderr.write('bench/lab: set DATABASE_URL (the lab listener runs apart only on PostgreSQL)\n');
    process.exit(2);
  }
  const progress = (line: string) => process.stderr.write(`bench lab: ${line}\n`);
  const options = { databaseUrl, rounds: Number(values.rounds), messages: Number(values.messages), connections: Number(values.connections), progress };
  progress(`${options.rounds} rounds of ${options.messages} ORU^R01 over ${options.connections} MLLP connections`);
  benchLabIngestion(options).then(
    ({ perSecond, storedEqualsAcked }) => {
      const line = `lab ingestion: ${median(perSecond).toFixed(0)} messages/s median (min ${Math.min(...perSecond).toFixed(0)}, max ${Math.max(...perSecond).toFixed(0)}; ${perSecond.length} rounds, ${options.connections} connections)`;
      process.stdout.write(`${line}${storedEqualsAcked ? '' : ' — CHECK FAILED: stored ≠ acknowledged AA'}\n`);
      process.exit(storedEqualsAcked ? 0 : 1);
    },
    (error: Error) => {
      progress(`failed: ${error.message}`);
      process.exit(1);
    },
  );
}

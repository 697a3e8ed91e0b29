/**
 * `npm run conformance -- --source ID [--sources FILE] --nam NAM[=LOCALID] ...`: runs the adapter
 * conformance checks (adapters/conformance/) that make sense against a live source of the sources
 * file, with people the integrator names. Read-only: it only searches the source (and reads one page
 * of its roster); a push source (HL7 v2) is read from our own store (DATABASE_URL). NAMs are never
 * printed in clear. Exit status: 0 all passed (some may be skipped), 1 a check failed, 2 bad usage.
 * See docs/adapters.md, "Conformance".
 */
import { join } from 'node:path';
import { createRecordSources, createRosterSources } from '../adapters';
import { maskNam, RequestCounter, runConformance, type CheckResult } from '../adapters/conformance';
import { DispenseStore, LabStore } from '../adapters/hl7v2';
import type { PatientRef } from '../adapters/port';
import { openDb, type Db } from '../lib/db';
import { isValidNam, normalizeNam } from '../lib/nam';
import { DEFAULT_TIME_ZONE } from '../lib/time';
import { readSourcesFile, SourcesFileError, type SourceConfig } from '../lib/sources';
import { protocolSpec } from '../lib/protocols';
import { XrefStore } from '../locator/cross-reference';

const USAGE = 'usage: npm run conformance -- --source ID [--sources FILE] --nam NAM[=LOCALID] [--nam ...]';

class UsageError extends Error {}

export interface ConformanceArgs {
  sourceId: string;
  sourcesFile: string;
  /** As given: NAM, or NAM=LOCALID for a `patientId: local` source. */
  people: { nam: string; localId?: string }[];
}

/** Reads the arguments; errors name the argument by position, never quote a NAM. */
export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ConformanceArgs {
  let sourceId: string | undefined;
  let sourcesFile = env.SOURCES_FILE || join(__dirname, '..', 'demo', 'sources.json');
  const people: ConformanceArgs['people'] = [];
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (!['--source', '--sources', '--nam'].includes(flag)) throw new UsageError(`unknown argument #${i + 1} (${flag.startsWith('--') ? flag : 'not a flag'})`);
    if (value === undefined || value.startsWith('--')) throw new UsageError(`${flag} needs a value`);
    i++;
    if (flag === '--source') sourceId = value;
    else if (flag === '--sources') sourcesFile = value;
    else {
      const [nam, localId, ...rest] = value.split('=');
      const normal = normalizeNam(nam);
      if (rest.length || !isValidNam(normal)) throw new UsageError(`--nam #${people.length + 1} is not a NAM (4 letters, 8 digits; NAM=LOCALID for a source with local ids)`);
      if (localId !== undefined && localId.trim() === '') throw new UsageError(`--nam #${people.length + 1}: the local id after "=" is empty`);
      people.push({ nam: normal, ...(localId ? { localId: localId.trim() } : {}) });
    }
  }
  if (!sourceId) throw new UsageError('--source ID is required (the id of an entry of the sources file)');
  if (people.length === 0) throw new UsageError('give one --nam or more (two or more for the batching checks): people the source holds records for');
  return { sourceId, sourcesFile, people };
}

/** The people as a `local` source knows them: NAM=LOCALID as given, or the cross-reference's link. */
async function refsFor(source: SourceConfig, people: ConformanceArgs['people'], db: () => Promise<Db>): Promise<PatientRef[]> {
  if (source.patientId !== 'local' || people.every((p) => p.localId)) return people;
  const links = await new XrefStore(await db()).localIdsFor(people.map((p) => p.nam));
  return people.map((person, index) => {
    const localId = person.localId ?? links.get(person.nam)?.find((link) => link.source === source.id)?.localId;
    if (!localId) throw new UsageError(`--nam #${index + 1} (${maskNam(person.nam)}) has no local id at ${source.id}: give NAM=LOCALID, or import the cross-reference (npm run xref:import)`);
    return { nam: person.nam, localId };
  });
}

const MARK: Record<CheckResult['outcome'], string> = { passed: 'ok  ', failed: 'FAIL', skipped: 'skip' };

async function main(): Promise<number> {
  let args: ConformanceArgs;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`conformance: ${error.message}\n${USAGE}`);
    return 2;
  }
  let sources: SourceConfig[];
  try {
    sources = readSourcesFile(args.sourcesFile, { timeZone: process.env.SOURCE_TIME_ZONE || DEFAULT_TIME_ZONE });
  } catch (error) {
    if (!(error instanceof SourcesFileError)) throw error;
    console.error(`conformance: ${error.message}`);
    return 2;
  }
  const source = sources.find((s) => s.id === args.sourceId);
  if (!source) {
    console.error(`conformance: no source "${args.sourceId}" in ${args.sourcesFile} (its sources: ${sources.map((s) => s.id).join(', ')})`);
    return 2;
  }
  let database: Db | undefined;
  // Our own database, for a push source's store or a local source's cross-reference: read, never migrated.
  const db = async () => (database ??= await openDb({ url: process.env.DATABASE_URL, dataDir: process.env.DATA_DIR }));
  try {
    const push = protocolSpec(source.protocol).transport === 'push';
    if (push && !process.env.DATABASE_URL && !process.env.DATA_DIR) {
      console.error(`conformance: ${source.id} pushes to our listener; its records are read from our store: set DATABASE_URL (or DATA_DIR)`);
      return 2;
    }
    const people = await refsFor(source, args.people, db);
    // A push source is read back from what its listener stored; a pull source needs no store.
    const stores = push ? { labStore: new LabStore(await db()), dispenseStore: new DispenseStore(await db()) } : {};
    const counter = new RequestCounter();
    counter.install();
    console.log(`conformance: ${source.id} (${source.protocol}, ${source.domain}), ${people.length} people: ${people.map((p) => maskNam(p.nam)).join(', ')}`);
    const results = await runConformance(
      {
        source,
        mode: 'live',
        recordSources: (s, logger) => createRecordSources([s], { ...stores, logger }),
        roster: (s, logger) => createRosterSources([s], { logger })[0],
        people,
      },
      { counter, onResult: (r) => console.log(`${MARK[r.outcome]} ${r.name}: ${r.detail}`) },
    );
    const count = (outcome: CheckResult['outcome']) => results.filter((r) => r.outcome === outcome).length;
    console.log(`conformance: ${count('passed')} passed, ${count('failed')} failed, ${count('skipped')} skipped (failures of the source itself are checked in CI against the demo sources)`);
    return count('failed') > 0 ? 1 : 0;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`conformance: ${error.message}`);
    return 2;
  } finally {
    await database?.close();
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      // The message may quote a source's or a database's words: the class only.
      console.error(`conformance: stopped on an unexpected ${(error as Error)?.name ?? 'error'}`);
      process.exit(2);
    },
  );
}

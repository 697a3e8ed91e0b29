import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { Db } from '../../lib/db';
import { migrate, schemaLock } from '../../lib/migrate';
import { RegistryError, registryRows, type InsuredPerson } from './registry-file';

export { RegistryError, type InsuredPerson } from './registry-file';

export interface ImportReport {
  people: number;
  /** People the previous registry had and this file no longer lists. */
  removed: number;
  /** False when the file is the one imported last (nothing was read). */
  imported: boolean;
}

const MIGRATION = [
  `CREATE TABLE IF NOT EXISTS insured_people (
     nam         text PRIMARY KEY,
     family_name text NOT NULL,
     given_name  text NOT NULL,
     birth_date  date,
     sex         text NOT NULL
   )`,
  `CREATE TABLE IF NOT EXISTS registry_imports (
     id          bigserial PRIMARY KEY,
     file_sha256 text NOT NULL,
     people      bigint NOT NULL,
     imported_at timestamptz NOT NULL DEFAULT now()
   )`,
];

/** Rows per INSERT while staging: 6 parameters a row, far under PostgreSQL's 65,535. */
const BATCH = 1000;
const PROGRESS_EVERY = 100_000;
/** Problems named in the refusal; the count covers them all. */
const PROBLEMS_NAMED = 10;

interface PersonRow {
  nam: string;
  family_name: string;
  given_name: string;
  birth_date: string | null;
  sex: string;
}

/**
 * The registry of insured people (QHR: "everyone has a record unless they refuse"): everyone
 * listed has a record, empty until a source holds data for them. Kept in PostgreSQL, so nine
 * million people cost the patient index an indexed lookup per batch, not gigabytes of memory in
 * every process. A file replaces the registry whole, in one transaction, or not at all: a file with
 * a bad row is refused (by line numbers, never values), since loading part of it would silently
 * hide the records of the people left out.
 */
export class Registry {
  constructor(private readonly db: Pick<Db, 'query' | 'transaction'>) {}

  async migrate(): Promise<void> {
    await migrate(this.db, 'registry', MIGRATION);
  }

  /** The people among these NAMs (one query for a whole batch); a NAM not listed is absent. */
  async find(nams: readonly string[]): Promise<Map<string, InsuredPerson>> {
    const people = new Map<string, InsuredPerson>();
    if (nams.length === 0) return people;
    const { rows } = await this.db.query<PersonRow>(
      `SELECT nam, family_name, given_name, to_char(birth_date, 'YYYY-MM-DD') AS birth_date, sex FROM insured_people WHERE nam = ANY($1::text[])`,
      [[...new Set(nams)]],
    );
    for (const row of rows) people.set(row.nam, { nam: row.nam, familyName: row.family_name, givenName: row.given_name, birthDate: row.birth_date ?? '', sex: row.sex });
    return people;
  }

  async size(): Promise<number> {
    const { rows } = await this.db.query<{ n: string | number }>('SELECT count(*) AS n FROM insured_people');
    return Number(rows[0].n);
  }

  /**
   * Imports a registry file unless it is the one imported last (same SHA-256): what the patient
   * index does at start with REGISTRY_FILE, so every instance may try and only one reads it.
   */
  async importFileIfChanged(path: string, onProgress?: (rows: number) => void): Promise<ImportReport> {
    const digest = await sha256Of(path);
    return this.db.transaction(async (tx) => {
      await tx.query(schemaLock('registry.import'));
      const { rows } = await tx.query<{ file_sha256: string; people: string | number }>('SELECT file_sha256, people FROM registry_imports ORDER BY id DESC LIMIT 1');
      if (rows[0]?.file_sha256 === digest) return { people: Number(rows[0].people), removed: 0, imported: false };
      return replaceWith(tx, createReadStream(path), digest, onProgress);
    });
  }

  /** Imports a registry file (`npm run registry:import`): replaces the registry whole, or refuses the file. */
  async importFile(path: string, onProgress?: (rows: number) => void): Promise<ImportReport> {
    const digest = await sha256Of(path);
    return this.db.transaction(async (tx) => {
      await tx.query(schemaLock('registry.import'));
      return replaceWith(tx, createReadStream(path), digest, onProgress);
    });
  }
}

/**
 * Stages every row in a temporary table, checks the file as a whole (bad rows, NAMs listed twice),
 * then makes the registry equal to it: people no longer listed leave, the others are upserted.
 */
async function replaceWith(tx: Pick<Db, 'query'>, input: Readable, digest: string, onProgress?: (rows: number) => void): Promise<ImportReport> {
  await tx.query(`CREATE TEMP TABLE registry_staging (line integer NOT NULL, nam text NOT NULL, family_name text NOT NULL,
                  given_name text NOT NULL, birth_date date, sex text NOT NULL) ON COMMIT DROP`);
  const problems: string[] = [];
  let problemCount = 0;
  let batch: { line: number; person: InsuredPerson }[] = [];
  let rows = 0;
  const flush = async () => {
    if (batch.length > 0) await stage(tx, batch);
    batch = [];
  };
  for await (const row of registryRows(input)) {
    rows += 1;
    if ('problem' in row) {
      problemCount += 1;
      if (problems.length < PROBLEMS_NAMED) problems.push(`line ${row.line}: ${row.problem}`);
    } else if (problemCount === 0) {
      batch.push(row);
      if (batch.length >= BATCH) await flush();
    }
    if (rows % PROGRESS_EVERY === 0) onProgress?.(rows);
  }
  await flush();
  if (problemCount === 0) {
    const twice = await tx.query<{ line: number }>(
      `SELECT line FROM (SELECT line, row_number() OVER (PARTITION BY nam ORDER BY line) AS n FROM registry_staging) s WHERE n > 1 ORDER BY line LIMIT ${PROBLEMS_NAMED + 1}`,
    );
    for (const { line } of twice.rows) {
      problemCount += 1;
      if (problems.length < PROBLEMS_NAMED) problems.push(`line ${line}: NAM listed twice`);
    }
  }
  if (problemCount > 0) {
    throw new RegistryError(`registry refused, nothing imported: ${problems.join('; ')}${problemCount > problems.length ? '; …' : ''}`);
  }
  const removed = await tx.query(`DELETE FROM insured_people p WHERE NOT EXISTS (SELECT 1 FROM registry_staging s WHERE s.nam = p.nam) RETURNING 1`);
  await tx.query(
    `INSERT INTO insured_people (nam, family_name, given_name, birth_date, sex)
     SELECT nam, family_name, given_name, birth_date, sex FROM registry_staging
     ON CONFLICT (nam) DO UPDATE SET family_name = EXCLUDED.family_name, given_name = EXCLUDED.given_name, birth_date = EXCLUDED.birth_date, sex = EXCLUDED.sex
     WHERE (insured_people.family_name, insured_people.given_name, insured_people.birth_date, insured_people.sex)
           IS DISTINCT FROM (EXCLUDED.family_name, EXCLUDED.given_name, EXCLUDED.birth_date, EXCLUDED.sex)`,
  );
  const people = rows;
  await tx.query('INSERT INTO registry_imports (file_sha256, people) VALUES ($1, $2)', [digest, people]);
  return { people, removed: removed.rows.length, imported: true };
}

async function stage(tx: Pick<Db, 'query'>, rows: { line: number; person: InsuredPerson }[]): Promise<void> {
  const params: unknown[] = [];
  const tuples = rows.map(({ line, person }, index) => {
    params.push(line, person.nam, person.familyName, person.givenName, person.birthDate || null, person.sex);
    const n = index * 6;
    return `($${n + 1}::integer, $${n + 2}, $${n + 3}, $${n + 4}, $${n + 5}::date, $${n + 6})`;
  });
  await tx.query(`INSERT INTO registry_staging (line, nam, family_name, given_name, birth_date, sex) VALUES ${tuples.join(', ')}`, params);
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (error) {
    throw new RegistryError(`cannot read registry ${path}: ${(error as NodeJS.ErrnoException).code ?? 'read error'}`);
  }
  return hash.digest('hex');
}

import { parse } from 'csv-parse/sync';
import { readFileSync } from 'node:fs';
import { isValidNam, normalizeNam } from '../../lib/nam';

/** One insured person, as the registry lists them. */
export interface InsuredPerson {
  nam: string;
  familyName: string;
  givenName: string;
  birthDate: string;
  sex: string;
}

const HEADER = ['nam', 'family_name', 'given_name', 'birth_date', 'sex'];
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export class RegistryError extends Error {}

/**
 * The registry of insured people (REGISTRY_FILE, UTF-8 CSV): everyone listed has a record (QHR:
 * "everyone has a record unless they refuse"), empty until a source holds data for them. A file
 * with a bad row is refused whole, naming line numbers only: loading part of it would silently
 * hide the records of the people left out.
 */
export function parseRegistry(csv: string): Map<string, InsuredPerson> {
  let rows: string[][];
  try {
    rows = parse(csv.replace(/^\uFEFF/, ''), { skip_empty_lines: true, trim: true, relax_column_count: false });
  } catch (error) {
    throw new RegistryError(`registry is not valid CSV (${(error as { code?: string }).code ?? 'parse error'})`);
  }
  const [header, ...body] = rows;
  if (!header || header.map((h) => h.toLowerCase()).join(',') !== HEADER.join(',')) {
    throw new RegistryError(`registry header must be: ${HEADER.join(',')}`);
  }
  const people = new Map<string, InsuredPerson>();
  const problems: string[] = [];
  body.forEach((row, index) => {
    const line = index + 2;
    const [rawNam, familyName, givenName, birthDate, sex] = row;
    const nam = normalizeNam(rawNam ?? '');
    if (!isValidNam(nam)) problems.push(`line ${line}: invalid NAM`);
    else if (people.has(nam)) problems.push(`line ${line}: NAM listed twice`);
    else if (birthDate && !DATE.test(birthDate)) problems.push(`line ${line}: birth_date must be YYYY-MM-DD`);
    else people.set(nam, { nam, familyName, givenName, birthDate, sex });
  });
  if (problems.length > 0) {
    throw new RegistryError(`registry has ${problems.length} bad row(s): ${problems.slice(0, 10).join('; ')}${problems.length > 10 ? '; …' : ''}`);
  }
  return people;
}

export function loadRegistry(path: string): Map<string, InsuredPerson> {
  let csv: string;
  try {
    csv = readFileSync(path, 'utf8');
  } catch (error) {
    throw new RegistryError(`cannot read registry ${path}: ${(error as NodeJS.ErrnoException).code ?? 'read error'}`);
  }
  return parseRegistry(csv);
}

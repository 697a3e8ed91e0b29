import { parse } from 'csv-parse';
import type { Readable } from 'node:stream';
import { isValidNam, normalizeNam } from '../../lib/nam';

/** One insured person, as the registry lists them. */
export interface InsuredPerson {
  nam: string;
  familyName: string;
  givenName: string;
  birthDate: string;
  sex: string;
}

export const REGISTRY_HEADER = ['nam', 'family_name', 'given_name', 'birth_date', 'sex'];
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export class RegistryError extends Error {}

/** A row of the file: the person it lists, or why it cannot be kept. Lines count from 1, the header included. */
export type RegistryRow = { line: number; person: InsuredPerson } | { line: number; problem: string };

/**
 * Reads a registry file (REGISTRY_FILE format: UTF-8 CSV, header nam,family_name,given_name,
 * birth_date,sex, RFC 4180 quoting, an optional byte-order mark) as a stream, so the province's
 * nine million rows never sit in memory. A bad row is reported by line number and reason only:
 * its values are personal information. Duplicates are the store's to find (it sees every row).
 */
export async function* registryRows(input: Readable): AsyncGenerator<RegistryRow> {
  const parser = input.pipe(parse({ bom: true, trim: true, skip_empty_lines: true, relax_column_count: true, info: true }));
  let header = true;
  let line = 0;
  try {
    // info.lines is the line the record ends on (a quoted field may span lines).
    for await (const { record: row, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      line = info.lines;
      if (header) {
        header = false;
        if (row.map((h) => h.toLowerCase()).join(',') !== REGISTRY_HEADER.join(',')) throw new RegistryError(`registry header must be: ${REGISTRY_HEADER.join(',')}`);
        continue;
      }
      yield readRow(line, row);
    }
  } catch (error) {
    if (error instanceof RegistryError) throw error;
    throw new RegistryError(`registry is not valid CSV near line ${line + 1} (${(error as { code?: string }).code ?? 'parse error'})`);
  }
  if (header) throw new RegistryError(`registry header must be: ${REGISTRY_HEADER.join(',')}`);
}

function readRow(line: number, row: string[]): RegistryRow {
  if (row.length !== REGISTRY_HEADER.length) return { line, problem: `expected ${REGISTRY_HEADER.length} columns` };
  const [rawNam, familyName, givenName, birthDate, sex] = row;
  const nam = normalizeNam(rawNam);
  if (!isValidNam(nam)) return { line, problem: 'invalid NAM' };
  if (birthDate && (!DATE.test(birthDate) || Number.isNaN(Date.parse(`${birthDate}T00:00:00Z`)))) return { line, problem: 'birth_date must be YYYY-MM-DD' };
  return { line, person: { nam, familyName, givenName, birthDate, sex } };
}

import { parse } from 'csv-parse';
import { createReadStream } from 'node:fs';
import { isValidNam, normalizeNam } from '../lib/nam';
import type { XrefStore } from './cross-reference';

export interface ImportReport {
  rows: number;
  added: number;
  relinked: number;
  rejected: { line: number; reason: string }[];
}

const HEADER = 'source_id,local_id,nam';
const BATCH = 1000;

/**
 * Imports cross-reference links from a CSV (`source_id,local_id,nam`), streaming in batches so a
 * source's whole patient list (hundreds of thousands of rows) never sits in memory. Rows with an
 * unknown source or a malformed NAM are rejected by line number (never echoed: they hold NAMs).
 */
export async function importXref(
  path: string,
  store: Pick<XrefStore, 'linkMany'>,
  knownSources: ReadonlySet<string>,
  onProgress: (rows: number) => void = () => undefined,
): Promise<ImportReport> {
  const report: ImportReport = { rows: 0, added: 0, relinked: 0, rejected: [] };
  let batch: { sourceId: string; localId: string; nam: string }[] = [];
  const flush = async () => {
    const { added, relinked } = await store.linkMany(batch, 'import');
    report.added += added;
    report.relinked += relinked;
    batch = [];
  };
  const parser = createReadStream(path).pipe(parse({ bom: true, trim: true, skip_empty_lines: true, relax_column_count: true }));
  let line = 0;
  for await (const row of parser as AsyncIterable<string[]>) {
    line += 1;
    if (line === 1) {
      if (row.join(',').toLowerCase() !== HEADER) throw new Error(`xref import: the header must be ${HEADER}`);
      continue;
    }
    report.rows += 1;
    const [sourceId, localId, rawNam] = row;
    const nam = normalizeNam(rawNam ?? '');
    if (!sourceId || !knownSources.has(sourceId)) report.rejected.push({ line, reason: 'unknown source_id' });
    else if (!localId) report.rejected.push({ line, reason: 'empty local_id' });
    else if (!isValidNam(nam)) report.rejected.push({ line, reason: 'invalid NAM' });
    else batch.push({ sourceId, localId, nam });
    if (batch.length >= BATCH) await flush();
    if (report.rows % 10_000 === 0) onProgress(report.rows);
  }
  await flush();
  return report;
}

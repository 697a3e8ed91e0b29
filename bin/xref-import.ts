/**
 * `npm run xref:import -- FILE.csv`: links each source's local patient ids to NAMs (CSV header
 * `source_id,local_id,nam`). Uses DATABASE_URL (or the embedded database in DATA_DIR). Prints a
 * progress line every 10,000 rows and rejected rows by line number only (they hold NAMs).
 */
import { loadConfig } from '../lib/config';
import { openDb } from '../lib/db';
import { importXref } from '../locator/xref-import';
import { XrefStore } from '../locator/cross-reference';

async function main() {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: npm run xref:import -- FILE.csv   (header: source_id,local_id,nam)');
    process.exit(2);
  }
  const config = loadConfig();
  if (!config.databaseUrl && !config.dataDir) {
    console.error('xref import: set DATABASE_URL (or DATA_DIR for the embedded database); an in-memory database would forget the links');
    process.exit(2);
  }
  const db = await openDb({ url: config.databaseUrl, dataDir: config.dataDir, schema: config.dbSchema });
  try {
    const store = new XrefStore(db);
    await store.migrate();
    const report = await importXref(file, store, new Set(config.sources.map((s) => s.id)), (rows) => console.error(`xref import: ${rows} rows…`));
    for (const { line, reason } of report.rejected.slice(0, 50)) console.error(`xref import: line ${line} rejected: ${reason}`);
    console.log(`xref import: ${report.rows} rows, ${report.added} new links, ${report.relinked} changed, ${report.rejected.length} rejected`);
    process.exitCode = report.rejected.length > 0 ? 1 : 0;
  } finally {
    await db.close();
  }
}

main().catch((error) => {
  console.error(`xref import failed: ${(error as Error).message}`);
  process.exit(2);
});

/**
 * `npm run registry:import -- FILE.csv`: replaces the registry of insured people with a file
 * (header nam,family_name,given_name,birth_date,sex), whole or not at all. Uses DATABASE_URL (or
 * the embedded database in DATA_DIR). A progress line every 100,000 rows; refused rows by line
 * number only (they hold NAMs and names).
 */
import { loadConfig } from '../lib/config';
import { openDb } from '../lib/db';
import { Registry, RegistryError } from '../subgraphs/patient-index/registry';

async function main(): Promise<number> {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: npm run registry:import -- FILE.csv   (header: nam,family_name,given_name,birth_date,sex)');
    return 2;
  }
  const config = loadConfig();
  if (!config.databaseUrl && !config.dataDir) {
    console.error('registry import: set DATABASE_URL (or DATA_DIR for the embedded database); an in-memory database would forget the registry');
    return 2;
  }
  const db = await openDb({ url: config.databaseUrl, dataDir: config.dataDir, schema: config.dbSchema });
  try {
    const registry = new Registry(db);
    await registry.migrate();
    const report = await registry.importFile(file, (rows) => console.error(`registry import: ${rows} rows…`));
    console.log(`registry import: ${report.people} insured people, ${report.removed} no longer listed`);
    return 0;
  } catch (error) {
    if (!(error instanceof RegistryError)) throw error;
    console.error(`registry import: ${error.message}`);
    return 1;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error) => {
    console.error(`registry import failed: ${error.name}`);
    process.exitCode = 2;
  },
);

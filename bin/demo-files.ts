/** Writes the demo registry from the demo population (`npm run demo:files`); a test keeps them in step. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { demoPeople, registryCsv } from '../demo/people';

writeFileSync(join(__dirname, '..', 'demo', 'registry.csv'), registryCsv(demoPeople()));
console.log('demo: wrote demo/registry.csv');

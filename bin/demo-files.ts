/** Writes the demo registry and cross-reference from the demo population (`npm run demo:files`); a test keeps them in step. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { demoPeople, registryCsv, xrefCsv } from '../demo/people';

const people = demoPeople();
writeFileSync(join(__dirname, '..', 'demo', 'registry.csv'), registryCsv(people));
writeFileSync(join(__dirname, '..', 'demo', 'xref.csv'), xrefCsv(people));
console.log('demo: wrote demo/registry.csv and demo/xref.csv');

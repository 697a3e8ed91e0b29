/** `npm run docs:errors`: writes docs/errors.md from the error registry (lib/errors.ts). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorsMarkdown } from '../lib/errors-doc';

writeFileSync(join(__dirname, '..', 'docs', 'errors.md'), errorsMarkdown());
console.log('docs:errors: wrote docs/errors.md');

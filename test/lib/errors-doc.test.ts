import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorsMarkdown } from '../../lib/errors-doc';
import { ERROR_REGISTRY, ErrorCode } from '../../lib/errors';

describe('docs/errors.md lists every error code a client can receive', () => {
  test('docs/errors.md is what the registry generates today (run `npm run docs:errors` if not)', () => {
    expect(readFileSync(join(__dirname, '../../docs/errors.md'), 'utf8')).toBe(errorsMarkdown());
  });

  test('every code of the registry has an entry with its HTTP status and meaning', () => {
    const documented = new Set(ERROR_REGISTRY.map((entry) => entry.code));
    for (const code of Object.values(ErrorCode)) expect(documented).toContain(code);
  });

  test('no code is documented twice', () => {
    const codes = ERROR_REGISTRY.map((entry) => entry.code);
    expect(new Set(codes).size).toBe(codes.length);
  });
});

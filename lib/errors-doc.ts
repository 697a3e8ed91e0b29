import { ERROR_REGISTRY, type ErrorEntry } from './errors';

/**
 * docs/errors.md, written from the registry (lib/errors.ts) so the list a client reads is the list
 * the gateway speaks: `npm run docs:errors` writes it, test/lib/errors-doc.test.ts fails when the
 * file and the registry differ.
 */
export function errorsMarkdown(registry: readonly ErrorEntry[] = ERROR_REGISTRY): string {
  const rows = registry.map((entry) => `| \`${entry.code}\` | ${entry.http} | ${entry.retry ? 'yes' : 'no'} | ${entry.meaning.replace(/\|/g, '\\|')} |`);
  return [
    '# Error codes',
    '',
    '<!-- Generated from lib/errors.ts by `npm run docs:errors`; do not edit by hand. -->',
    '',
    'Every error the gateway answers carries `extensions.code`, one of the codes below. Messages are fixed',
    'phrases: they never repeat a value sent, a source’s answer or a stack (any of those may be personal',
    'health information). Errors about a field carry its `path`; the rest of the answer is still returned',
    'unless the HTTP status says otherwise.',
    '',
    '| code | HTTP | retry | meaning |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
    'Extensions a client may read besides `code`: `sources` (ids of the sources that did not answer, with',
    '`SOURCE_UNAVAILABLE`) and `argumentName` (with `BAD_USER_INPUT`).',
    '',
  ].join('\n');
}

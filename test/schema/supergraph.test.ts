import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeSupergraph } from '../../schema/compose';

const root = join(__dirname, '../..');

describe('the composed supergraph', () => {
  const composed = composeSupergraph();

  test('schema/supergraph.graphql is what the subgraphs compose to today (run `npm run compose` if not)', () => {
    expect(readFileSync(join(root, 'schema/supergraph.graphql'), 'utf8')).toBe(composed.supergraphSdl);
  });

  test('schema/api.graphql is the public API the supergraph exposes', () => {
    expect(readFileSync(join(root, 'schema/api.graphql'), 'utf8')).toBe(composed.apiSdl);
  });

  test('the public API satisfies the shared contract (../shared/contract/check.mjs)', () => {
    const output = execFileSync('node', ['../shared/contract/check.mjs', 'schema/api.graphql'], { cwd: root, encoding: 'utf8' });
    expect(output).toContain('contract: satisfied');
  });

  test('the contract check fails on an API that drops a contract field', () => {
    const broken = join(mkdtempSync(join(tmpdir(), 'contract-')), 'api.graphql');
    writeFileSync(broken, composed.apiSdl.replace(/\n  medications\(since: Date\): \[MedicationDispense!\]/, ''));
    expect(() => execFileSync('node', [join(root, '../shared/contract/check.mjs'), broken], { cwd: root, encoding: 'utf8', stdio: 'pipe' })).toThrow();
  });

  test('the cross-reference the subgraphs share is not part of the public API', () => {
    expect(composed.apiSdl).not.toMatch(/sourceIds|SourceLocalId/);
  });
});
